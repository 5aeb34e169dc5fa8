package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devdata"
)

// TestCreatorDeclines: the creator declines the offer; the partnership ends declined.
func TestCreatorDeclines(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	must(t, w.bm.do(http.MethodPatch, "/v1/brands/"+w.brandID, map[string]any{"contact_email": "partners@acme.example"}), http.StatusOK)
	pid := w.createPartnership(10000)
	w.waitStage(pid, "negotiation")
	st := must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "decline"}), http.StatusOK)
	require.EqualValues(t, 1, path(st, "negotiation", "round"))
	st = w.waitStage(pid, "declined")
	require.Equal(t, "declined", st["outcome"])
	require.Nil(t, st["next_action"])
	// The brand hears of it, at its contact address (the creator declined it themselves).
	told := waitForMessage(t, pid+"/email/ended/offer_declined/")
	require.Equal(t, "partners@acme.example", told["to"])
	require.Equal(t, "A partnership has ended", told["subject"])
	require.Contains(t, told["text"], "The creator declined the offer")
	saveHistory(t, pid, "offer_declined")
}

// TestOfferExpires: nobody answers within offer_ttl_seconds; the partnership ends expired.
func TestOfferExpires(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, offerTTL: 2})
	pid := w.createPartnership(10000)
	st := w.waitStage(pid, "expired")
	require.Equal(t, "expired", st["outcome"])
	r := w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"})
	require.Equal(t, http.StatusConflict, r.Status, "too late: %s", r.Body)
	require.Equal(t, "expired", r.JSON(t)["stage"])
	// The creator hears that the offer expired (and the brand, at its contact address).
	told := waitForMessage(t, pid+"/email/ended/offer_expired/")
	require.Equal(t, "maya@example.com", told["to"])
	require.Contains(t, told["text"], "has expired")
	saveHistory(t, pid, "offer_expired")
}

// TestCreatorWithdrawsBeforeSigning: the creator withdraws while the contract is out; the
// envelope is voided. After signing, withdrawing is refused.
func TestCreatorWithdrawsBeforeSigning(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	must(t, w.bm.do(http.MethodPatch, "/v1/brands/"+w.brandID, map[string]any{"contact_email": "partners@acme.example"}), http.StatusOK)
	pid := w.createPartnership(10000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	w.waitFor(pid, "envelope", func(s map[string]any) bool { return path(s, "contract", "envelope_id") != nil })
	st := must(t, w.creator.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": "schedule conflict"}), http.StatusOK)
	require.Equal(t, "cancelled", st["stage"])
	require.Equal(t, "withdrawn", st["outcome"])
	require.Equal(t, "voided", path(st, "contract", "status"))
	// The brand is told, with the creator's reason.
	told := waitForMessages(t, pid+"/email/ended/partnership_withdrawn/", 1)
	require.Equal(t, "partners@acme.example", told[0]["to"])
	require.Contains(t, told[0]["text"], "The creator withdrew from the partnership")
	require.Contains(t, told[0]["text"], "Reason: schedule conflict.")
	saveHistory(t, pid, "creator_withdrew_before_signing")

	other := w.createPartnership(10000)
	w.toContent(other)
	r := w.creator.post("/v1/partnerships/"+other+"/cancel", map[string]any{"reason": "changed my mind"})
	require.Equal(t, http.StatusConflict, r.Status, "no withdrawal after signing: %s", r.Body)
}

// TestCancelAfterSigningPaysKillFee: the brand cancels after signing; the kill fee becomes
// payable, finance pays it, and the partnership ends cancelled with one transfer.
func TestCancelAfterSigningPaysKillFee(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(25000)
	w.toContent(pid)
	st := must(t, w.bm.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": "product recalled"}), http.StatusOK)
	require.Equal(t, "cancelled", st["stage"])
	require.Contains(t, []any{"settle_cancellation", "trigger_payout"}, path(st, "next_action", "action"),
		"the answer says what happens next: the system settles what is owed, or finance pays it")
	st = w.waitFor(pid, "kill fee payable", func(s map[string]any) bool { return path(s, "next_action", "action") == "trigger_payout" })
	require.Equal(t, "finance", path(st, "next_action", "role"))
	r := w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"})
	require.Equal(t, http.StatusConflict, r.Status, "the fee is not owed: %s", r.Body)
	po := must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "kill_fee"}), http.StatusAccepted)
	require.EqualValues(t, 5000, path(po, "amount", "amount_minor"))
	st = w.waitFor(pid, "kill fee paid", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "paid" })
	require.Equal(t, "cancelled", st["outcome"])
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	saveHistory(t, pid, "cancelled_after_signing_kill_fee")
}

