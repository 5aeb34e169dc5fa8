package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every measured action, and only those, gets a line: its level, side, slice, when it was due
// on the process's clock, its latency and whether it failed.
func TestLatencyLog(t *testing.T) {
	const took = 5 * time.Millisecond
	var buf bytes.Buffer
	log := newLatencyLog(&buf)
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
	before := time.Since(processStart).Seconds()
	s.run(ctx, func(int) int { return 1 }, false, bar) // the warm-up: not logged
	s.run(ctx, func(int) int { return 2 }, true, bar)
	s.runOpen(ctx, make([]time.Duration, 3), true, bar)
	require.NoError(t, log.flush())

	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"level", "side", "slice", "due_s", "latency_ms", "failed"}, rows[0])
	rows = rows[1:]
	require.Len(t, rows, 7, "4 closed-loop and 3 open-loop actions measured")
	failed := 0
	for i, r := range rows {
		require.Equal(t, "C=2", r[0])
		require.Equal(t, "partnerflow", r[1])
		slice := "1"
		if i >= 4 {
			slice = "2"
		}
		require.Equal(t, slice, r[2], "row %d", i)
		due, err := strconv.ParseFloat(r[3], 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, due, before, "due on the process's clock, after the test began")
		ms, err := strconv.ParseFloat(r[4], 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, ms, float64(took)/float64(time.Millisecond))
		if r[5] == "true" {
			failed++
		} else {
			require.Equal(t, "false", r[5])
		}
	}
	require.Equal(t, 1, failed, "client 1's second action (its first measured one) failed")
	require.Len(t, s.lat.Millis(), 7)
}

// A side without a log writes nothing, and a log that cannot be written reports it on flush.
func TestLatencyLogErrors(t *testing.T) {
	var nilLog *latencyLog
	nilLog.add("C=1", "baseline", 1, time.Now(), time.Millisecond, false)
	require.NoError(t, nilLog.flush())
	require.Nil(t, newLatencyLog(nil))

	log := newLatencyLog(failingWriter{})
	log.add("C=1", "baseline", 1, time.Now(), time.Millisecond, false)
	require.ErrorContains(t, log.flush(), "disk full")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
