//go:build !nodev

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/bench"
	"github.com/partnerflow/partnerflow/devstack"
)

// TestBenchLifecyclesAgainstBaseline runs two lifecycles of each side on the in-process stack:
// every REST lifecycle completes, and the baseline does the same Temporal work as the real
// lifecycle (counted from both histories), without the read-model local activities. (One stack
// per test process: the API registers its metrics globally.)
func TestBenchLifecyclesAgainstBaseline(t *testing.T) {
	sf := stackFlags{dataDir: t.TempDir(), settleDelay: time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	err := sf.withStack(ctx, io.Discard, true, func(ctx context.Context, tgt bench.Target, _ devstack.Info) error {
		env, err := bench.NewEnv(ctx, tgt, nil)
		require.NoError(t, err)
		defer env.Close()
		res, err := bench.Run(ctx, env, bench.Options{Lifecycles: 2, Concurrency: 2, Rounds: 1, Warmup: 1})
		require.NoError(t, err)
		require.Zero(t, res.Failures, "%v", res.FailureSamples)
		require.Greater(t, res.LifecyclesPerSec, 0.0)
		require.Greater(t, res.BaselineLifecyclesPerSec, 0.0)
		require.Len(t, res.Rounds, 2)

		real, base := res.Real, res.Baseline
		require.Equal(t, res.HistoryEventsPerLifecycle, real.Events)
		require.Equal(t, 1, real.Starts)
		require.Equal(t, 8, real.Updates, "counter, accept, draft, review, draft, review, publication, payout")
		require.Equal(t, 3, real.Signals, "creator signed, envelope completed, transfer paid")
		require.Equal(t, 12, real.Activities, "7 side effects and an e-mail for the counter-offer and each of the 4 draft changes")
		// One read-model write per workflow task that changed something (16-18), the two
		// disclosure checks and one version marker.
		require.GreaterOrEqual(t, real.Markers, 15, "every transition is written by a local activity")
		require.Zero(t, base.Markers)
		require.Equal(t, 11, base.Timers)
		// A timer is skipped when the awaited action arrived before the wait began, which the
		// REST driver's polling makes rare but possible; everything else must match exactly.
		real.Timers = base.Timers
		require.NoError(t, bench.SameTemporalWork(real, base))

		// --json prints exactly the documented fields.
		raw, err := json.Marshal(res)
		require.NoError(t, err)
		var line map[string]any
		require.NoError(t, json.Unmarshal(raw, &line))
		require.ElementsMatch(t, []string{"lifecycles", "seconds", "lifecycles_per_sec", "baseline_lifecycles_per_sec", "ratio",
			"api_p50_ms", "api_p99_ms", "history_events_per_lifecycle", "failures"}, keys(line))

		// The human-action scenario on the same stack: every counter-offer is accepted on
		// both sides, and each side's cost is measured over its own actions.
		// Every measured slice is announced to the hook (--cpuprofile-sides), with its side, and
		// ended; the warm-up is not.
		var slices []string
		open := 0
		hook := func(side string) func() {
			slices = append(slices, side)
			open++
			return func() { open-- }
		}
		var latLog bytes.Buffer
		ll := bench.NewLatencyLog(&latLog)
		points, err := bench.RunUpdates(ctx, env, bench.UpdatesOptions{Concurrency: []int{2}, Requests: 12, Rounds: 3, SliceHook: hook, LatencyLog: ll})
		require.NoError(t, err)
		require.NoError(t, ll.Flush())
		require.Equal(t, []string{"partnerflow", "baseline"}, slices, "12 actions at 2 clients make one slice per side")
		// --latency-log: a line per measured action on each side, the warm-up left out.
		logLines := strings.Split(strings.TrimSpace(latLog.String()), "\n")
		require.Equal(t, bench.LatencyLogHeader, logLines[0])
		require.Len(t, logLines, 1+2*12)
		require.True(t, strings.HasPrefix(logLines[1], "C=2,partnerflow,1,"), logLines[1])
		require.True(t, strings.HasPrefix(logLines[24], "C=2,baseline,1,"), logLines[24])
		require.Zero(t, open)
		require.Len(t, points, 1)
		p := points[0]
		require.Zero(t, p.Failures, "%v", p.FailureSamples)
		require.Equal(t, 12, p.Requests)
		require.Greater(t, p.PerSec, 0.0)
		require.Greater(t, p.BaselinePerSec, 0.0)
		require.LessOrEqual(t, p.P50Ms, p.P99Ms)
		require.Greater(t, p.CPUMsPerAction, 0.0)
		require.Greater(t, p.BaselineCPUMs, 0.0)
		require.Zero(t, p.MaxInFlight, "a closed level has its clients, not a peak")
		// A closed level's JSON line keeps exactly its fields (clients parse them).
		raw, err = json.Marshal(p)
		require.NoError(t, err)
		line = nil
		require.NoError(t, json.Unmarshal(raw, &line))
		require.ElementsMatch(t, []string{"concurrency", "requests", "seconds", "per_sec", "p50_ms", "p99_ms", "failures", "cpu_ms_per_action",
			"baseline_per_sec", "baseline_p50_ms", "baseline_p99_ms", "baseline_cpu_ms_per_action"}, keys(line))

		// An open level on the same stack: 12 actions offered at 40/s on each side (and a
		// warm-up of one), on a pool of five partnerships and five bare workflows.
		slices = nil
		points, err = bench.RunUpdates(ctx, env, bench.UpdatesOptions{Rates: []float64{40}, Pool: 1, Requests: 12, Rounds: 3, SliceHook: hook})
		require.NoError(t, err)
		require.Equal(t, []string{"partnerflow", "baseline"}, slices)
		require.Len(t, points, 1)
		p = points[0]
		require.Zero(t, p.Failures, "%v", p.FailureSamples)
		require.Equal(t, 40.0, p.Rate)
		require.Zero(t, p.Concurrency)
		require.Equal(t, 12, p.Requests)
		require.LessOrEqual(t, p.P50Ms, p.P99Ms)
		require.Positive(t, p.MaxInFlight)
		require.Positive(t, p.BaselineMaxInFlight)
		require.Greater(t, p.BaselinePerSec, 0.0)
		raw, err = json.Marshal(p)
		require.NoError(t, err)
		line = nil
		require.NoError(t, json.Unmarshal(raw, &line))
		require.Contains(t, line, "rate")
		require.Contains(t, line, "max_in_flight")
		require.NotContains(t, line, "concurrency")
		return nil
	})
	require.NoError(t, err)
}

// TestWriteHeapProfile checks that --memprofile writes a heap profile pprof can read, with the
// live-heap samples it is read for.
func TestWriteHeapProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	require.NoError(t, writeHeapProfile(path))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	p, err := profile.Parse(f)
	require.NoError(t, err)
	var types []string
	for _, st := range p.SampleType {
		types = append(types, st.Type)
	}
	require.Contains(t, types, "inuse_space")
}