// TestFailedPayoutGoesBackToFinance: the transfer fails at the provider (closed account);
// finance sees the failure, the creator fixes the payout profile, finance triggers again and
// it is paid. Two transfers, one paid.
func TestFailedPayoutGoesBackToFinance(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	w.setPayoutAccount("acct_closed", "W-8BEN")
	pid := w.toPublished(15000)
	w.waitStage(pid, "payout")
	po := must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	require.Equal(t, "processing", po["status"], "below the dual-approval threshold it goes straight out")
	st := w.waitFor(pid, "payout failed", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "failed" })
	require.Equal(t, "account_closed", path(st, "payouts", 0, "failure_code"))
	require.Equal(t, "finance", path(st, "next_action", "role"))
	require.Equal(t, "trigger_payout", path(st, "next_action", "action"))
	// The creator, who must fix their details, and finance, who must trigger it again, are
	// both told at once.
	told := waitForMessages(t, pid+"/email/payout_failed/po_1/", 2)
	require.Equal(t, []any{devdata.DevFinanceEmail, "maya@example.com"}, []any{told[0]["to"], told[1]["to"]})
	require.Equal(t, "Your payment could not be sent", told[1]["subject"])
	require.Contains(t, told[1]["text"], "(account closed)")

	w.setPayoutAccount("acct_new_"+w.handle, "W-8BEN")
	po = must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	require.Equal(t, "po_2", po["id"])
	st = w.waitStage(pid, "completed")
	require.Equal(t, "paid", path(st, "payouts", 1, "status"))
	transfers := sandboxItems(t, "/sandbox/payments/transfers", pid)
	require.Len(t, transfers, 2)
	require.Equal(t, "failed", transfers[0]["status"])
	require.Equal(t, "paid", transfers[1]["status"])
	saveHistory(t, pid, "payout_failed_then_paid")
}

// TestFailedVerificationAndResubmission: the live post lacks the approved caption and code;
// verification fails with reasons; the creator fixes it and resubmits; it verifies.
func TestFailedVerificationAndResubmission(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(15000)
	st := w.toContent(pid)
	caption := "#ad My new @acme running shoes, code " + path(st, "tracking", "discount_code").(string)
	w.approveDraft(pid, caption)
	wrong := must(t, sandbox(t).post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": "new shoes!"}), http.StatusCreated)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": wrong["url"]}), http.StatusAccepted)
	st = w.waitFor(pid, "verification failed", func(s map[string]any) bool {
		return path(s, "deliverables", 0, "status") == "verification_failed"
	})
	reasons := path(st, "deliverables", 0, "publication", "report", "reasons")
	require.Contains(t, reasons, "disclosure_not_compliant")
	require.Contains(t, reasons, "discount_code_or_link_missing")
	told := waitForMessage(t, pid+"/email/verification_failed/d1/")
	require.Equal(t, "maya@example.com", told["to"])
	require.Contains(t, told["text"], "disclosure not compliant")

	right := must(t, sandbox(t).post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}), http.StatusCreated)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": right["url"]}), http.StatusAccepted)
	st = w.waitStage(pid, "payout")
	require.Equal(t, "verified", path(st, "deliverables", 0, "status"))
	saveHistory(t, pid, "verification_failed_then_verified")
}
