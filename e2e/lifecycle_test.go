package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devdata"
)

// TestLifecycleEndToEnd drives one partnership through every stage over HTTP: vetting (auto),
// negotiation (counter, then accept), contracting (sandbox envelope, both signing URLs, signed
// webhook), content (one draft, a revision, approval), publishing (post fetched from the
// sandbox), payout with dual approval (sandbox transfer, paid webhook), completed.
func TestLifecycleEndToEnd(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, dualApproval: 40000})
	pid := w.createPartnership(50000)

	st := w.waitStage(pid, "negotiation")
	require.Equal(t, "auto_approved", path(st, "vetting", "decision"))
	require.NotNil(t, path(st, "vetting", "report", "tier"), "the vetting report is on the partnership")
	require.Equal(t, "creator", path(st, "next_action", "role"))

	// The brand may not answer its own offer: it is the creator's turn.
	r := w.bm.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"})
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
	require.Equal(t, "negotiation", r.JSON(t)["stage"])

	counter := w.offer(60000)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "counter", "terms": counter}), http.StatusOK)
	st = must(t, w.bm.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	require.EqualValues(t, 2, path(st, "negotiation", "round"))

	st = w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	require.Equal(t, "contracting", st["stage"])
	require.EqualValues(t, 60000, path(st, "terms", "fee", "amount_minor"), "the counter-offer's terms were agreed")
	sb := sandbox(t)
	must(t, sb.post(w.creatorSigningURL(pid), map[string]any{}), http.StatusOK)
	must(t, sb.post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)

	st = w.waitStage(pid, "content")
	require.Equal(t, "completed", path(st, "contract", "status"))
	code := path(st, "tracking", "discount_code").(string)
	require.NotEmpty(t, code)
	require.Equal(t, "awaiting_draft", path(st, "deliverables", 0, "status"))
	require.NotNil(t, path(st, "deliverables", 0, "due_at"), "a draft is awaited")

	// A draft without a disclosure is stored with its violations and cannot be approved.
	d := must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{
		"caption": "Loving my new Acme sneakers, code " + code, "media_urls": []string{"https://cdn.example.com/1.jpg"}}), http.StatusCreated)
	require.Equal(t, false, path(d, "disclosure", "compliant"))
	r = w.bm.post("/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"})
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
	st = must(t, w.bm.post("/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "request_changes",
		"comments": "add #ad at the start"}), http.StatusOK)
	require.Equal(t, "changes_requested", path(st, "deliverables", 0, "status"))
	require.NotNil(t, path(st, "deliverables", 0, "due_at"), "the revision is awaited")
	require.Equal(t, "add #ad at the start", path(st, "deliverables", 0, "drafts", 0, "review", "comments"))

	caption := "#ad Loving my new @acme sneakers for morning runs, code " + code
	d = must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{
		"caption": caption, "media_urls": []string{"https://cdn.example.com/2.jpg"}}), http.StatusCreated)
	require.EqualValues(t, 2, d["version"])
	require.Equal(t, true, path(d, "disclosure", "compliant"))
	st = must(t, w.bm.post("/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 2, "decision": "approve"}), http.StatusOK)
	require.Equal(t, "approved", path(st, "deliverables", 0, "status"))
	require.Nil(t, path(st, "deliverables", 0, "due_at"), "no draft awaited once approved")

	post := must(t, sb.post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}), http.StatusCreated)
	pub := must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)
	require.Equal(t, "verifying", pub["status"])

	st = w.waitStage(pid, "payout")
	require.Equal(t, "verified", path(st, "deliverables", 0, "status"))
	require.Equal(t, "finance", path(st, "next_action", "role"))

	// 60,000 is above the 40,000 dual-approval threshold: a second, different finance user approves.
	po := must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	require.Equal(t, "awaiting_approval", po["status"])
	require.EqualValues(t, 60000, path(po, "amount", "amount_minor"))
	poID := po["id"].(string)
	// The finance queue lists it for finance and for the brand and creator it concerns.
	queue := must(t, w.finance.get("/v1/payouts?status=awaiting_approval&brand_id="+w.brandID), http.StatusOK)
	require.Len(t, queue["items"], 1)
	require.Equal(t, pid, path(queue, "items", 0, "partnership_id"))
	require.Equal(t, poID, path(queue, "items", 0, "id"))
	require.Len(t, must(t, w.creator.get("/v1/payouts"), http.StatusOK)["items"], 1)
	other := newWorld(t, campaignOpts{})
	require.Empty(t, must(t, other.bm.get("/v1/payouts?brand_id="+w.brandID), http.StatusOK)["items"], "another brand sees none")
	r = w.finance.post("/v1/partnerships/"+pid+"/payouts/"+poID+"/approve", nil)
	require.Equal(t, http.StatusConflict, r.Status, "the trigger cannot approve: %s", r.Body)
	must(t, w.finance2.post("/v1/partnerships/"+pid+"/payouts/"+poID+"/approve", nil), http.StatusOK)

	st = w.waitStage(pid, "completed")
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))
	require.Equal(t, "fin-2", path(st, "payouts", 0, "approved_by"))
	require.Nil(t, st["next_action"])
	paid := must(t, w.bm.get("/v1/payouts?status=paid"), http.StatusOK)
	require.Len(t, paid["items"], 1)
	require.Equal(t, "fin-2", path(paid, "items", 0, "approved_by"))
	require.NotNil(t, path(paid, "items", 0, "paid_at"))
	require.Empty(t, must(t, w.finance.get("/v1/payouts?status=awaiting_approval&brand_id="+w.brandID), http.StatusOK)["items"])

	// Exactly one transfer and one envelope at the providers for this partnership.
	transfers := sandboxItems(t, "/sandbox/payments/transfers", pid)
	require.Len(t, transfers, 1)
	require.EqualValues(t, 60000, transfers[0]["amount"])
	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1)
	// The finance team was asked for the second approval, once.
	asked := waitForMessages(t, pid+"/email/approve_payout/po_1/", 1)
	require.Len(t, asked, 1)
	require.Equal(t, devdata.DevFinanceEmail, asked[0]["to"])
	require.Contains(t, asked[0]["text"], "triggered by fin-1")

	// The audit trail has every transition once, in order.
	evs := events(t, w.bm, pid)
	for i, e := range evs {
		require.EqualValues(t, i+1, e["seq"], "audit seq is contiguous")
	}
	types := map[string]int{}
	for _, e := range evs {
		types[e["type"].(string)]++
	}
	for _, want := range []string{"partnership_created", "vetting_auto_approved", "negotiation_counter", "negotiation_accept",
		"contract_sent", "contract_signed", "draft_submitted", "draft_reviewed", "post_verified", "payout_triggered",
		"payout_approved", "transfer_created", "payout_paid", "completed"} {
		require.GreaterOrEqual(t, types[want], 1, "event %s missing from %v", want, types)
	}
	require.Equal(t, 1, types["payout_paid"])
	require.Equal(t, 1, types["completed"])

	// Actions on a completed partnership are refused with its stage and change nothing.
	r = w.bm.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": "too late"})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, "completed", r.JSON(t)["stage"])
	require.Len(t, events(t, w.bm, pid), len(evs))
	saveHistory(t, pid, "happy_counter_revision_dual_approval")
}