// TestSideProfiles checks --cpuprofile-sides: each part is profiled into its own file, the
// parts of each side are merged into <side>.pprof and the split of each is printed (to stderr
// beside --json's lines); it refuses to run beside --cpuprofile, and `bench updates` refuses
// more than one concurrency level with it, before it writes anything.
func TestSideProfiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sides")
	err := runBenchUpdates(context.Background(), []string{"--cpuprofile-sides", dir, "--concurrency", "4,16"}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "one --concurrency level")
	require.NoDirExists(t, dir)

	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	pf := registerProfiles(fs, "")
	sides := registerSideProfiles(fs, "slice")
	require.NoError(t, fs.Parse([]string{"--cpuprofile-sides", dir, "--cpuprofile", "x.pprof"}))
	require.ErrorContains(t, sides.prepare(pf, false, io.Discard, io.Discard), "cannot both run")
	require.NoDirExists(t, dir)
	*pf.cpu = ""
	var stdout, stderr strings.Builder
	require.NoError(t, sides.prepare(pf, true, &stdout, &stderr))
	require.True(t, sides.on())

	burn := func() {
		sum := 0
		for deadline := time.Now().Add(30 * time.Millisecond); time.Now().Before(deadline); {
			sum++
		}
		_ = sum
	}
	for _, side := range []string{"partnerflow", "baseline", "partnerflow", "baseline"} {
		end := sides.start(side)
		burn()
		end()
	}
	require.NoError(t, sides.report())
	for _, f := range []string{"partnerflow-1", "partnerflow-2", "baseline-1", "baseline-2", "partnerflow", "baseline"} {
		require.FileExists(t, filepath.Join(dir, f+".pprof"))
	}
	require.Empty(t, stdout.String(), "with --json, stdout keeps only the JSON lines")
	require.Contains(t, stderr.String(), "the measured partnerflow slices only")
	require.Contains(t, stderr.String(), "the measured baseline slices only")

	// Without the flag nothing is profiled or printed.
	off := registerSideProfiles(flag.NewFlagSet("off", flag.ContinueOnError), "round")
	require.False(t, off.on())
	stdout.Reset()
	require.NoError(t, off.prepare(pf, false, &stdout, &stdout))
	require.NoError(t, off.report())
	require.Empty(t, stdout.String())
}

