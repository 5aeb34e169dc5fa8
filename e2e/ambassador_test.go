package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAmbassadorCycles: an ambassador partnership repeats content, publishing and payout
// every period until its end date, each cycle in a new workflow run (continue-as-new). Two
// cycles here: each pays its own fee once, the audit trail runs on without a gap, and the
// finished cycle is summarised on the partnership.
func TestAmbassadorCycles(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	offer := w.offer(10000)
	offer["kind"] = "ambassador"
	offer["period_seconds"] = 6
	offer["ends_at"] = time.Now().Add(10 * time.Second).UTC().Format(time.RFC3339Nano)

	bad := w.offer(10000)
	bad["period_seconds"] = 6
	r := w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": bad})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "only ambassadors have periods: %s", r.Body)

	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": offer}), http.StatusCreated)
	pid := p["id"].(string)
	st := w.toContent(pid)
	require.EqualValues(t, 1, st["cycle"])
	firstRun := runID(t, pid)
	code := path(st, "tracking", "discount_code").(string)

	runCycle := func(cycle int) {
		caption := "#ad Month " + string(rune('0'+cycle)) + " with my @acme running shoes, code " + code
		w.publish(pid, caption)
		w.waitFor(pid, "payout of the cycle", func(s map[string]any) bool {
			return s["stage"] == "payout" && s["cycle"] == float64(cycle)
		})
		must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	}
	runCycle(1)
	st = w.waitFor(pid, "second cycle", func(s map[string]any) bool {
		return s["cycle"] == float64(2) && s["stage"] == "content" && path(s, "deliverables", 0, "status") == "awaiting_draft"
	})
	require.Len(t, st["cycles"], 1)
	require.Equal(t, "paid", path(st, "cycles", 0, "payouts", 0, "status"))
	// The run carries the finished cycle compact; the partnership reads it whole, its post
	// and the draft that was approved included.
	requireWholeCycle := func(st map[string]any) {
		t.Helper()
		require.Equal(t, "verified", path(st, "cycles", 0, "deliverables", 0, "status"))
		require.NotEmpty(t, path(st, "cycles", 0, "deliverables", 0, "publication", "url"))
		require.Equal(t, "approve", path(st, "cycles", 0, "deliverables", 0, "drafts", 0, "review", "decision"))
	}
	requireWholeCycle(st)
	runCycle(2)

	st = w.waitStage(pid, "completed")
	requireWholeCycle(st)
	require.EqualValues(t, 2, st["cycle"])
	require.Equal(t, "c2-po_1", path(st, "payouts", 0, "id"))
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))
	transfers := sandboxItems(t, "/sandbox/payments/transfers", pid)
	require.Len(t, transfers, 2, "one fee per cycle, never the first cycle's transfer twice")
	require.NotEqual(t, transfers[0]["idempotency_key"], transfers[1]["idempotency_key"])

	evs := events(t, w.bm, pid)
	for i, e := range evs {
		require.EqualValues(t, i+1, e["seq"], "the audit trail continues across runs without a gap")
	}
	saveRunHistory(t, pid, firstRun, "ambassador_first_cycle_continue_as_new")
	saveHistory(t, pid, "ambassador_second_cycle")
}
