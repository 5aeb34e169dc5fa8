package e2e

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devdata"
)

// The fault scenarios of docs/reliability.md. Tests named TestReliability* are the new ones;
// scripts/reliability selects them together with the older scenarios by name. Each measured
// figure is logged as one line "RELIABILITY <scenario> key=value ...", which the script
// collects.

// figure logs one measured figure in the parseable form scripts/reliability greps for.
func figure(t *testing.T, scenario string, kv ...any) {
	t.Helper()
	line := "RELIABILITY " + scenario
	for i := 0; i+1 < len(kv); i += 2 {
		line += fmt.Sprintf(" %v=%v", kv[i], kv[i+1])
	}
	t.Log(line)
}

// bindStack points the package helpers (as, sandbox, newWorld) at a stack of this test's own
// until the test ends.
func bindStack(t *testing.T, dev *devProcess) {
	t.Helper()
	secrets, err := devdata.LoadSecrets(dev.dataDir)
	require.NoError(t, err)
	saved := stack
	stack.APIURL, stack.SandboxURL, stack.Secrets = dev.apiURL, dev.sandboxURL, secrets
	t.Cleanup(func() { stack = saved })
}

// providerStats reads the sandbox's per-provider request counters.
func providerStats(t *testing.T) map[string]map[string]float64 {
	t.Helper()
	var out struct {
		Providers map[string]map[string]float64 `json:"providers"`
	}
	r := sandbox(t).get("/sandbox/stats")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.Decode(t, &out)
	return out.Providers
}

func resetStats(t *testing.T) {
	t.Helper()
	require.Equal(t, http.StatusNoContent, sandbox(t).do(http.MethodDelete, "/sandbox/stats", nil).Status)
}

func setFaults(t *testing.T, faults map[string]any) {
	t.Helper()
	must(t, sandbox(t).do(http.MethodPut, "/sandbox/faults", faults), http.StatusOK)
}

// requireAuditIntact checks the partnership's audit trail: seq runs 1..n without a gap (no
// event lost) and each once-only event appears at most once (none doubled). It returns the
// count per type.
func requireAuditIntact(t *testing.T, pid string, evs []map[string]any, once ...string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for i, e := range evs {
		require.EqualValues(t, i+1, e["seq"], "%s: no event lost, seq is contiguous", pid)
		seen[e["type"].(string)]++
	}
	for _, typ := range once {
		require.LessOrEqual(t, seen[typ], 1, "%s: event %s recorded at most once: %v", pid, typ, seen)
	}
	return seen
}

// onceOnly are the audit events a partnership can record only once in a one-off lifecycle.
var onceOnly = []string{"partnership_created", "contract_sent", "contract_signed", "draft_submitted", "payout_paid", "completed"}

// TestReliabilityWorkerKilledMidTransfer (scenario 1): the worker runs as its own process and
// is SIGKILLed while the payments provider holds the transfer request open. After a restart
// the payout completes with exactly one transfer; the recovery time (restart → paid) is
// logged. It stays short because the worker heartbeats provider calls (worker/heartbeat.go):
// without that, Temporal would wait out the two-minute start-to-close timeout.
func TestReliabilityWorkerKilledMidTransfer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	dev := startDev(t, bin, dataDir, freePort(t), freePort(t), freePort(t), "--worker=false")
	bindStack(t, dev)
	worker := startWorker(t, bin, dataDir)

	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(30000)
	st := w.toContent(pid)
	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	w.waitStage(pid, "payout")

	// The next transfer request hangs: the call is in flight until its caller goes away.
	resetStats(t)
	setFaults(t, map[string]any{"payments": map[string]any{"hang": true, "fail_next": 1}})
	t.Cleanup(func() { setFaults(t, map[string]any{}) })
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	eventually(t, "the transfer request in flight", func() bool { return providerStats(t)["payments"]["hung"] >= 1 })

	require.NoError(t, worker.Process.Signal(syscall.SIGKILL))
	_, _ = worker.Process.Wait()
	require.Empty(t, sandboxItems(t, "/sandbox/payments/transfers", pid), "the hung call created nothing")

	restarted := time.Now()
	startWorker(t, bin, dataDir)
	w.waitFor(pid, "the payout paid", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "paid" })
	recovery := time.Since(restarted)
	st = w.waitStage(pid, "completed")

	transfers := sandboxItems(t, "/sandbox/payments/transfers", pid)
	require.Len(t, transfers, 1, "exactly one transfer")
	requireAuditIntact(t, pid, events(t, w.bm, pid), onceOnly...)
	stats := providerStats(t)["payments"]
	figure(t, "worker_killed_mid_transfer", "recovery_s", fmt.Sprintf("%.1f", recovery.Seconds()),
		"payments_requests", stats["requests"], "transfers", len(transfers), "duplicates", len(transfers)-1)
	requireNoPanics(t, dataDir)
}

