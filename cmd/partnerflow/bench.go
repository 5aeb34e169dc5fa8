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
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
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
  partnerflow bench updates [flags]         human-action (Update) round trip at several concurrencies or offered rates
  partnerflow bench idle [flags]            idle partnerships parked on timers: worker RSS, action latency
  partnerflow bench cpusplit FILE           split a --cpuprofile by owner (server, SDK, app, database)

`

// runBench is `partnerflow bench`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "updates":
			return runBenchUpdates(ctx, args[1:], stdout, stderr)
		case "idle":
			return runBenchIdle(ctx, args[1:], stdout, stderr)
		case "cpusplit":
			return runBenchCPUSplit(args[1:], stdout)
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
	fs.IntVar(&o.Rounds, "rounds", 5, "measured rounds per side, alternating partnerflow and baseline")
	fs.IntVar(&o.Warmup, "warmup", 0, "warm-up lifecycles per side (default min(lifecycles, 2×concurrency))")
	fs.DurationVar(&o.Poll, "poll", 20*time.Millisecond, "how often a waiting client polls")
	asJSON := fs.Bool("json", false, "print one JSON line instead of the table")
	pf := registerProfiles(fs, "write a CPU profile of the warm-up and measured rounds to this file (the in-process stack and the drivers) and print its split by owner")
	sides := registerSideProfiles(fs, "round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := sides.prepare(pf, *asJSON, stdout, stderr); err != nil {
		return err
	}
	if !*asJSON {
		o.Progress = stderr
	}
	if sides.on() {
		o.RoundHook = sides.start
	}
	return sf.profiled(ctx, stdout, stderr, pf, !*asJSON, func(ctx context.Context, env *bench.Env) (func() error, error) {
		res, err := bench.Run(ctx, env, o)
		return func() error {
			if *asJSON {
				// The line stays machine-readable; what failed goes to stderr.
				for _, f := range res.FailureSamples {
					fmt.Fprintln(stderr, "failure:", f)
				}
				if err := json.NewEncoder(stdout).Encode(res); err != nil {
					return err
				}
			} else {
				printLifecycleTable(stdout, o, res)
			}
			return sides.report()
		}, err
	})
}

// profileFlags are the profiles a scenario can write.
type profileFlags struct {
	cpu *string // a CPU profile of the whole run
	mem *string // a heap profile once the measured part is done
}

// registerProfiles adds --cpuprofile (described by cpuUsage, which differs by scenario) and
// --memprofile to fs.
func registerProfiles(fs *flag.FlagSet, cpuUsage string) profileFlags {
	return profileFlags{
		cpu: fs.String("cpuprofile", "", cpuUsage),
		mem: fs.String("memprofile", "", "write a heap profile (live objects, after a GC) to this file once the measured part is done, while the stack still holds its workflows"),
	}
}

// sideProfiles is --cpuprofile-sides: each measured part of a run (a round, a slice) is
// profiled on its own, and the parts of each side are merged into DIR/<side>.pprof, so what
// only one side costs shows up against the other.
type sideProfiles struct {
	dir    *string
	part   string              // what a measured part is called in the report: "round", "slice"
	out    io.Writer           // where the splits go: stdout, or stderr beside --json's lines
	stderr io.Writer           // where a profile that could not start is reported
	files  map[string][]string // each side's part profiles, in order
}

func registerSideProfiles(fs *flag.FlagSet, part string) *sideProfiles {
	return &sideProfiles{part: part, dir: fs.String("cpuprofile-sides", "",
		"profile each measured "+part+" on its own into this directory, merge them per side (partnerflow.pprof, baseline.pprof) and print each side's split")}
}

func (p *sideProfiles) on() bool { return *p.dir != "" }

// prepare checks the flag against --cpuprofile and creates the directory. With asJSON the
// splits go to stderr, so that stdout holds only the JSON lines.
func (p *sideProfiles) prepare(prof profileFlags, asJSON bool, stdout, stderr io.Writer) error {
	if !p.on() {
		return nil
	}
	if *prof.cpu != "" {
		return errors.New("--cpuprofile and --cpuprofile-sides cannot both run: the Go runtime takes one CPU profile at a time")
	}
	p.out, p.stderr, p.files = stdout, stderr, map[string][]string{}
	if asJSON {
		p.out = stderr
	}
	return os.MkdirAll(*p.dir, 0o755)
}

// start profiles one measured part of side until the returned func runs.
func (p *sideProfiles) start(side string) (end func()) {
	path := filepath.Join(*p.dir, fmt.Sprintf("%s-%d.pprof", side, len(p.files[side])+1))
	stop, err := startCPUProfile(path)
	if err != nil {
		fmt.Fprintln(p.stderr, "cpuprofile-sides:", err)
		return func() {}
	}
	p.files[side] = append(p.files[side], path)
	return stop
}

// report merges each side's parts and prints the split of each.
func (p *sideProfiles) report() error {
	if !p.on() {
		return nil
	}
	for _, side := range []string{"partnerflow", "baseline"} {
		if len(p.files[side]) == 0 {
			continue
		}
		merged := filepath.Join(*p.dir, side+".pprof")
		if err := bench.MergeProfiles(merged, p.files[side]...); err != nil {
			return err
		}
		if err := printCPUSplit(p.out, merged, "whole process, the measured "+side+" "+p.part+"s only"); err != nil {
			return err
		}
	}
	return nil
}

// profiled runs measure on a benchmark environment over the chosen stack, under a CPU profile
// written to prof.cpu when set, then writes the heap profile prof.mem when set, then the report
// measure returned, once the profiles are complete; with split it also prints the CPU
// profile's split by owner.
func (s *stackFlags) profiled(ctx context.Context, stdout, stderr io.Writer, prof profileFlags, split bool,
	measure func(context.Context, *bench.Env) (report func() error, err error)) error {
	cpuProfile := *prof.cpu
	return s.withStack(ctx, stderr, true, func(ctx context.Context, t bench.Target, _ devstack.Info) error {
		env, err := bench.NewEnv(ctx, t, nil)
		if err != nil {
			return err
		}
		defer env.Close()
		stop := func() {}
		if cpuProfile != "" {
			if stop, err = startCPUProfile(cpuProfile); err != nil {
				return err
			}
		}
		report, err := measure(ctx, env)
		stop()
		if err != nil {
			return err
		}
		if *prof.mem != "" {
			if err := writeHeapProfile(*prof.mem); err != nil {
				return err
			}
		}
		if err := report(); err != nil {
			return err
		}
		if cpuProfile != "" && split {
			return printCPUSplit(stdout, cpuProfile, "whole process, all rounds")
		}
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

// writeHeapProfile writes the live heap, after a collection so that it holds only what is
// still reachable.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// printCPUSplit shows whom the profiled CPU time was spent for.
func printCPUSplit(w io.Writer, path, what string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	shares, err := bench.AttributeCPU(f)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nCPU profile %s (%s), by whom the time was spent for:\n", path, what)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range shares {
		fmt.Fprintf(tw, "  %s\t%.1f s\t%.1f%%\n", s.Owner, s.Seconds, s.Percent)
	}
	return tw.Flush()
}

// runBenchCPUSplit is `partnerflow bench cpusplit FILE`: the split of an existing profile.
func runBenchCPUSplit(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: partnerflow bench cpusplit <cpu profile>")
	}
	return printCPUSplit(stdout, args[0], "as recorded")
}

func printLifecycleTable(w io.Writer, o bench.Options, r bench.Result) {
	fmt.Fprintf(w, "\nPartnerflow lifecycles vs bare-Temporal baseline: %d lifecycles per round, %d clients, %d rounds per side\n\n",
		r.Lifecycles, r.Concurrency, o.Rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tside\tseconds\tlifecycles/s\tCPU ms/lifecycle\tfailures\tpair ratio\t")
	for i, rr := range r.Rounds {
		pair := ""
		if i%2 == 1 && rr.LifecyclesPerSec > 0 {
			pair = fmt.Sprintf("%.3f", r.Rounds[i-1].LifecyclesPerSec/rr.LifecyclesPerSec)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%.0f\t%d\t%s\t\n", i/2+1, rr.Side, rr.Seconds, rr.LifecyclesPerSec, rr.CPUMsPerLifecycle, rr.Failures, pair)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nmedian lifecycles/s: partnerflow %.2f, baseline %.2f\n", r.LifecyclesPerSec, r.BaselineLifecyclesPerSec)
	fmt.Fprintf(w, "ratio (median over rounds of partnerflow / the baseline round after it): %.3f\n", r.Ratio)
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

// runBenchUpdates is `partnerflow bench updates`: the human-action round trip at several
// concurrencies, as a table (or JSON lines) and an SVG chart.
func runBenchUpdates(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench updates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs)
	levels := fs.String("concurrency", "1,4,16,64", "comma-separated concurrency levels: closed-loop clients, each sending its next action when the last is answered")
	rates := fs.String("rate", "", "comma-separated open-loop levels instead of --concurrency: actions offered per second (random arrivals), the latency counted from when each was due")
	pool := fs.Int("pool", 0, "with --rate: the fewest partnerships (and bare workflows) a level acts on (default 64; more when --requests needs them)")
	requests := fs.Int("requests", 1000, "measured actions per level (after a warm-up: one per client, or a tenth as many with --rate)")
	negRounds := fs.Int("negotiation-rounds", bench.DefaultUpdateRounds, "counter-offers per partnership before a client moves on to its next (at most 90; the state grows with each)")
	asJSON := fs.Bool("json", false, "print one JSON line per level instead of the table")
	svg := fs.String("svg", "", "write a chart of throughput and latency against concurrency (or the offered rate) to this SVG file")
	latLog := fs.String("latency-log", "", "write one CSV line per measured action to this file: level, side, slice, when it was due (seconds), latency in ms, failed; a forced collection first anchors the due times to GODEBUG=gctrace=1's clock (stderr says how)")
	pf := registerProfiles(fs, "write a CPU profile of the run to this file and print its split by owner")
	sides := registerSideProfiles(fs, "slice")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cs []int
	var rs []float64
	if *rates == "" {
		for _, f := range strings.Split(*levels, ",") {
			c, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || c <= 0 {
				return fmt.Errorf("--concurrency: %q is not a positive number", f)
			}
			cs = append(cs, c)
		}
	} else {
		if flagSet(fs, "concurrency") {
			return errors.New("--rate and --concurrency: a level is open (a rate) or closed (clients), choose one")
		}
		for _, f := range strings.Split(*rates, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || !(r > 0) || math.IsInf(r, 0) {
				return fmt.Errorf("--rate: %q is not a positive number of actions per second", f)
			}
			rs = append(rs, r)
		}
	}
	if *pool < 0 {
		return errors.New("--pool: a negative number of partnerships")
	}
	if flagSet(fs, "pool") && len(rs) == 0 {
		return errors.New("--pool goes with --rate: a closed level's clients park their own partnerships")
	}
	if sides.on() && len(cs)+len(rs) > 1 {
		return errors.New("--cpuprofile-sides takes one --concurrency level (or --rate): each side's slices are merged into one profile")
	}
	if err := sides.prepare(pf, *asJSON, stdout, stderr); err != nil {
		return err
	}
	o := bench.UpdatesOptions{Concurrency: cs, Rates: rs, Pool: *pool, Requests: *requests, Rounds: *negRounds}
	if !*asJSON {
		o.Progress = stderr
	}
	if sides.on() {
		o.SliceHook = sides.start
	}
	var logFile *os.File
	if *latLog != "" {
		f, err := os.Create(*latLog)
		if err != nil {
			return fmt.Errorf("--latency-log: %w", err)
		}
		logFile, o.LatencyLog = f, bench.NewLatencyLog(f)
		fmt.Fprintf(stderr, "latency log: the forced collection (gctrace's \"(forced)\" line) started at %.6f s on the log's clock; add its \"@…s\" minus this to each due_s\n",
			bench.AnchorLatencyClock())
	}
	err := sf.profiled(ctx, stdout, stderr, pf, !*asJSON, func(ctx context.Context, env *bench.Env) (func() error, error) {
		points, err := bench.RunUpdates(ctx, env, o)
		return func() error {
			for _, p := range points {
				for _, f := range p.FailureSamples {
					fmt.Fprintf(stderr, "%s failure: %s\n", p.Level(), f)
				}
			}
			if *svg != "" {
				if err := writeUpdatesChart(*svg, points); err != nil {
					return err
				}
			}
			if *asJSON {
				enc := json.NewEncoder(stdout)
				for _, p := range points {
					if err := enc.Encode(p); err != nil {
						return err
					}
				}
			} else if err := printUpdatesTable(stdout, *requests, points); err != nil {
				return err
			}
			return sides.report()
		}, err
	})
	if logFile != nil {
		// After the results are out: a log that could not be written does not cost the run.
		if lerr := errors.Join(o.LatencyLog.Flush(), logFile.Close()); lerr != nil {
			err = errors.Join(err, fmt.Errorf("--latency-log: %w", lerr))
		}
	}
	return err
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// openLoop reports whether the points are open-loop levels (RunUpdates runs one kind at a time).
func openLoop(points []bench.UpdatesPoint) bool { return len(points) > 0 && points[0].Rate > 0 }

func printUpdatesTable(w io.Writer, requests int, points []bench.UpdatesPoint) error {
	fmt.Fprintf(w, "\nHuman action round trip (counter-offer: POST /v1/partnerships/{id}/negotiation -> workflow Update), %d measured per level\n\n", requests)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	open := openLoop(points)
	if open {
		fmt.Fprintln(tw, "offered/s\tactions\tactions/s\tmost in flight\tp50 ms\tp99 ms\tCPU ms/action\tfailures\t\tbare SDK: actions/s\tmost in flight\tp50 ms\tp99 ms\tCPU ms/action\t")
	} else {
		fmt.Fprintln(tw, "clients\tactions\tactions/s\tp50 ms\tp99 ms\tCPU ms/action\tfailures\t\tbare SDK: actions/s\tp50 ms\tp99 ms\tCPU ms/action\t")
	}
	for _, p := range points {
		if open {
			fmt.Fprintf(tw, "%g\t%d\t%.1f\t%d\t%.1f\t%.1f\t%.2f\t%d\t\t%.1f\t%d\t%.1f\t%.1f\t%.2f\t\n", p.Rate, p.Requests, p.PerSec, p.MaxInFlight, p.P50Ms, p.P99Ms, p.CPUMsPerAction, p.Failures,
				p.BaselinePerSec, p.BaselineMaxInFlight, p.BaselineP50Ms, p.BaselineP99Ms, p.BaselineCPUMs)
			continue
		}
		fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t%d\t\t%.1f\t%.1f\t%.1f\t%.2f\t\n", p.Concurrency, p.Requests, p.PerSec, p.P50Ms, p.P99Ms, p.CPUMsPerAction, p.Failures,
			p.BaselinePerSec, p.BaselineP50Ms, p.BaselineP99Ms, p.BaselineCPUMs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\n(bare SDK: the same counter-offers as Updates sent with the SDK client to the bare baseline workflow, on the same server, the two sides taking turns in slices; CPU ms/action: the whole process's CPU time per action)")
	if err == nil && open {
		_, err = fmt.Fprintln(w, "(open loop: actions arrive at random at the offered rate, whether or not earlier ones were answered; each latency counts from when the action was due)")
	}
	return err
}

func writeUpdatesChart(path string, points []bench.UpdatesPoint) error {
	var rate, p50, p99, bRate, bP99 []bench.Point
	open := openLoop(points)
	for _, p := range points {
		x := float64(p.Concurrency)
		if open {
			x = p.Rate
		}
		rate = append(rate, bench.Point{X: x, Y: p.PerSec})
		p50 = append(p50, bench.Point{X: x, Y: p.P50Ms})
		p99 = append(p99, bench.Point{X: x, Y: p.P99Ms})
		bRate = append(bRate, bench.Point{X: x, Y: p.BaselinePerSec})
		bP99 = append(bP99, bench.Point{X: x, Y: p.BaselineP99Ms})
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	title, xLabel := "Human-action round trip (REST -> Temporal Update -> read model) against concurrency", "concurrent clients"
	if open {
		title, xLabel = "Human-action round trip (REST -> Temporal Update -> read model) against the offered rate", "actions offered per second (open loop)"
	}
	err = bench.WriteSVG(f, bench.Chart{
		Title:  title,
		XLabel: xLabel,
		Panels: []bench.Panel{
			{Title: "Throughput", YLabel: "actions per second", Series: []bench.Series{{Name: "actions/s", Points: rate},
				{Name: "bare SDK Updates/s", Color: "#7f7f7f", Points: bRate}}},
			{Title: "Latency", YLabel: "milliseconds", Series: []bench.Series{{Name: "p50", Color: "#2ca02c", Points: p50}, {Name: "p99", Color: "#d62728", Points: p99},
				{Name: "bare SDK p99", Color: "#7f7f7f", Points: bP99}}},
		},
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// runBenchIdle is `partnerflow bench idle`: partnerships parked on timers, with the worker in
// its own process so its resident memory is the worker's alone.
func runBenchIdle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench idle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs)
	o := bench.IdleOptions{}
	fs.IntVar(&o.Partnerships, "partnerships", 10000, "partnerships to park")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "concurrent clients creating them")
	fs.IntVar(&o.Actions, "actions", 200, "actions sent to random idle partnerships afterwards, one at a time")
	fs.DurationVar(&o.Settle, "settle", 10*time.Second, "wait after the last partnership parked before reading the worker's memory")
	asJSON := fs.Bool("json", false, "print one JSON line instead of the table")
	cache := fs.Int("worker-cache", 0, "the worker's workflow cache size (PARTNERFLOW_WORKER_CACHE_SIZE; 0 = the worker's default, 1,000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sf.apiURL != "" {
		return errors.New("bench idle starts its own stack and worker process; --api-url is not supported")
	}
	if !*asJSON {
		o.Progress = stderr
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return sf.withStack(ctx, stderr, false, func(ctx context.Context, t bench.Target, info devstack.Info) error {
		// The worker joins the stack through the data dir, like `partnerflow worker --data-dir`.
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		cmd := exec.CommandContext(wctx, exe, "worker", "--data-dir", info.DataDir)
		cmd.Env = append(os.Environ(), "PARTNERFLOW_LOG_LEVEL=error")
		if *cache > 0 {
			cmd.Env = append(cmd.Env, "PARTNERFLOW_WORKER_CACHE_SIZE="+strconv.Itoa(*cache))
		}
		cmd.Stdout, cmd.Stderr = stderr, stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 15 * time.Second
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start the worker process: %w", err)
		}
		defer func() { stop(); _ = cmd.Wait() }()
		o.WorkerPID = cmd.Process.Pid
		env, err := bench.NewEnv(ctx, t, nil)
		if err != nil {
			return err
		}
		defer env.Close()
		res, err := bench.RunIdle(ctx, env, o)
		if *asJSON {
			if jerr := json.NewEncoder(stdout).Encode(res); jerr != nil {
				return jerr
			}
			return err
		}
		fmt.Fprintf(stdout, "\nIdle partnerships parked in negotiation (waiting on the offer's timer), worker in its own process (pid %d)\n\n", o.WorkerPID)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "partnerships\t%d\n", res.Partnerships)
		fmt.Fprintf(tw, "created and parked in\t%.0f s (%.1f/s)\n", res.CreateSeconds, res.CreatedPerSec)
		fmt.Fprintf(tw, "worker RSS at start\t%.0f MiB\n", res.WorkerStartMB)
		fmt.Fprintf(tw, "worker RSS, all parked\t%.0f MiB (peak %.0f MiB)\n", res.WorkerRSSMB, res.WorkerPeakRSSMB)
		fmt.Fprintf(tw, "actions on idle partnerships\t%d: p50 %.1f ms, p99 %.1f ms\n", res.Actions, res.ActionP50Ms, res.ActionP99Ms)
		fmt.Fprintf(tw, "failures\t%d\n", res.Failures)
		if ferr := tw.Flush(); ferr != nil {
			return ferr
		}
		return err
	})
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
