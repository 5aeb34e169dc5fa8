package bench

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// The open loop: people act when they choose to, not when the last answer came back. A
// closed loop of C clients measures the latency the stack has at its full throughput (each
// client waits for its answer and sends the next at once); an open level instead offers a
// rate of actions and shows the latency at that load, and where it starts to grow.

// defaultPool is the fewest partnerships an open level acts on: enough that an action seldom
// waits for a partnership that is still busy with the one before, at the rates this machine
// takes (tens in flight at most).
const defaultPool = 64

// openSetUp is how many partnerships an open level parks at once.
const openSetUp = 16

// minOpenSlice is the fewest actions in one slice of an open level, so each slice lasts long
// enough for the arrivals' randomness to average out.
const minOpenSlice = 250

// openPlan is one open level's shape: its unmeasured warm-up, its measured slices per side
// and the partnerships (and baseline workflows) it acts on.
type openPlan struct {
	warmUp int
	slices slicePlan
	pool   int
}

// planOpen sizes an open level of requests measured actions: a warm-up of a tenth as many,
// up to four slices of at least minOpenSlice, and a pool of at least minPool (0: defaultPool).
// The free partnerships are taken in turn, so each does about its even share of the actions,
// and the pool keeps that share within rounds. Under overload the shares drift apart (a
// partnership answered quickly is taken again sooner), so the share is kept to at most
// maxOpenShare as well: half the campaign's limit of 100 rounds, leaving the other half as
// headroom.
func planOpen(requests, rounds, minPool int) openPlan {
	if minPool <= 0 {
		minPool = defaultPool
	}
	warm := max(1, requests/10)
	share := min(rounds, maxOpenShare)
	return openPlan{
		warmUp: warm,
		slices: slicePlan{clients: 1, requests: requests, slices: min(maxSlices, max(1, requests/minOpenSlice))},
		pool:   max(minPool, (warm+requests+share-1)/share),
	}
}

// maxOpenShare bounds the counter-offers a pool partnership does on average (planOpen).
const maxOpenShare = 50

// arrivals returns when each of n actions offered at rate per second is due, from the start
// of a slice: a Poisson process (independent, exponentially distributed gaps), as actions by
// many people who do not wait for one another arrive.
func arrivals(rng *rand.Rand, n int, rate float64) []time.Duration {
	due := make([]time.Duration, n)
	var t float64
	for i := range due {
		t += rng.ExpFloat64() / rate
		due[i] = time.Duration(t * float64(time.Second))
	}
	return due
}

// runOpenLevel measures one open level at rate actions per second: both sides get a pool of
// partnerships (bare workflows) parked in negotiation, a warm-up and then the same arrival
// schedule, slice by slice and taking turns, as the closed levels do.
func (e *Env) runOpenLevel(ctx context.Context, rate float64, o UpdatesOptions, rounds int) (UpdatesPoint, error) {
	plan := planOpen(o.Requests, rounds, o.Pool)
	bar := newProgress(o.Progress, 2*plan.pool+2*(plan.warmUp+o.Requests))
	level := e.newLevel(UpdatesPoint{Rate: rate}.Level())
	// One partnership per client: runOpen hands each action a client that is not busy.
	real, err := e.updatesSide(ctx, level, plan.pool, plan.pool, openSetUp, bar)
	if err != nil {
		return UpdatesPoint{}, err
	}
	base, err := e.baselineUpdatesSide(ctx, level, plan.pool, plan.pool, bar)
	if err != nil {
		return UpdatesPoint{}, err
	}
	real.watch(level, o.SliceHook, o.LatencyLog)
	base.watch(level, o.SliceHook, o.LatencyLog)
	// The same schedule for both sides, and the same from run to run.
	rng := rand.New(rand.NewPCG(math.Float64bits(rate), 1))
	warm := arrivals(rng, plan.warmUp, rate)
	due := make([][]time.Duration, plan.slices.slices)
	for i := range due {
		due[i] = arrivals(rng, plan.slices.quota(i)(0), rate)
	}
	alternate(level, real, base, plan.slices.slices, bar, func(s *actionSide, i int) {
		if i < 0 {
			s.runOpen(ctx, warm, false, bar)
			return
		}
		s.runOpen(ctx, due[i], true, bar)
	})
	p := withBaseline(real.point(0), base.point(0))
	p.Rate = rate
	return p, ctx.Err()
}

// runOpen offers an action at each due time from now, each on a client that is not busy (the
// one free longest), however many are under way. An action's latency counts from when it was
// due, so the time it waited for a free client or for a late start is in it: a stack that
// falls behind the offered rate shows it in the tail rather than by slowing the arrivals. (The
// dispatcher runs in the same process, so a pause there, a collection's for one, counts too,
// as it would for a request that arrived then.)
func (s *actionSide) runOpen(ctx context.Context, due []time.Duration, measured bool, bar *progress) {
	if s.free == nil {
		s.free = make(chan int, len(s.next))
		for client := range s.next {
			s.free <- client
		}
	}
	s.slice(ctx, measured, func() {
		var wg sync.WaitGroup
		var inFlight atomic.Int64
		peak := 0
		start := time.Now()
		timer := time.NewTimer(0)
		defer timer.Stop()
		for _, at := range due {
			dueAt := start.Add(at)
			timer.Reset(time.Until(dueAt))
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
			client, got := 0, false
			select {
			case client = <-s.free:
				got = true
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				if got {
					s.free <- client
				}
				break
			}
			peak = max(peak, int(inFlight.Add(1)))
			wg.Go(func() {
				// Receiving the client from s.free orders this after its last action.
				s.one(client, dueAt, measured, bar)
				inFlight.Add(-1)
				s.free <- client
			})
		}
		wg.Wait()
		if measured {
			s.maxInFlight = max(s.maxInFlight, peak)
		}
	})
}