// TestReliabilityKillDevManyStages (scenario 2): four partnerships parked at different stages
// (negotiation, contracting with one signature in, content with a draft in review, payout)
// when `partnerflow dev` is SIGKILLed and restarted on the same data dir. Each resumes at the
// same stage with the same audit trail, then moves on; no event is lost or doubled.
func TestReliabilityKillDevManyStages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	apiPort, sbPort, tPort := freePort(t), freePort(t), freePort(t)
	dev := startDev(t, bin, dataDir, apiPort, sbPort, tPort)
	bindStack(t, dev)

	type parked struct {
		w     *world
		pid   string
		stage string
		st    map[string]any
	}
	newParked := func(fee int64) *parked {
		w := newWorld(t, campaignOpts{autoApprove: true})
		return &parked{w: w, pid: w.createPartnership(fee)}
	}
	negotiation, contracting, content, payout := newParked(11000), newParked(12000), newParked(13000), newParked(14000)

	negotiation.st = negotiation.w.waitStage(negotiation.pid, "negotiation")

	contracting.w.waitStage(contracting.pid, "negotiation")
	must(t, contracting.w.creator.post("/v1/partnerships/"+contracting.pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := contracting.w.waitFor(contracting.pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	must(t, sandbox(t).post(contracting.w.creatorSigningURL(contracting.pid), map[string]any{}), http.StatusOK)
	contracting.st = st // one signature raises no event: the envelope waits for the brand

	st = content.w.toContent(content.pid)
	code := path(st, "tracking", "discount_code").(string)
	must(t, content.w.creator.post("/v1/partnerships/"+content.pid+"/deliverables/d1/drafts",
		map[string]any{"caption": "#ad My @acme running shoes, code " + code}), http.StatusCreated)
	content.st = content.w.waitFor(content.pid, "draft in review", func(s map[string]any) bool { return path(s, "deliverables", 0, "status") == "in_review" })

	st = payout.w.toContent(payout.pid)
	payout.w.publish(payout.pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	payout.st = payout.w.waitStage(payout.pid, "payout")

	all := []*parked{negotiation, contracting, content, payout}
	trails := make([][]map[string]any, len(all))
	for i, p := range all {
		p.stage = p.st["stage"].(string)
		trails[i] = events(t, p.w.bm, p.pid)
	}
	require.Equal(t, []string{"negotiation", "contracting", "content", "payout"},
		[]string{negotiation.stage, contracting.stage, content.stage, payout.stage})

	dev.kill()
	restarted := time.Now()
	dev = startDev(t, bin, dataDir, apiPort, sbPort, tPort)
	ready := time.Since(restarted)
	for i, p := range all {
		require.Equal(t, p.stage, p.w.state(p.pid)["stage"], "%s resumed at the same stage", p.stage)
		require.Equal(t, trails[i], events(t, p.w.bm, p.pid), "%s: the audit trail survived unchanged", p.stage)
	}

	// Every one moves on from where it was.
	must(t, negotiation.w.creator.post("/v1/partnerships/"+negotiation.pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	must(t, sandbox(t).post(path(contracting.st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	must(t, content.w.bm.post("/v1/partnerships/"+content.pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}), http.StatusOK)
	must(t, payout.w.finance.post("/v1/partnerships/"+payout.pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	negotiation.w.waitFor(negotiation.pid, "the contract out", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	contracting.w.waitStage(contracting.pid, "content")
	content.w.waitStage(content.pid, "publishing")
	payout.w.waitStage(payout.pid, "completed")

	recorded := 0
	for _, p := range all {
		evs := requireAuditIntact(t, p.pid, events(t, p.w.bm, p.pid), onceOnly...)
		for _, n := range evs {
			recorded += n
		}
	}
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", payout.pid), 1)
	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", contracting.pid), 1)
	figure(t, "kill_dev_many_stages", "partnerships", len(all), "restart_to_ready_s", fmt.Sprintf("%.1f", ready.Seconds()),
		"events", recorded, "lost", 0, "duplicates", 0)
	requireNoPanics(t, dataDir)
}
