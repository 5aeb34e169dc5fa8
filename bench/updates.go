package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/partnership"
)

// UpdatesOptions configures the human-action round-trip benchmark.
type UpdatesOptions struct {
	// Concurrency lists the closed-loop levels: C clients, each sending its next action as
	// soon as the last one is answered.
	Concurrency []int
	// Rates lists open-loop levels instead (actions offered per second; see runOpenLevel).
	// A level has either a concurrency or a rate, so only one of the two lists may be set.
	Rates []float64
	// Pool is the fewest partnerships (and baseline workflows) an open-loop level acts on
	// (0: 64); more are parked when the level's actions need them to stay within Rounds.
	Pool int
	// Requests is how many actions are measured at each level.
	Requests int
	// Rounds is how many counter-offers each partnership takes before the client moves on to
	// its next one (0: DefaultUpdateRounds). The state an action writes and answers with grows
	// with every round of the negotiation history.
	Rounds   int
	Progress io.Writer
	// SliceHook, when set, is called as each measured slice starts (once the process is
	// quiet); the func it returns is called as the slice ends. `--cpuprofile-sides` profiles
	// each slice on its own with it.
	SliceHook SideHook
	// LatencyLog, when set, gets a line per measured action, both sides (`--latency-log`);
	// the caller flushes it.
	LatencyLog *LatencyLog
}

// DefaultUpdateRounds: real negotiations settle in a few rounds; ten keeps the state each
// action writes and returns the size of a real partnership's, where a single partnership
// countered 90 times would measure a state many times that size.
const DefaultUpdateRounds = 10

