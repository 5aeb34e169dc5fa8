// Package bench measures Partnerflow against a bare-Temporal baseline on the same server, in
// the same run: full partnership lifecycles through the REST API, alternating with a bare-SDK
// workflow of the same Temporal footprint (BaselineWorkflow), plus the human-action round trip
// at several concurrencies and idle partnerships parked on timers. `partnerflow bench` runs it
// against the in-process dev stack; docs/benchmarks.md has the results and commands.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/config"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/sandbox"
	"github.com/partnerflow/partnerflow/service"
	pfworker "github.com/partnerflow/partnerflow/worker"
)

// Options configures a lifecycle benchmark.
type Options struct {
	Target      Target
	Lifecycles  int // per round and side
	Concurrency int
	Rounds      int // measured A/B pairs after the warm-up
	// Warmup is how many lifecycles of each side run before measuring; 0 picks
	// min(Lifecycles, 2×Concurrency).
	Warmup int
	// Poll is how often a waiting client looks at the partnership again.
	Poll time.Duration
	// Progress receives a progress bar while the run goes; nil draws none.
	Progress io.Writer
	Logger   *slog.Logger
	// RoundHook, when set, is called as each measured round starts; the func it returns is
	// called as the round ends. `--cpuprofile-sides` profiles each round on its own with it.
	RoundHook SideHook
}

// Result is the outcome of a run; the JSON fields are the one line `--json` prints.
type Result struct {
	Lifecycles                int     `json:"lifecycles"`
	Seconds                   float64 `json:"seconds"`
	LifecyclesPerSec          float64 `json:"lifecycles_per_sec"`
	BaselineLifecyclesPerSec  float64 `json:"baseline_lifecycles_per_sec"`
	Ratio                     float64 `json:"ratio"` // median over A/B pairs of A's rate over B's
	APIP50Ms                  float64 `json:"api_p50_ms"`
	APIP99Ms                  float64 `json:"api_p99_ms"`
	HistoryEventsPerLifecycle int     `json:"history_events_per_lifecycle"`
	Failures                  int     `json:"failures"`

	Concurrency      int           `json:"-"`
	Rounds           []RoundResult `json:"-"`
	BaselineP50Ms    float64       `json:"-"`
	BaselineP99Ms    float64       `json:"-"`
	Real, Baseline   Footprint     `json:"-"`
	FailureSamples   []string      `json:"-"`
	TotalWallSeconds float64       `json:"-"`
}

// RoundResult is one measured round of one side.
type RoundResult struct {
	Side             string // "partnerflow" or "baseline"
	Seconds          float64
	LifecyclesPerSec float64
	Failures         int
	// CPUMsPerLifecycle is this process's CPU time (user + system) over the round per
	// completed lifecycle: with the in-process stack, what one lifecycle costs the server,
	// the worker, the API and the driver together.
	CPUMsPerLifecycle float64
}

// Env is what both sides run on: the Temporal client, the baseline worker and its sandbox.
type Env struct {
	Target   Target
	TC       client.Client
	sandbox  *http.Server
	sbURL    string
	worker   worker.Worker
	cancel   context.CancelFunc
	log      *slog.Logger
	runID    string
	levels   int // the human-action levels run so far (newLevel)
	baseline *BaselineActivities
}

// NewEnv dials Temporal, starts a provider sandbox for the baseline (in memory and without
// webhooks: the baseline driver signals itself) and the baseline worker on its own task queue.
func NewEnv(ctx context.Context, t Target, log *slog.Logger) (*Env, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if t.Namespace == "" {
		t.Namespace = "default"
	}
	// The same client options as the partnership worker and API, so neither side differs:
	// the dev stack's plaintext server, and payload encryption when PARTNERFLOW_PAYLOAD_KEYS
	// is set for both.
	env, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	opts, err := service.TemporalClientOptions(config.Config{TemporalAddress: t.TemporalAddress, TemporalNamespace: t.Namespace,
		PayloadKeys: env.PayloadKeys}, nil, log)
	if err != nil {
		return nil, err
	}
	tc, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", t.TemporalAddress, err)
	}
	e := &Env{Target: t, TC: tc, log: log, runID: randomID()}
	sb, err := sandbox.New(sandbox.Config{SettleDelay: time.Millisecond})
	if err != nil {
		tc.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tc.Close()
		return nil, err
	}
	e.sbURL = "http://" + ln.Addr().String()
	e.sandbox = &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.sandbox.Serve(ln) }()

	pc := func(path string) providers.ClientConfig {
		return providers.ClientConfig{BaseURL: e.sbURL + path, Timeout: 10 * time.Second}
	}
	e.baseline = &BaselineActivities{Providers: providers.Set{
		Social: providers.NewSocialClient(pc("/social")), ESign: providers.NewESignClient(pc("/esign")),
		Payments: providers.NewPaymentsClient(pc("/payments")), Commerce: providers.NewCommerceClient(pc("/commerce")),
		Email: providers.NewEmailClient(pc("/email")),
	}}
	// The partnership worker's default options (pollers included), so neither side is tuned
	// differently.
	e.worker = worker.New(tc, BaselineTaskQueue, pfworker.SDKOptions(pfworker.Options{}))
	e.worker.RegisterWorkflowWithOptions(BaselineWorkflow, workflow.RegisterOptions{Name: BaselineWorkflowType})
	e.worker.RegisterActivity(e.baseline)
	if err := e.worker.Start(); err != nil {
		e.Close()
		return nil, fmt.Errorf("start baseline worker: %w", err)
	}
	return e, nil
}

