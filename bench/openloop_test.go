package bench

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Arrivals are a Poisson process at the rate: due times only grow, their mean gap is 1/rate,
// and about 1 − 1/e of the gaps are shorter than the mean (exponential gaps); the same seed
// gives the same schedule, so both sides of a level get the same one.
func TestArrivalsArePoisson(t *testing.T) {
	const n, rate = 20000, 500.0
	due := arrivals(rand.New(rand.NewPCG(7, 1)), n, rate)
	require.Len(t, due, n)
	require.True(t, slices.IsSorted(due))
	mean := due[n-1].Seconds() / n
	require.InDelta(t, 1/rate, mean, 0.05/rate)
	short, prev := 0, time.Duration(0)
	for _, d := range due {
		if (d - prev).Seconds() < mean {
			short++
		}
		prev = d
	}
	require.InDelta(t, 0.632, float64(short)/n, 0.02)
	require.Equal(t, due, arrivals(rand.New(rand.NewPCG(7, 1)), n, rate))
}

// An open level's slices hold exactly the measured actions, and its pool keeps every
// partnership within the rounds (the warm-up included) and at the floor.
func TestPlanOpen(t *testing.T) {
	for _, tc := range []struct{ requests, rounds, minPool, slices, pool int }{
		{2000, 10, 0, 4, 220}, {1000, 10, 0, 4, 110}, {300, 10, 0, 1, 64}, {12, 3, 1, 1, 5}, {12, 3, 8, 1, 8}, {600, 90, 0, 2, 64},
		// 90 rounds are kept to 50 on average, half the campaign's limit, as headroom.
		{8000, 90, 0, 4, 176},
	} {
		p := planOpen(tc.requests, tc.rounds, tc.minPool)
		require.Equal(t, tc.slices, p.slices.slices, "%+v", tc)
		require.Equal(t, tc.pool, p.pool, "%+v", tc)
		total := 0
		for i := range p.slices.slices {
			total += p.slices.quota(i)(0)
		}
		require.Equal(t, tc.requests, total, "%+v", tc)
		require.GreaterOrEqual(t, p.pool*min(tc.rounds, maxOpenShare), p.warmUp+tc.requests, "%+v", tc)
	}
}

// runOpen does not wait for answers before offering the next action, never gives one client
// two actions at once, and counts each action's latency from when it was due: five actions
// due at once on a single client that takes 20 ms each wait 20, 40 … 100 ms. Only measured
// runs count, and only they are announced to the hook.
func TestRunOpenCountsFromWhenDue(t *testing.T) {
	const took = 20 * time.Millisecond
	var busy [3]atomic.Bool
	var overlaps atomic.Int64
	act := func(client, k int) error {
		if !busy[client].CompareAndSwap(false, true) {
			overlaps.Add(1)
		}
		time.Sleep(took)
		busy[client].Store(false)
		if k == 2 && client == 0 {
			return errors.New("refused")
		}
		return nil
	}
	var hooked []string
	one := newActionSide("partnerflow", 1, act)
	one.hook = func(side string) func() { hooked = append(hooked, side); return func() {} }
	ctx := context.Background()
	bar := newProgress(nil, 0) // draws nothing
	one.runOpen(ctx, make([]time.Duration, 2), false, bar)
	require.Empty(t, one.lat.Millis(), "the warm-up is not measured")
	require.Empty(t, hooked)
	one.runOpen(ctx, make([]time.Duration, 5), true, bar)
	require.Equal(t, []string{"partnerflow"}, hooked)
	ms := one.lat.Millis()
	slices.Sort(ms)
	require.Len(t, ms, 5)
	for i, m := range ms {
		require.GreaterOrEqual(t, m, float64((i+1)*int(took/time.Millisecond)), "action %d waited for the one before", i)
	}
	require.Equal(t, 1, one.maxInFlight)
	require.Equal(t, 7, one.next[0])
	require.EqualValues(t, 1, one.failures.Load(), "the third action (the warm-up's included) failed")

	// Three clients: nine actions due at once run three at a time, each client kept busy. The
	// first three wait until all three have started, so the peak does not depend on timing.
	var started atomic.Int64
	all := make(chan struct{})
	three := newActionSide("baseline", 3, func(client, k int) error {
		if started.Add(1) == 3 {
			close(all)
		}
		<-all
		return act(client, k)
	})
	three.runOpen(ctx, make([]time.Duration, 9), true, bar)
	require.Zero(t, overlaps.Load(), "a client never has two actions at once")
	require.Equal(t, 3, three.maxInFlight)
	require.Len(t, three.lat.Millis(), 9)
	require.Equal(t, 9, three.next[0]+three.next[1]+three.next[2])
	for c, n := range three.next {
		require.Positive(t, n, "client %d was used", c)
	}
	require.GreaterOrEqual(t, three.elapsed, 3*took)
}

// A cancelled run offers nothing more, does not wait for the next action's due time, and
// keeps every client free for the next slice.
func TestRunOpenStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newActionSide("partnerflow", 2, func(int, int) error { return nil })
	s.runOpen(ctx, []time.Duration{0, time.Hour, time.Hour}, true, newProgress(nil, 0))
	require.Equal(t, []int{0, 0}, s.next)
	require.Len(t, s.free, 2)
	require.Zero(t, s.failures.Load())
}

// RunUpdates refuses a bad level before it sets up any, even after good ones.
func TestRunUpdatesChecksLevelsFirst(t *testing.T) {
	e := &Env{} // no stack: a level that started would fail on it
	for _, o := range []UpdatesOptions{
		{Rates: []float64{100, 0}, Requests: 10},
		{Concurrency: []int{4, -1}, Requests: 10},
		{Rates: []float64{100}, Concurrency: []int{4}, Requests: 10},
		{Requests: 10},
	} {
		points, err := RunUpdates(context.Background(), e, o)
		require.Error(t, err, "%+v", o)
		require.Empty(t, points)
		require.Zero(t, e.levels, "no level was set up")
	}
}