// UpdatesPoint is the result at one level: a concurrency or an offered rate.
type UpdatesPoint struct {
	// Concurrency is a closed-loop level's clients; Rate an open-loop level's offered actions
	// per second. A point has one of the two.
	Concurrency int     `json:"concurrency,omitempty"`
	Rate        float64 `json:"rate,omitempty"`
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	PerSec      float64 `json:"per_sec"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	Failures    int     `json:"failures"`
	// CPUMsPerAction is this process's CPU time (user + system) over the measured actions per
	// action: the whole stack's cost of one, steadier than the rate on a shared machine.
	CPUMsPerAction float64 `json:"cpu_ms_per_action"`
	// The same number of counter-offers sent as bare-SDK Updates to BaselineWorkflow on the
	// same server at the same concurrency, in slices taking turns with the Partnerflow side: what
	// Temporal alone takes.
	BaselinePerSec float64 `json:"baseline_per_sec"`
	BaselineP50Ms  float64 `json:"baseline_p50_ms"`
	BaselineP99Ms  float64 `json:"baseline_p99_ms"`
	BaselineCPUMs  float64 `json:"baseline_cpu_ms_per_action"`
	// MaxInFlight is the most actions an open-loop level had under way at once, on each side.
	MaxInFlight         int `json:"max_in_flight,omitempty"`
	BaselineMaxInFlight int `json:"baseline_max_in_flight,omitempty"`
	// FailureSamples are the first failures, to print (not part of the JSON line).
	FailureSamples []string `json:"-"`
}

// Level names the point's level, as the progress bar, the latency log and failure lines do:
// "C=16" for 16 closed-loop clients, "200/s" for an offered rate.
func (p UpdatesPoint) Level() string {
	if p.Rate > 0 {
		return fmt.Sprintf("%g/s", p.Rate)
	}
	return fmt.Sprintf("C=%d", p.Concurrency)
}

// maxUpdateRounds keeps each partnership under the campaign's round limit (100).
const maxUpdateRounds = 90

// RunUpdates measures the round trip of one human action: a counter-offer sent to
// POST /v1/partnerships/{id}/negotiation, which the API turns into a workflow Update that is
// validated, applied, written to the read model (local activity) and answered. Creator and
// brand take turns, so every request is a real, accepted move. Each concurrency level gets
// fresh partnerships parked in negotiation; C clients each work through their own.
//
// The same counter-offers are sent as bare-SDK Updates to BaselineWorkflows on the same server
// at the same concurrency, and the two sides take turns in slices (A B A B …), so that a
// machine whose speed drifts during the run (a shared one does) slows both alike.
func RunUpdates(ctx context.Context, e *Env, o UpdatesOptions) ([]UpdatesPoint, error) {
	if o.Requests <= 0 || len(o.Concurrency)+len(o.Rates) == 0 {
		return nil, errors.New("bench: requests and concurrency levels (or rates) are required")
	}
	if len(o.Concurrency) > 0 && len(o.Rates) > 0 {
		return nil, errors.New("bench: concurrency levels or rates, not both")
	}
	rounds := o.Rounds
	if rounds <= 0 {
		rounds = DefaultUpdateRounds
	}
	if rounds > maxUpdateRounds {
		return nil, fmt.Errorf("bench: at most %d rounds per partnership (the campaign allows 100)", maxUpdateRounds)
	}
	for _, r := range o.Rates {
		if !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("bench: rate %v", r)
		}
	}
	for _, c := range o.Concurrency {
		if c <= 0 {
			return nil, fmt.Errorf("bench: concurrency %d", c)
		}
	}
	var out []UpdatesPoint
	for _, r := range o.Rates {
		p, err := e.runOpenLevel(ctx, r, o, rounds)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	for _, c := range o.Concurrency {
		plan := planSlices(c, o.Requests)
		parked := plan.setUp(rounds)
		bar := newProgress(o.Progress, 2*parked+2*(c+o.Requests))
		level := e.newLevel(UpdatesPoint{Concurrency: c}.Level())
		real, err := e.updatesSide(ctx, level, c, parked, c, bar)
		if err != nil {
			return out, err
		}
		base, err := e.baselineUpdatesSide(ctx, level, c, parked, bar)
		if err != nil {
			return out, err
		}
		real.watch(level, o.SliceHook, o.LatencyLog)
		base.watch(level, o.SliceHook, o.LatencyLog)
		alternate(level, real, base, plan.slices, bar, func(s *actionSide, i int) {
			if i < 0 {
				s.run(ctx, func(int) int { return 1 }, false, bar)
				return
			}
			s.run(ctx, plan.quota(i), true, bar)
		})
		out = append(out, withBaseline(real.point(c), base.point(c)))
	}
	return out, nil
}

// withBaseline puts the bare side's figures b beside the Partnerflow side's p, and its
// failures with p's.
func withBaseline(p, b UpdatesPoint) UpdatesPoint {
	p.BaselinePerSec, p.BaselineP50Ms, p.BaselineP99Ms, p.BaselineCPUMs = b.PerSec, b.P50Ms, b.P99Ms, b.CPUMsPerAction
	p.BaselineMaxInFlight = b.MaxInFlight
	p.Failures += b.Failures
	p.FailureSamples = append(p.FailureSamples, b.FailureSamples...)
	return p
}

// levelID names a level: label in the progress bar, id in the names of what its set-up
// creates (subjects, workflow IDs), unique within a run.
type levelID struct{ label, id string }

// newLevel names the run's next level.
func (e *Env) newLevel(label string) levelID {
	e.levels++
	return levelID{label: label, id: strconv.Itoa(e.levels)}
}

// slicePlan splits one level's measured actions into slices per side and each slice among the
// clients.
type slicePlan struct {
	clients, requests, slices int
}

// Alternation needs slices, but each slice ends with its slowest client, the others idle: at
// least minSliceActions per client keeps that ramp-down a small part of a slice.
const (
	maxSlices       = 4
	minSliceActions = 25
)

func planSlices(c, requests int) slicePlan {
	return slicePlan{clients: c, requests: requests, slices: min(maxSlices, max(1, requests/(c*minSliceActions)))}
}

// quota is client's share of slice i: the slice's actions spread as evenly as they go.
func (p slicePlan) quota(i int) func(client int) int {
	n := p.requests / p.slices
	if i == p.slices-1 {
		n += p.requests % p.slices
	}
	return func(client int) int {
		q := n / p.clients
		if client < n%p.clients {
			q++
		}
		return q
	}
}

// perClient is the most actions one client does: the warm-up and its share of every slice.
func (p slicePlan) perClient() int {
	total := 1
	for i := range p.slices {
		total += p.quota(i)(0)
	}
	return total
}

// setUp is how many partnerships the Partnerflow side parks for the level: enough per client
// to stay within rounds counter-offers each (with one per client, --requests 2000 at 16
// clients once passed the campaign's round limit).
func (p slicePlan) setUp(rounds int) int { return p.clients * ((p.perClient() + rounds - 1) / rounds) }

// actionSide is one side of the human-action benchmark at one concurrency: act(client, k)
// does client's k-th action, on partnerships only that client touches (so it needs no
// locking); the measured slices add up.
type actionSide struct {
	name     string
	act      func(client, k int) error
	next     []int // each client's next k
	lat      Latencies
	elapsed  time.Duration
	cpu      time.Duration
	failures atomic.Int64
	fails    failureLog
	hook     SideHook // around each measured slice

	// The latency log (nil: none), the level's label and the measured slices begun so far.
	log    *LatencyLog
	level  string
	slices int

	// Open loop (runOpen): the clients not acting, in the order they became free, and the
	// most actions under way at once in a measured slice.
	free        chan int
	maxInFlight int
}

func newActionSide(name string, clients int, act func(client, k int) error) *actionSide {
	return &actionSide{name: name, act: act, next: make([]int, clients)}
}

// watch names the side's level and sets what is told of its measured slices and actions: the
// hook around each slice, the log each action.
func (s *actionSide) watch(level levelID, hook SideHook, log *LatencyLog) {
	s.level, s.hook, s.log = level.label, hook, log
}

// run has every client do quota(client) actions in a closed loop, once the set-up's leftover
// work has run (settle); measured runs count towards the point, the warm-up does not. Failed
// actions count as failures either way, and their latencies are kept with the rest.
func (s *actionSide) run(ctx context.Context, quota func(client int) int, measured bool, bar *progress) {
	s.slice(ctx, measured, func() {
		var wg sync.WaitGroup
		for client := range s.next {
			wg.Go(func() {
				for range quota(client) {
					if ctx.Err() != nil {
						return
					}
					s.one(client, time.Now(), measured, bar)
				}
			})
		}
		wg.Wait()
	})
}

// slice runs body as one slice of a level: once the process is quiet (settle), announced to
// the hook and with its time and CPU added to the side's when measured.
func (s *actionSide) slice(ctx context.Context, measured bool, body func()) {
	settle(ctx)
	if measured {
		s.slices++
		defer s.hook.around(s.name)()
	}
	cpu0, start := processCPU(), time.Now()
	body()
	if measured {
		s.elapsed += time.Since(start)
		s.cpu += processCPU() - cpu0
	}
}

// one does client's next action and books it, its latency counted from since.
func (s *actionSide) one(client int, since time.Time, measured bool, bar *progress) {
	err := s.act(client, s.next[client])
	s.next[client]++
	if err != nil {
		s.failures.Add(1)
		s.fails.add(s.name, err)
	}
	if measured {
		took := time.Since(since)
		s.lat.Add(took)
		s.log.add(s.level, s.name, s.slices, since, took, err != nil)
	}
	bar.add(1)
}

// alternate runs a level: its warm-up (slice -1, unmeasured) and then its measured slices, the
// two sides taking turns in each.
func alternate(level levelID, real, base *actionSide, slices int, bar *progress, run func(s *actionSide, slice int)) {
	bar.phase(level.label + ": warm-up")
	run(real, -1)
	run(base, -1)
	for i := range slices {
		bar.phase(fmt.Sprintf("%s: slice %d of %d", level.label, i+1, slices))
		run(real, i)
		run(base, i)
	}
	bar.finish()
}

func (s *actionSide) point(c int) UpdatesPoint {
	ms := s.lat.Millis()
	secs := max(s.elapsed.Seconds(), 1e-9)
	return UpdatesPoint{Concurrency: c, Requests: len(ms), Seconds: s.elapsed.Seconds(), PerSec: float64(len(ms)) / secs,
		P50Ms: Percentile(ms, 50), P99Ms: Percentile(ms, 99), Failures: int(s.failures.Load()), FailureSamples: s.fails.samples(),
		CPUMsPerAction: float64(s.cpu.Microseconds()) / 1000 / float64(max(len(ms), 1)), MaxInFlight: s.maxInFlight}
}

// negotiating is one partnership in negotiation and whose turn it is.
type negotiating struct {
	id       string
	who      people // the partnership's own subjects: the API rate-limits each subject (50/s)
	turnBM   bool
	counters int
}

// updatesSide parks n partnerships in negotiation through the API for the Partnerflow side's c
// clients (slicePlan.setUp) for level, parking up to setUp at once. Every client acts on
// partnerships of its own, so two clients never race for one turn, and client i takes every
// c-th one.
func (e *Env) updatesSide(ctx context.Context, level levelID, c, n, setUp int, bar *progress) (*actionSide, error) {
	d := e.restDriver(c, 20*time.Millisecond)
	d.run = e.runID + "u" + level.id
	w, err := d.newWorld(ctx, 0)
	if err != nil {
		return nil, err
	}
	// A campaign with room for many rounds.
	bm, err := d.token(identityBM(w))
	if err != nil {
		return nil, err
	}
	var camp struct {
		ID string `json:"id"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/campaigns", bm, campaign(w.brandID, 100), &camp, http.StatusCreated); err != nil {
		return nil, err
	}
	w.campaignID = camp.ID
	parts := make([]*negotiating, n)
	bar.phase(fmt.Sprintf("%s: %d partnerships", level.label, n))
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, setUp)
	for i := range parts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var created partnershipView
			// Own subjects per partnership and per client: the API rate-limits each subject.
			p, err := d.people(w, int64(i))
			if err == nil {
				err = d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/partnerships", p.bm, map[string]any{
					"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": offer(benchFee)}, &created, http.StatusCreated)
			}
			if err == nil {
				_, err = d.waitFor(ctx, p.poller, created.ID, "negotiation", stageIs("negotiation"))
			}
			bar.add(1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			parts[i] = &negotiating{id: created.ID, who: p}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}

	mine := make([][]*negotiating, c) // each client's own partnerships
	for i, p := range parts {
		mine[i%c] = append(mine[i%c], p)
	}
	return newActionSide("partnerflow", c, func(client, k int) error {
		p := mine[client][k%len(mine[client])]
		// The partnership's own people act, so no subject passes the API's rate limit
		// however fast one client goes (at C=1 a single client sends hundreds a second).
		token := p.who.creator
		if p.turnBM {
			token = p.who.bm
		}
		p.counters++
		err := d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/partnerships/"+p.id+"/negotiation", token,
			map[string]any{"action": "counter", "terms": offer(benchFee + int64(p.counters))}, nil, http.StatusOK)
		if err == nil {
			p.turnBM = !p.turnBM
		}
		return err
	}), nil
}

