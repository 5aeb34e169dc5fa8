//go:build !nodev

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/partnerflow/partnerflow/bench"
	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/devstack"
)

func init() { devCommands["bench"] = runBench }

// stackFlags says which stack to measure: the in-process one (default) or a running one.
type stackFlags struct {
	apiURL, sandboxURL, temporalAddress string
	dataDir, databaseURL                string
	settleDelay                         time.Duration
}

func (s *stackFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.apiURL, "api-url", "", "measure a running stack's API (with --sandbox-url, --temporal-address and --data-dir for its secrets) instead of starting one")
	fs.StringVar(&s.sandboxURL, "sandbox-url", "", "the running stack's sandbox (with --api-url)")
	fs.StringVar(&s.temporalAddress, "temporal-address", "", "the running stack's Temporal frontend (with --api-url)")
	fs.StringVar(&s.dataDir, "data-dir", "", "with --api-url: the running dev stack's data dir (secrets, endpoints); otherwise where the in-process stack keeps its state (default: a temporary directory, removed afterwards)")
	fs.StringVar(&s.databaseURL, "database-url", "", "PostgreSQL URL for the in-process stack's database (default SQLite in the data dir)")
	fs.DurationVar(&s.settleDelay, "settle-delay", time.Millisecond, "how long sandbox transfers stay pending in the in-process stack")
}

// withStack runs f against the chosen stack, starting the in-process one if needed.
func (s *stackFlags) withStack(ctx context.Context, stderr io.Writer, worker bool, f func(context.Context, bench.Target, devstack.Info) error) error {
	if s.apiURL != "" {
		return s.withRunning(ctx, f)
	}
	dir := s.dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "partnerflow-bench-*")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(tmp) }()
		dir = tmp
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan devstack.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- devstack.Run(ctx, devstack.Options{
			DataDir: dir, HTTPAddr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", TemporalPort: 0,
			DatabaseURL: s.databaseURL, Worker: worker, SettleDelay: s.settleDelay, EphemeralSandbox: true,
			Logger:           slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: benchLogLevel()})),
			TemporalLogLevel: slog.LevelError,
			Ready:            func(i devstack.Info) { ready <- i },
		})
	}()
	var info devstack.Info
	select {
	case info = <-ready:
	case err := <-done:
		return fmt.Errorf("start the dev stack: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	t := bench.Target{APIURL: info.APIURL, SandboxURL: info.SandboxURL, TemporalAddress: info.TemporalAddress,
		Namespace: devstack.Namespace, JWTSecret: []byte(info.Secrets.JWTSecret)}
	err := f(ctx, t, info)
	cancel()
	if serr := <-done; serr != nil && err == nil {
		err = fmt.Errorf("dev stack: %w", serr)
	}
	return err
}

func (s *stackFlags) withRunning(ctx context.Context, f func(context.Context, bench.Target, devstack.Info) error) error {
	if s.dataDir == "" {
		return errors.New("--api-url needs --data-dir of the running dev stack (for its token secret)")
	}
	secrets, err := devdata.LoadSecrets(s.dataDir)
	if err != nil {
		return err
	}
	t := bench.Target{APIURL: s.apiURL, SandboxURL: s.sandboxURL, TemporalAddress: s.temporalAddress,
		Namespace: devstack.Namespace, JWTSecret: []byte(secrets.JWTSecret)}
	if ep, err := devdata.LoadEndpoints(s.dataDir); err == nil {
		if t.SandboxURL == "" {
			t.SandboxURL = ep.SandboxURL
		}
		if t.TemporalAddress == "" {
			t.TemporalAddress = ep.TemporalAddress
		}
	}
	if t.SandboxURL == "" || t.TemporalAddress == "" {
		return errors.New("--api-url needs --sandbox-url and --temporal-address (or a data dir that records them)")
	}
	return f(ctx, t, devstack.Info{APIURL: t.APIURL, SandboxURL: t.SandboxURL, TemporalAddress: t.TemporalAddress, DataDir: s.dataDir})
}

