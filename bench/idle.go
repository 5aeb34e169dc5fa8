package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IdleOptions configures the idle-partnerships benchmark.
type IdleOptions struct {
	Partnerships int
	Concurrency  int
	// Actions is how many actions are sent to random idle partnerships once all are parked.
	Actions int
	// WorkerPID is the worker process whose memory is measured.
	WorkerPID int
	// Settle is how long to wait after the last partnership parked before reading the RSS.
	Settle   time.Duration
	Progress io.Writer
}

// IdleResult is what parking the partnerships cost and how fast one of them still answers.
type IdleResult struct {
	Partnerships    int     `json:"partnerships"`
	CreateSeconds   float64 `json:"create_seconds"`
	CreatedPerSec   float64 `json:"created_per_sec"`
	WorkerRSSMB     float64 `json:"worker_rss_mb"`
	WorkerPeakRSSMB float64 `json:"worker_peak_rss_mb"`
	WorkerStartMB   float64 `json:"worker_start_rss_mb"`
	Actions         int     `json:"actions"`
	ActionP50Ms     float64 `json:"action_p50_ms"`
	ActionP99Ms     float64 `json:"action_p99_ms"`
	Failures        int     `json:"failures"`
}

// RunIdle creates Partnerships partnerships and lets each park in negotiation, where the
// workflow waits on a timer (the offer's deadline) for the creator. It then reads the worker's
// resident memory, and sends a counter-offer to Actions random partnerships one after another
// and times each from request to answer: the Update reaches the idle workflow, runs, writes
// the read model and answers.
func RunIdle(ctx context.Context, e *Env, o IdleOptions) (IdleResult, error) {
	if o.Partnerships <= 0 || o.Concurrency <= 0 {
		return IdleResult{}, errors.New("bench: partnerships and concurrency must be positive")
	}
	res := IdleResult{Partnerships: o.Partnerships}
	var err error
	if res.WorkerStartMB, _, err = ProcessRSSMB(o.WorkerPID); err != nil {
		return res, err
	}
	d := e.restDriver(o.Concurrency, 200*time.Millisecond)
	d.run = e.runID + "i"
	w, err := d.newWorld(ctx, 0)
	if err != nil {
		return res, err
	}
	ids := make([]string, o.Partnerships)
	bar := newProgress(o.Progress, 2*o.Partnerships+o.Actions)
	bar.phase("creating")
	var next, failures atomic.Int64
	var fails failureLog
	start := time.Now()
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) {
					return
				}
				p, err := d.people(w, i)
				var created partnershipView
				if err == nil {
					err = d.action(ctx, http.MethodPost, "/v1/partnerships", p.bm, map[string]any{"campaign_id": w.campaignID,
						"creator_id": w.creatorID, "offer": offer(benchFee)}, &created, http.StatusCreated)
				}
				if err != nil {
					failures.Add(1)
					fails.add("create", err)
				}
				ids[i] = created.ID
				bar.add(1)
			}
		})
	}
	wg.Wait()
	// Every partnership must reach its wait before the memory is read.
	bar.phase("parking")
	next.Store(0)
	for range o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) {
					return
				}
				if ids[i] != "" {
					p, err := d.people(w, i)
					if err == nil {
						_, err = d.waitFor(ctx, p.poller, ids[i], "negotiation", stageIs("negotiation"))
					}
					if err != nil {
						failures.Add(1)
						fails.add("park", err)
					}
				}
				bar.add(1)
			}
		})
	}
	wg.Wait()
	res.CreateSeconds = time.Since(start).Seconds()
	res.CreatedPerSec = float64(o.Partnerships) / res.CreateSeconds
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(o.Settle):
	}
	if res.WorkerRSSMB, res.WorkerPeakRSSMB, err = ProcessRSSMB(o.WorkerPID); err != nil {
		return res, err
	}

	bar.phase("actions")
	var lat Latencies
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < o.Actions && ctx.Err() == nil; k++ {
		i := rng.IntN(len(ids))
		if ids[i] == "" {
			continue
		}
		p, err := d.people(w, int64(i))
		if err == nil {
			t0 := time.Now()
			err = d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/partnerships/"+ids[i]+"/negotiation", p.creator,
				map[string]any{"action": "counter", "terms": offer(benchFee + int64(k) + 1)}, nil, http.StatusOK)
			if err == nil {
				lat.Add(time.Since(t0))
				ids[i] = "" // it is the brand's turn there now: never pick it again
			}
		}
		if err != nil {
			failures.Add(1)
			fails.add("action", err)
		}
		bar.add(1)
	}
	bar.finish()
	ms := lat.Millis()
	res.Actions, res.ActionP50Ms, res.ActionP99Ms = len(ms), Percentile(ms, 50), Percentile(ms, 99)
	res.Failures = int(failures.Load())
	if s := fails.samples(); len(s) > 0 {
		return res, fmt.Errorf("bench: %d failures, the first: %s", res.Failures, strings.Join(s, "; "))
	}
	return res, nil
}

// ProcessRSSMB reads a process's resident set (VmRSS) and its peak (VmHWM) from
// /proc/<pid>/status, in MiB.
func ProcessRSSMB(pid int) (rss, peak float64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = f.Close() }()
	return parseRSS(f)
}

func parseRSS(r io.Reader) (rss, peak float64, err error) {
	sc := bufio.NewScanner(r)
	found := 0
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", k, sc.Text())
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, 0, err
		}
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			peak = kb / 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if found < 2 {
		return 0, 0, errors.New("no VmRSS/VmHWM in process status")
	}
	return rss, peak, nil
}
