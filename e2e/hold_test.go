package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProviderRefusalHoldsForAdminRetry: the e-signature provider refuses the envelope (an
// injected 422), and later the commerce provider the discount code. Each time the partnership
// used to fail, every action answering 409 with nobody named to act; now it holds in
// contracting with provider_hold and next_action {admin, retry_<step>}, and once the fault is
// gone an admin's retry carries it on, through signing and content, to its payout. Nothing is
// made twice: one envelope, one discount code, under the step's second key.
func TestProviderRefusalHoldsForAdminRetry(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(30000)
	p := "/v1/partnerships/" + pid
	w.waitStage(pid, "negotiation")
	t.Cleanup(func() { setFaults(t, map[string]any{}) })

	setFaults(t, map[string]any{"esign": map[string]any{"error_rate": 1, "status": 422}})
	must(t, w.creator.post(p+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "the envelope's hold", func(s map[string]any) bool { return s["provider_hold"] != nil })
	require.Equal(t, "contracting", st["stage"])
	require.Equal(t, "create_contract", path(st, "provider_hold", "step"))
	require.Equal(t, "esign", path(st, "provider_hold", "provider"))
	require.Equal(t, "ProviderRejected", path(st, "provider_hold", "error"))
	require.EqualValues(t, 422, path(st, "provider_hold", "status_code"))
	require.Contains(t, path(st, "provider_hold", "message"), "injected fault")
	require.Equal(t, "admin", path(st, "next_action", "role"))
	require.Equal(t, "retry_create_contract", path(st, "next_action", "action"))
	require.NotNil(t, path(st, "next_action", "due_at"))
	require.Empty(t, path(st, "contract", "envelope_id"))

	// The brand cannot retry, an admin must say why, and nothing changes meanwhile.
	r := w.bm.post(p+"/retry", map[string]any{"reason": "please"})
	require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	r = w.admin.post(p+"/retry", map[string]any{"reason": " "})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Contains(t, r.JSON(t)["errors"], "reason")

	setFaults(t, map[string]any{})
	st = must(t, w.admin.post(p+"/retry", map[string]any{"reason": "e-signature provider fixed"}), http.StatusOK)
	require.Nil(t, st["provider_hold"])
	require.NotEqual(t, "admin", path(st, "next_action", "role"))
	r = w.admin.post(p+"/retry", map[string]any{"reason": "once more"})
	require.Equal(t, http.StatusConflict, r.Status, "nothing is held any more: %s", r.Body)
	require.Equal(t, "contracting", r.JSON(t)["stage"])

	// It carries on: the contract goes out and is signed; the commerce provider then refuses
	// the discount code, and the partnership holds again, signed.
	st = w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	require.Equal(t, "sign_contract", path(st, "next_action", "action"))
	setFaults(t, map[string]any{"commerce": map[string]any{"error_rate": 1, "status": 400}})
	must(t, sandbox(t).post(w.creatorSigningURL(pid), map[string]any{}), http.StatusOK)
	must(t, sandbox(t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	st = w.waitFor(pid, "the discount code's hold", func(s map[string]any) bool { return s["provider_hold"] != nil })
	require.Equal(t, "contracting", st["stage"])
	require.Equal(t, "completed", path(st, "contract", "status"))
	require.Equal(t, "create_discount_code", path(st, "provider_hold", "step"))
	require.Equal(t, "commerce", path(st, "provider_hold", "provider"))
	require.EqualValues(t, 400, path(st, "provider_hold", "status_code"))
	require.Equal(t, "retry_create_discount_code", path(st, "next_action", "action"))

	setFaults(t, map[string]any{})
	must(t, w.admin.post(p+"/retry", map[string]any{"reason": "commerce provider fixed"}), http.StatusOK)
	st = w.waitStage(pid, "content")
	require.Nil(t, st["provider_hold"])
	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	w.waitStage(pid, "payout")
	must(t, w.finance.post(p+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")

	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1)
	codes := sandboxItems(t, "/sandbox/commerce/discount_codes", pid)
	require.Len(t, codes, 1)
	require.Equal(t, pid+"/discount/2", codes[0]["idempotency_key"], "the refused key made nothing; the retry took the next")
	seen := requireAuditIntact(t, pid, events(t, w.bm, pid), onceOnly...)
	require.Equal(t, 2, seen["provider_step_failed"])
	require.Equal(t, 2, seen["provider_step_retried"])
	require.Equal(t, 1, seen["completed"])
	for _, e := range events(t, w.bm, pid) {
		if e["type"] == "provider_step_retried" {
			require.Equal(t, "admin-1", e["actor"])
			require.Equal(t, "admin", e["role"])
		}
	}
	saveHistory(t, pid, "provider_refused_held_then_retried")
}
