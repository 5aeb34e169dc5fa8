package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/partnership"
)

// UpdatesOptions configures the human-action round-trip benchmark.
type UpdatesOptions struct {
	Concurrency []int
	// Requests is how many actions are measured at each concurrency.
	Requests int
	// Rounds is how many counter-offers each partnership takes before the client moves on to
	// its next one (0: DefaultUpdateRounds). The state an action writes and answers with grows
	// with every round of the negotiation history.
	Rounds   int
	Progress io.Writer
}

// DefaultUpdateRounds: real negotiations settle in a few rounds; ten keeps the state each
// action writes and returns the size of a real partnership's, where a single partnership
// countered 90 times would measure a state many times that size.
const DefaultUpdateRounds = 10

// UpdatesPoint is the result at one concurrency.
type UpdatesPoint struct {
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	PerSec      float64 `json:"per_sec"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	Failures    int     `json:"failures"`
	// The same number of counter-offers sent as bare-SDK Updates to BaselineWorkflow on the
	// same server at the same concurrency, right after: what Temporal alone takes.
	BaselinePerSec float64 `json:"baseline_per_sec"`
	BaselineP50Ms  float64 `json:"baseline_p50_ms"`
	BaselineP99Ms  float64 `json:"baseline_p99_ms"`
	// FailureSamples are the first failures, to print (not part of the JSON line).
	FailureSamples []string `json:"-"`
}

// maxUpdateRounds keeps each partnership under the campaign's round limit (100).
const maxUpdateRounds = 90

// RunUpdates measures the round trip of one human action: a counter-offer sent to
// POST /v1/partnerships/{id}/negotiation, which the API turns into a workflow Update that is
// validated, applied, written to the read model (local activity) and answered. Creator and
// brand take turns, so every request is a real, accepted move. Each concurrency level gets
// fresh partnerships parked in negotiation; C clients each work through their own.
func RunUpdates(ctx context.Context, e *Env, o UpdatesOptions) ([]UpdatesPoint, error) {
	if o.Requests <= 0 || len(o.Concurrency) == 0 {
		return nil, errors.New("bench: requests and concurrency levels are required")
	}
	var out []UpdatesPoint
	for _, c := range o.Concurrency {
		if c <= 0 {
			return nil, fmt.Errorf("bench: concurrency %d", c)
		}
		rounds := o.Rounds
		if rounds <= 0 {
			rounds = DefaultUpdateRounds
		}
		if rounds > maxUpdateRounds {
			return out, fmt.Errorf("bench: at most %d rounds per partnership (the campaign allows 100)", maxUpdateRounds)
		}
		p, err := e.updatesAt(ctx, c, o.Requests, rounds, o.Progress)
		if err != nil {
			return out, err
		}
		b, err := e.baselineUpdatesAt(ctx, c, o.Requests, o.Progress)
		if err != nil {
			return out, err
		}
		p.BaselinePerSec, p.BaselineP50Ms, p.BaselineP99Ms = b.PerSec, b.P50Ms, b.P99Ms
		p.Failures += b.Failures
		p.FailureSamples = append(p.FailureSamples, b.FailureSamples...)
		out = append(out, p)
	}
	return out, nil
}

// negotiating is one partnership in negotiation and whose turn it is.
type negotiating struct {
	id       string
	who      people // the partnership's own subjects: the API rate-limits each subject (50/s)
	turnBM   bool
	counters int
}

func (e *Env) updatesAt(ctx context.Context, c, requests, rounds int, progress io.Writer) (UpdatesPoint, error) {
	d := e.restDriver(c, 20*time.Millisecond)
	d.run = e.runID + fmt.Sprintf("u%d", c)
	w, err := d.newWorld(ctx, 0)
	if err != nil {
		return UpdatesPoint{}, err
	}
	// A campaign with room for many rounds.
	bm, err := d.token(identityBM(w))
	if err != nil {
		return UpdatesPoint{}, err
	}
	var camp struct {
		ID string `json:"id"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/campaigns", bm, campaign(w.brandID, 100), &camp, http.StatusCreated); err != nil {
		return UpdatesPoint{}, err
	}
	w.campaignID = camp.ID
	warm := c
	// Every client acts on partnerships of its own (two clients never race for one turn) and
	// does its share of the actions, so each needs enough of them to stay under the round
	// limit: with one per client, --requests 2000 at 16 clients passed it.
	total := requests + warm
	share := (total + c - 1) / c
	n := c * ((share + rounds - 1) / rounds)
	parts := make([]*negotiating, n)
	bar := newProgress(progress, n+requests+warm)
	bar.phase(fmt.Sprintf("C=%d: %d partnerships", c, n))
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, c)
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
		return UpdatesPoint{}, firstErr
	}

	bar.phase(fmt.Sprintf("C=%d: actions", c))
	mine := make([][]*negotiating, c) // each client's own partnerships
	for i, p := range parts {
		mine[i%c] = append(mine[i%c], p)
	}
	return measureActions(ctx, c, share, total, warm, bar, "partnerflow", func(client, k int) error {
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

// measureActions runs total actions on c closed-loop clients, at most share each: the first
// warm are the warm-up, the rest are timed (failed ones too). act(client, k) does client's k-th
// action; a client only ever touches its own partnerships, so act needs no locking.
func measureActions(ctx context.Context, c, share, total, warm int, bar *progress, side string, act func(client, k int) error) UpdatesPoint {
	var lat Latencies
	var next, failures, measuredStart atomic.Int64
	var fails failureLog
	var wg sync.WaitGroup
	start := time.Now()
	for client := range c {
		wg.Go(func() {
			for k := 0; k < share && ctx.Err() == nil; k++ {
				i := next.Add(1)
				if i > int64(total) {
					return
				}
				if i == int64(warm)+1 {
					measuredStart.Store(time.Since(start).Nanoseconds())
				}
				t0 := time.Now()
				if err := act(client, k); err != nil {
					failures.Add(1)
					fails.add(side, err)
				}
				if i > int64(warm) {
					lat.Add(time.Since(t0))
				}
				bar.add(1)
			}
		})
	}
	wg.Wait()
	bar.finish()
	elapsed := time.Since(start) - time.Duration(measuredStart.Load())
	ms := lat.Millis()
	return UpdatesPoint{Concurrency: c, Requests: len(ms), Seconds: elapsed.Seconds(), PerSec: float64(len(ms)) / elapsed.Seconds(),
		P50Ms: Percentile(ms, 50), P99Ms: Percentile(ms, 99), Failures: int(failures.Load()), FailureSamples: fails.samples()}
}

// baselineUpdatesAt sends the same counter-offers as updatesAt as bare-SDK Updates: C clients,
// each with its own BaselineWorkflows parked in negotiation, creator and brand taking turns,
// a warm-up of one action per client, then requests measured. The workflow's handler and
// main loop do what the real ones do for a counter (the turn passes, a new deadline timer)
// without the read-model write and the API in front.
func (e *Env) baselineUpdatesAt(ctx context.Context, c, requests int, progress io.Writer) (UpdatesPoint, error) {
	d := e.sdkDriver(c, 20*time.Millisecond)
	d.run = e.runID + fmt.Sprintf("ub%d", c)
	w, err := d.newWorld(ctx, 0)
	if err != nil {
		return UpdatesPoint{}, err
	}
	warm := c
	total := requests + warm
	share := (total + c - 1) / c
	bar := newProgress(progress, c+total)
	bar.phase(fmt.Sprintf("C=%d baseline: %d workflows", c, c))
	ids := make([]string, c)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-baseline/%s/%d", d.run, i)
		if _, err := d.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: BaselineTaskQueue},
			BaselineWorkflowType, BaselineInput{ID: ids[i], Handle: w.handle, CreatorName: "Maya", CreatorEmail: "maya@example.com",
				BrandName: "Acme", Account: "acct_" + w.handle, FeeMinor: benchFee, WaitSeconds: waitSeconds, RemindSeconds: remindSeconds}); err != nil {
			return UpdatesPoint{}, err
		}
	}
	for _, id := range ids {
		if _, err := d.waitFor(ctx, id, "negotiation", baselineStage("negotiation")); err != nil {
			return UpdatesPoint{}, err
		}
		bar.add(1)
	}
	bar.phase(fmt.Sprintf("C=%d baseline: actions", c))
	roles := make([]string, c)
	for i := range roles {
		roles[i] = partnership.RoleCreator
	}
	return measureActions(ctx, c, share, total, warm, bar, "baseline", func(client, k int) error {
		err := d.update(ctx, ids[client], partnership.UpdateNegotiate, BaselineMove{Role: roles[client], Action: "counter", Fee: benchFee + int64(k)})
		if err == nil {
			roles[client] = otherRole(roles[client])
		}
		return err
	}), nil
}