// TestBenchUpdatesLevels checks the level flags of `bench updates`: --rate takes positive
// numbers, does not go with --concurrency, and --cpuprofile-sides takes one level of either
// kind; all refused before a stack starts or a file is written.
func TestBenchUpdatesLevels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sides")
	latLog := filepath.Join(t.TempDir(), "lat.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "100", "--concurrency", "4"}, "choose one"},
		{[]string{"--rate", "100,x"}, `"x" is not a positive number`},
		{[]string{"--rate", "0"}, `"0" is not a positive number`},
		{[]string{"--rate", "-5"}, `"-5" is not a positive number`},
		{[]string{"--rate", "Inf"}, `"Inf" is not a positive number`},
		{[]string{"--rate", "100", "--pool", "-1"}, "--pool"},
		{[]string{"--pool", "8"}, "--pool goes with --rate"},
		{[]string{"--concurrency", "4,0"}, `"0" is not a positive number`},
		{[]string{"--rate", "100,200", "--cpuprofile-sides", dir}, "one --concurrency level (or --rate)"},
	} {
		// A refused run leaves no latency log behind either.
		args := append(tc.args, "--latency-log", latLog)
		err := runBenchUpdates(context.Background(), args, io.Discard, io.Discard)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
	require.NoDirExists(t, dir)
	require.NoFileExists(t, latLog)
}

// The open-loop table and chart are labelled by the offered rate and show the peak in flight.
func TestOpenLoopTableAndChart(t *testing.T) {
	points := []bench.UpdatesPoint{
		{Rate: 100, Requests: 1000, PerSec: 98, P50Ms: 8, P99Ms: 27, MaxInFlight: 7, BaselinePerSec: 99, BaselineMaxInFlight: 5},
		{Rate: 300, Requests: 1000, PerSec: 282, P50Ms: 19, P99Ms: 140, MaxInFlight: 63, BaselinePerSec: 288, BaselineMaxInFlight: 22},
	}
	var out strings.Builder
	require.NoError(t, printUpdatesTable(&out, 1000, points))
	require.Contains(t, out.String(), "offered/s")
	require.Contains(t, out.String(), "most in flight")
	require.Contains(t, out.String(), "open loop")
	require.Regexp(t, `\s300\s+1000\s+282\.0\s+63\s+19\.0\s+140\.0\s`, out.String())
	svg := filepath.Join(t.TempDir(), "open.svg")
	require.NoError(t, writeUpdatesChart(svg, points))
	b, err := os.ReadFile(svg)
	require.NoError(t, err)
	require.Contains(t, string(b), "actions offered per second")

	out.Reset()
	require.NoError(t, printUpdatesTable(&out, 1000, []bench.UpdatesPoint{{Concurrency: 16, Requests: 1000}}))
	require.Contains(t, out.String(), "clients")
	require.NotContains(t, out.String(), "open loop")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
