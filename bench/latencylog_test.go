package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every measured action, and only those, gets a line: its level, side, measured slice, when it
// was due on the log's clock, its latency and whether it failed. Warm-ups (closed and open)
// are left out, and the slices count on across the level.
func TestLatencyLog(t *testing.T) {
	const took = 5 * time.Millisecond
	var buf bytes.Buffer
	log := NewLatencyLog(&buf)
	s := newActionSide("partnerflow", 2, func(client, k int) error {
		time.Sleep(took)
		if client == 1 && k == 1 {
			return errors.New("refused")
		}
		return nil
	})
	s.watch(levelID{label: "C=2", id: "1"}, nil, log)
	bar := newProgress(nil, 0)
	ctx := context.Background()
	before := time.Since(logClock).Seconds()
	s.run(ctx, func(int) int { return 1 }, false, bar) // the warm-up
	s.run(ctx, func(int) int { return 2 }, true, bar)
	s.run(ctx, func(int) int { return 1 }, true, bar)
	s.runOpen(ctx, make([]time.Duration, 2), false, bar) // an open level's warm-up
	s.runOpen(ctx, make([]time.Duration, 3), true, bar)
	after := time.Since(logClock).Seconds()
	require.NoError(t, log.Flush())

	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"level", "side", "slice", "due_s", "latency_ms", "failed"}, rows[0])
	rows = rows[1:]
	require.Len(t, rows, 4+2+3, "the measured actions only")
	slices := map[string]int{}
	failed, last := 0, 0.0
	for i, r := range rows {
		require.Equal(t, "C=2", r[0])
		require.Equal(t, "partnerflow", r[1])
		slices[r[2]]++
		due, err := strconv.ParseFloat(r[3], 64)
		require.NoError(t, err)
		require.True(t, due >= before && due <= after, "row %d due at %v, outside the test's %v–%v", i, due, before, after)
		if r[2] != rows[max(i-1, 0)][2] {
			require.Greater(t, due, last, "a later slice's actions were due later")
		}
		last = max(last, due)
		ms, err := strconv.ParseFloat(r[4], 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, ms, float64(took)/float64(time.Millisecond))
		switch r[5] {
		case "true":
			failed++
		case "false":
		default:
			t.Fatalf("row %d: failed is %q", i, r[5])
		}
	}
	require.Equal(t, map[string]int{"1": 4, "2": 2, "3": 3}, slices)
	require.Equal(t, 1, failed, "client 1's second action (its first measured one) failed")
	require.Len(t, s.lat.Millis(), 9)
}

// A side without a log writes nothing; a log that cannot be written drops the lines after the
// first error and reports it on Flush.
func TestLatencyLogErrors(t *testing.T) {
	var none *LatencyLog
	none.add("C=1", "baseline", 1, time.Now(), time.Millisecond, false)
	require.NoError(t, none.Flush())

	w := &failAfter{n: 3}
	log := NewLatencyLog(w)
	for range 1000 { // several buffers' worth: the writer fails mid-run
		log.add("C=1", "baseline", 1, time.Now(), time.Millisecond, false)
	}
	require.ErrorContains(t, log.Flush(), "disk full")
	require.Equal(t, 4, w.calls, "three writes went through, the fourth failed, nothing after it")
	require.True(t, strings.HasPrefix(w.got.String(), LatencyLogHeader+"\n"))
}

// failAfter accepts n writes and fails every one after.
type failAfter struct {
	n, calls int
	got      bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	f.calls++
	if f.calls > f.n {
		return 0, errors.New("disk full")
	}
	return f.got.Write(p)
}

// The anchor forces two collections and returns a time on the log's clock between the call's
// start and end.
func TestAnchorLatencyClock(t *testing.T) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	gcs := m.NumGC
	before := time.Since(logClock).Seconds()
	at := AnchorLatencyClock()
	after := time.Since(logClock).Seconds()
	runtime.ReadMemStats(&m)
	require.GreaterOrEqual(t, m.NumGC-gcs, uint32(2))
	require.True(t, at >= before && at <= after, "%v outside %v–%v", at, before, after)
}