// TestVettingDecisionAndRejection: a campaign without auto-approval waits for the brand; a
// rejection ends the partnership as rejected.
func TestVettingDecisionAndRejection(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: false})
	pid := w.createPartnership(30000)
	st := w.waitFor(pid, "vetting decision pending", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "decide_vetting"
	})
	require.Equal(t, "brand_manager", path(st, "next_action", "role"))
	r := w.creator.post("/v1/partnerships/"+pid+"/vetting/decision", map[string]any{"decision": "approve"})
	require.Equal(t, http.StatusForbidden, r.Status)
	r = w.bm.post("/v1/partnerships/"+pid+"/vetting/decision", map[string]any{"decision": "maybe"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Contains(t, r.JSON(t)["errors"], "decision")
	must(t, w.bm.post("/v1/partnerships/"+pid+"/vetting/decision", map[string]any{"decision": "reject", "note": "off brief"}), http.StatusOK)
	st = w.waitStage(pid, "rejected")
	require.Equal(t, "rejected", st["outcome"])
	saveHistory(t, pid, "vetting_rejected")
}

// TestCancellationVoidsEnvelope: the brand cancels while the contract is out; the envelope is
// voided at the provider and the creator is told.
func TestCancellationVoidsEnvelope(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(30000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	w.waitFor(pid, "envelope", func(s map[string]any) bool { return path(s, "contract", "envelope_id") != nil })

	r := w.bm.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": ""})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a reason is required")
	st := must(t, w.bm.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": "campaign paused"}), http.StatusOK)
	require.Equal(t, "cancelled", st["stage"])
	require.Equal(t, "voided", path(st, "contract", "status"))
	envs := sandboxItems(t, "/sandbox/esign/envelopes", pid)
	require.Len(t, envs, 1)
	require.Equal(t, "voided", envs[0]["status"])
	saveHistory(t, pid, "cancelled_before_signing")
}

// sandboxItems lists a sandbox collection filtered to one partnership's objects.
func sandboxItems(t *testing.T, p, pid string) []map[string]any {
	t.Helper()
	var out struct {
		Items []map[string]any `json:"items"`
	}
	r := sandbox(t).get(p)
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &out)
	var mine []map[string]any
	for _, it := range out.Items {
		md, _ := it["metadata"].(map[string]any)
		if md == nil {
			md, _ = it["custom_fields"].(map[string]any)
		}
		if md != nil && md["partnership_id"] == pid {
			mine = append(mine, it)
		}
	}
	return mine
}

func events(t *testing.T, c *client, pid string) []map[string]any {
	t.Helper()
	var out struct {
		Items []map[string]any `json:"items"`
	}
	r := c.get("/v1/partnerships/" + pid + "/events?limit=200")
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &out)
	return out.Items
}

// TestFollowerSpikeBlocksAutoApproval: the social provider's follower history shows a sudden
// jump; the vetting report flags follower_spike and the partnership waits for the brand even
// though the campaign auto-approves clean reports.
func TestFollowerSpikeBlocksAutoApproval(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	now := time.Now().UTC()
	must(t, sandbox(t).post("/sandbox/social/accounts", map[string]any{
		"platform": "instagram", "handle": w.handle, "followers": 12000, "following": 310,
		"posts": []map[string]any{
			{"caption": "trail running at dawn #running", "likes": 900, "comments": 41},
			{"caption": "marathon shoes review #running", "likes": 820, "comments": 35},
		},
		"follower_history": []map[string]any{
			{"date": now.AddDate(0, 0, -9).Format(time.RFC3339), "followers": 6800},
			{"date": now.AddDate(0, 0, -6).Format(time.RFC3339), "followers": 7000},
			{"date": now.AddDate(0, 0, -3).Format(time.RFC3339), "followers": 11900},
		},
	}), http.StatusCreated)
	pid := w.createPartnership(10000)
	st := w.waitFor(pid, "vetting decision pending", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "decide_vetting"
	})
	require.Equal(t, false, path(st, "vetting", "clean"))
	codes := []any{}
	for _, f := range path(st, "vetting", "report", "flags").([]any) {
		codes = append(codes, f.(map[string]any)["code"])
	}
	require.Contains(t, codes, "follower_spike")
}
