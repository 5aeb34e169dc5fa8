package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCommissionAfterAttributionWindow: terms with a 10% commission; the fee is paid during
// the attribution window, orders on the creator's code are collected at its end, and the
// commission (revenue × bps / 10,000, in integer minor units) becomes payable and is paid.
func TestCommissionAfterAttributionWindow(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, attribution: 4})
	offer := w.offer(20000)
	offer["commission_bps"] = 1000
	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": offer}), http.StatusCreated)
	pid := p["id"].(string)
	st := w.toContent(pid)
	sb := sandbox(t)
	require.NotNil(t, st["exclusivity_ends_at"], "the exclusivity window end is on the partnership")
	code := path(st, "tracking", "discount_code").(string)
	caption := "#ad My new @acme running shoes, code " + code
	w.approveDraft(pid, caption)
	post := must(t, sb.post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption,
		"likes": 300, "comments": 12}), http.StatusCreated)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)

	st = w.waitStage(pid, "tracking")
	require.NotNil(t, st["usage_rights_end_at"])
	r := w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "commission"})
	require.Equal(t, http.StatusConflict, r.Status, "no commission before the window ends: %s", r.Body)
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st = w.waitFor(pid, "fee paid during the window", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "paid" })
	require.Equal(t, "tracking", st["stage"], "the fee did not wait for the window to end")
	for _, amount := range []int{12345, 7655} {
		must(t, sb.post("/sandbox/commerce/orders", map[string]any{"code": code, "amount_minor": amount, "currency": "USD"}), http.StatusCreated)
	}
	must(t, sb.post("/sandbox/commerce/orders", map[string]any{"code": code, "amount_minor": 5000, "currency": "EUR"}), http.StatusCreated)

	st = w.waitStage(pid, "payout")
	require.EqualValues(t, 2, path(st, "tracking", "conversions"))
	require.EqualValues(t, 20000, path(st, "tracking", "revenue", "amount_minor"))
	require.Equal(t, []any{map[string]any{"orders": float64(1), "revenue": map[string]any{"amount_minor": float64(5000), "currency": "EUR"}}},
		path(st, "tracking", "other_currencies"), "the EUR order earns no commission, and is shown")
	require.EqualValues(t, 300, path(st, "tracking", "post_metrics", "likes"))
	po := must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "commission"}), http.StatusAccepted)
	require.EqualValues(t, 2000, path(po, "amount", "amount_minor"), "10% of 20,000")
	st = w.waitStage(pid, "completed")
	require.Len(t, st["payouts"], 2)
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 2, "one transfer per payout")
	saveHistory(t, pid, "commission_after_attribution_window")

	// The campaign report adds it up: committed and paid, revenue, ROI.
	r = w.creator.get("/v1/campaigns/" + w.campaignID + "/report")
	require.Equal(t, http.StatusForbidden, r.Status)
	rep := must(t, w.bm.get("/v1/campaigns/"+w.campaignID+"/report"), http.StatusOK)
	require.EqualValues(t, 1, rep["partnerships"])
	require.EqualValues(t, 1, path(rep, "by_stage", "completed"))
	usd := path(rep, "currencies", 0).(map[string]any)
	require.Equal(t, "USD", usd["currency"])
	require.EqualValues(t, 20000, usd["committed_fees_minor"])
	require.EqualValues(t, 20000, usd["paid_fees_minor"])
	require.EqualValues(t, 2000, usd["paid_commissions_minor"])
	require.EqualValues(t, 22000, usd["paid_total_minor"])
	require.EqualValues(t, 20000, usd["attributed_revenue_minor"])
	require.InDelta(t, -2000.0/22000.0, usd["roi"], 1e-9)
}
