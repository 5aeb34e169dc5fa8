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