const benchUsage = `partnerflow bench measures full partnership lifecycles through the REST API against a
bare-Temporal baseline on the same server, in alternating rounds (see docs/benchmarks.md).

Usage:
  partnerflow bench [flags]                 lifecycles vs baseline (--lifecycles, --concurrency, --rounds, --json)
  partnerflow bench updates [flags]         human-action (Update) round trip at several concurrencies
  partnerflow bench idle [flags]            idle partnerships parked on timers: worker RSS, action latency

`

// runBench is `partnerflow bench`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "updates":
			return runBenchUpdates(ctx, args[1:], stdout, stderr)
		case "idle":
			return runBenchIdle(ctx, args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var sf stackFlags
	sf.register(fs)
	o := bench.Options{}
	fs.IntVar(&o.Lifecycles, "lifecycles", 100, "lifecycles per round and side")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "concurrent clients")
	fs.IntVar(&o.Rounds, "rounds", 3, "measured rounds per side, alternating partnerflow and baseline")
	fs.IntVar(&o.Warmup, "warmup", 0, "warm-up lifecycles per side (default min(lifecycles, 2×concurrency))")
	fs.DurationVar(&o.Poll, "poll", 20*time.Millisecond, "how often a waiting client polls")
	asJSON := fs.Bool("json", false, "print one JSON line instead of the table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured rounds to this file (the in-process stack and the drivers)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*asJSON {
		o.Progress = stderr
	}
	return sf.withStack(ctx, stderr, true, func(ctx context.Context, t bench.Target, _ devstack.Info) error {
		env, err := bench.NewEnv(ctx, t, nil)
		if err != nil {
			return err
		}
		defer env.Close()
		if *cpuProfile != "" {
			stop, err := startCPUProfile(*cpuProfile)
			if err != nil {
				return err
			}
			defer stop()
		}
		res, err := bench.Run(ctx, env, o)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(res)
		}
		printLifecycleTable(stdout, o, res)
		return nil
	})
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

func printLifecycleTable(w io.Writer, o bench.Options, r bench.Result) {
	fmt.Fprintf(w, "\nPartnerflow lifecycles vs bare-Temporal baseline: %d lifecycles per round, %d clients, %d rounds per side\n\n",
		r.Lifecycles, r.Concurrency, o.Rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tside\tseconds\tlifecycles/s\tfailures\t")
	for i, rr := range r.Rounds {
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%d\t\n", i/2+1, rr.Side, rr.Seconds, rr.LifecyclesPerSec, rr.Failures)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nmedian lifecycles/s: partnerflow %.2f, baseline %.2f, ratio %.3f\n", r.LifecyclesPerSec, r.BaselineLifecyclesPerSec, r.Ratio)
	fmt.Fprintf(w, "human actions through the API: p50 %.1f ms, p99 %.1f ms (baseline SDK updates: p50 %.1f ms, p99 %.1f ms)\n",
		r.APIP50Ms, r.APIP99Ms, r.BaselineP50Ms, r.BaselineP99Ms)
	fp := func(name string, f bench.Footprint) {
		fmt.Fprintf(w, "history per lifecycle, %-11s %3d events: %d start, %d updates, %d signals, %d activities, %d timers, %d local activities, %d workflow tasks\n",
			name+":", f.Events, f.Starts, f.Updates, f.Signals, f.Activities, f.Timers, f.Markers, f.WorkflowTasks)
	}
	fp("partnerflow", r.Real)
	fp("baseline", r.Baseline)
	if err := bench.SameTemporalWork(r.Real, r.Baseline); err != nil {
		fmt.Fprintf(w, "WARNING: the baseline does not match the lifecycle's Temporal work: %v\n", err)
	}
	fmt.Fprintf(w, "failures: %d\n", r.Failures)
	for _, f := range r.FailureSamples {
		fmt.Fprintf(w, "  %s\n", f)
	}
	fmt.Fprintf(w, "wall time: %.0f s\n", r.TotalWallSeconds)
}

func runBenchUpdates(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not yet")
}

func runBenchIdle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not yet")
}

// benchLogLevel is Error unless PARTNERFLOW_LOG_LEVEL says otherwise, so a run's output stays
// readable while a failing run can still be diagnosed.
func benchLogLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("PARTNERFLOW_LOG_LEVEL"))); err != nil {
		return slog.LevelError
	}
	return l
}