// baselineUpdatesSide sends the same counter-offers as updatesSide as bare-SDK Updates: c
// clients and n BaselineWorkflows parked in negotiation (as many as the Partnerflow side's
// partnerships), client i taking every c-th and going round them as updatesSide does, creator
// and brand taking turns on each. Each workflow so takes as many Updates as a partnership, and
// stays far below the server's limit of 2,000 per workflow (one workflow per client passed it
// at one client and 2,000 actions). The workflow's handler and main loop do what the real ones
// do for a counter (the turn passes, a new deadline timer) without the read-model write and
// the API in front.
func (e *Env) baselineUpdatesSide(ctx context.Context, level levelID, c, n int, bar *progress) (*actionSide, error) {
	d := e.sdkDriver(c, 20*time.Millisecond)
	d.run = e.runID + "ub" + level.id
	w, err := d.newWorld(ctx, 0)
	if err != nil {
		return nil, err
	}
	bar.phase(fmt.Sprintf("%s baseline: %d workflows", level.label, n))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-baseline/%s/%d", d.run, i)
		if _, err := d.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: BaselineTaskQueue},
			BaselineWorkflowType, BaselineInput{ID: ids[i], Handle: w.handle, CreatorName: "Maya", CreatorEmail: "maya@example.com",
				BrandName: "Acme", Account: "acct_" + w.handle, FeeMinor: benchFee, WaitSeconds: waitSeconds, RemindSeconds: remindSeconds}); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if _, err := d.waitFor(ctx, id, "negotiation", baselineStage("negotiation")); err != nil {
			return nil, err
		}
		bar.add(1)
	}
	mine := make([][]int, c) // each client's own workflows, by index into ids
	for i := range ids {
		mine[i%c] = append(mine[i%c], i)
	}
	roles := make([]string, n) // whose turn it is on each workflow
	for i := range roles {
		roles[i] = partnership.RoleCreator
	}
	return newActionSide("baseline", c, func(client, k int) error {
		i := mine[client][k%len(mine[client])]
		err := d.update(ctx, ids[i], partnership.UpdateNegotiate, BaselineMove{Role: roles[i], Action: "counter", Fee: benchFee + int64(k)})
		if err == nil {
			roles[i] = otherRole(roles[i])
		}
		return err
	}), nil
}

// settle waits until the work the set-up left behind has run: starting a partnership leaves
// the server transfer, timer and visibility tasks to process after it is parked, which would
// otherwise be measured as part of the first actions (and the Partnerflow side sets up many
// more workflows than the bare side). It returns once this process has used less than a tenth
// of a core for a quarter of a second, or after settleMax. Against a stack in another process
// it returns at once, having nothing to wait for here.
func settle(ctx context.Context) {
	const window, quiet = 250 * time.Millisecond, 25 * time.Millisecond
	deadline := time.Now().Add(settleMax)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		cpu0 := processCPU()
		time.Sleep(window)
		if processCPU()-cpu0 < quiet {
			return
		}
	}
}

// settleMax bounds settle on a machine that never goes quiet.
const settleMax = 15 * time.Second