// Close stops the baseline worker and sandbox and closes the client.
func (e *Env) Close() {
	if e.worker != nil {
		e.worker.Stop()
	}
	if e.sandbox != nil {
		_ = e.sandbox.Close()
	}
	e.TC.Close()
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// driver is one side of the comparison.
type driver interface {
	newWorld(ctx context.Context, n int) (world, error)
	lifecycle(ctx context.Context, w world) (string, error)
}

func (e *Env) restDriver(concurrency int, poll time.Duration) *restDriver {
	return &restDriver{target: e.Target, http: newHTTPDoer(concurrency), run: e.runID, poll: poll}
}

func (e *Env) sdkDriver(concurrency int, poll time.Duration) *sdkDriver {
	return &sdkDriver{tc: e.TC, http: newHTTPDoer(concurrency), sandboxURL: e.sbURL, run: e.runID + "b", poll: poll}
}

// SideHook is called as a measured part of a run (a round, a slice) starts, with its side
// ("partnerflow" or "baseline"); the func it returns is called as the part ends.
type SideHook func(side string) (end func())

// around calls h for a part of side, when h is set.
func (h SideHook) around(side string) (end func()) {
	if h == nil {
		return func() {}
	}
	return h(side)
}

// Run runs the warm-up and then Rounds alternating rounds (partnerflow, baseline, …) and
// reports medians.
func Run(ctx context.Context, e *Env, o Options) (Result, error) {
	if o.Lifecycles <= 0 || o.Concurrency <= 0 || o.Rounds <= 0 {
		return Result{}, errors.New("bench: lifecycles, concurrency and rounds must be positive")
	}
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.Warmup <= 0 {
		o.Warmup = min(o.Lifecycles, 2*o.Concurrency)
	}
	began := time.Now()
	rest, sdk := e.restDriver(o.Concurrency, o.Poll), e.sdkDriver(o.Concurrency, o.Poll)
	restWorlds, err := worlds(ctx, rest, o.Concurrency)
	if err != nil {
		return Result{}, fmt.Errorf("bench: set up brands and creators: %w", err)
	}
	sdkWorlds, err := worlds(ctx, sdk, o.Concurrency)
	if err != nil {
		return Result{}, fmt.Errorf("bench: set up baseline accounts: %w", err)
	}
	bar := newProgress(o.Progress, 2*(o.Warmup+o.Rounds*o.Lifecycles))
	defer bar.finish()

	res := Result{Lifecycles: o.Lifecycles, Concurrency: o.Concurrency}
	var failures failureLog
	bar.phase("warm-up")
	for _, side := range []struct {
		d  driver
		ws []world
	}{{rest, restWorlds}, {sdk, sdkWorlds}} {
		r := runRound(ctx, side.d, side.ws, o.Warmup, bar, &failures)
		res.Failures += r.failures
	}
	rest.actions.Reset()
	sdk.actions.Reset()

	var realRates, baseRates, realSecs, pairRatios []float64
	var sampleReal, sampleBase string
	for i := range o.Rounds {
		bar.phase(fmt.Sprintf("round %d/%d partnerflow", i+1, o.Rounds))
		settle(ctx)
		end := o.RoundHook.around("partnerflow")
		r := runRound(ctx, rest, restWorlds, o.Lifecycles, bar, &failures)
		end()
		res.Rounds = append(res.Rounds, r.result("partnerflow"))
		realRates, realSecs = append(realRates, r.rate()), append(realSecs, r.elapsed.Seconds())
		res.Failures += r.failures
		if sampleReal == "" {
			sampleReal = r.sample
		}
		bar.phase(fmt.Sprintf("round %d/%d baseline", i+1, o.Rounds))
		settle(ctx)
		end = o.RoundHook.around("baseline")
		r = runRound(ctx, sdk, sdkWorlds, o.Lifecycles, bar, &failures)
		end()
		res.Rounds = append(res.Rounds, r.result("baseline"))
		baseRates = append(baseRates, r.rate())
		if r.rate() > 0 {
			pairRatios = append(pairRatios, realRates[len(realRates)-1]/r.rate())
		}
		res.Failures += r.failures
		if sampleBase == "" {
			sampleBase = r.sample
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	bar.finish()
	res.Seconds = Median(realSecs)
	res.LifecyclesPerSec = Median(realRates)
	res.BaselineLifecyclesPerSec = Median(baseRates)
	// The ratio is the median of each round's ratio to the baseline round right after it: a
	// pair runs under the same load, so what else the machine does cancels out of each ratio,
	// which the ratio of the two sides' medians (kept in the table) does not do.
	res.Ratio = Median(pairRatios)
	api := rest.actions.Millis()
	res.APIP50Ms, res.APIP99Ms = Percentile(api, 50), Percentile(api, 99)
	base := sdk.actions.Millis()
	res.BaselineP50Ms, res.BaselineP99Ms = Percentile(base, 50), Percentile(base, 99)
	if sampleReal != "" {
		res.Real, err = HistoryFootprint(ctx, e.TC, partnershipWorkflowID(sampleReal))
		if err != nil {
			return res, err
		}
		res.HistoryEventsPerLifecycle = res.Real.Events
	}
	if sampleBase != "" {
		if res.Baseline, err = HistoryFootprint(ctx, e.TC, sampleBase); err != nil {
			return res, err
		}
	}
	res.FailureSamples = failures.samples()
	res.TotalWallSeconds = time.Since(began).Seconds()
	return res, nil
}

func partnershipWorkflowID(pid string) string { return "partnership/" + pid }

// worlds sets up one world per client.
func worlds(ctx context.Context, d driver, n int) ([]world, error) {
	ws := make([]world, n)
	for i := range ws {
		w, err := d.newWorld(ctx, i)
		if err != nil {
			return nil, err
		}
		ws[i] = w
	}
	return ws, nil
}

type round struct {
	elapsed   time.Duration
	cpu       time.Duration
	completed int
	failures  int
	sample    string // one completed lifecycle's id
}

func (r round) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.completed) / r.elapsed.Seconds()
}

func (r round) result(side string) RoundResult {
	rr := RoundResult{Side: side, Seconds: r.elapsed.Seconds(), LifecyclesPerSec: r.rate(), Failures: r.failures}
	if r.completed > 0 {
		rr.CPUMsPerLifecycle = float64(r.cpu.Milliseconds()) / float64(r.completed)
	}
	return rr
}

// processCPU is the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runRound runs n lifecycles on len(ws) concurrent clients (a closed loop: each client starts
// its next lifecycle when the last one ends). Throughput counts completed lifecycles only.
func runRound(ctx context.Context, d driver, ws []world, n int, bar *progress, fails *failureLog) round {
	side := "partnerflow"
	if _, ok := d.(*sdkDriver); ok {
		side = "baseline"
	}
	var next, done, failed atomic.Int64
	var sample atomic.Value
	cpu0 := processCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				id, err := d.lifecycle(ctx, w)
				if err != nil {
					failed.Add(1)
					fails.add(side, err)
				} else {
					done.Add(1)
					sample.CompareAndSwap(nil, id)
				}
				bar.add(1)
			}
		})
	}
	wg.Wait()
	r := round{elapsed: time.Since(start), cpu: processCPU() - cpu0, completed: int(done.Load()), failures: int(failed.Load())}
	if s, ok := sample.Load().(string); ok {
		r.sample = s
	}
	return r
}

// failureLog keeps the first few failures to show.
type failureLog struct {
	mu    sync.Mutex
	first []string
	seen  map[string]int
}

// add keeps up to three failures per side and kind.
func (f *failureLog) add(side string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	if f.seen[side]++; f.seen[side] <= 3 {
		f.first = append(f.first, side+": "+err.Error())
	}
}

func (f *failureLog) samples() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.first...)
}
