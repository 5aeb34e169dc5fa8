package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLifecycleWithFailingProviders: every provider fails half its calls (503s and 429s with
// Retry-After). The lifecycle still completes, and each side effect happened exactly once:
// one envelope, one discount code, one transfer, one offer e-mail.
func TestLifecycleWithFailingProviders(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	sb := sandbox(t)
	must(t, sb.do(http.MethodPut, "/sandbox/faults", map[string]any{
		"social":   map[string]any{"error_rate": 0.5, "status": 503},
		"esign":    map[string]any{"error_rate": 0.5, "status": 429, "retry_after_s": 1},
		"payments": map[string]any{"error_rate": 0.5, "status": 503},
		"commerce": map[string]any{"error_rate": 0.5, "status": 500},
		"email":    map[string]any{"error_rate": 0.5, "status": 503},
	}), http.StatusOK)
	t.Cleanup(func() { sandbox(t).do(http.MethodPut, "/sandbox/faults", map[string]any{}) })

	pid := w.createPartnership(40000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	must(t, sb.post(path(st, "contract", "signing_urls", "creator").(string), map[string]any{}), http.StatusOK)
	must(t, sb.post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	st = w.waitStage(pid, "content")
	code := path(st, "tracking", "discount_code").(string)
	caption := "#ad My new @acme running shoes, code " + code
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{"caption": caption}), http.StatusCreated)
	must(t, w.bm.post("/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}), http.StatusOK)
	post := must(t, sb.post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}), http.StatusCreated)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)
	st = w.waitStage(pid, "payout")
	require.Equal(t, "verified", path(st, "deliverables", 0, "status"), "verification retried through the failures")
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")

	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1, "one envelope")
	require.Len(t, sandboxItems(t, "/sandbox/commerce/discount_codes", pid), 1, "one discount code")
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1, "one transfer")

	var msgs struct {
		Items []map[string]any `json:"items"`
	}
	r := sb.get("/sandbox/messages")
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &msgs)
	offers := 0
	for _, m := range msgs.Items {
		if key, _ := m["idempotency_key"].(string); key == pid+"/email/offer/1" {
			offers++
		}
	}
	require.Equal(t, 1, offers, "one offer e-mail despite retries")
	saveHistory(t, pid, "providers_failing_half_the_calls")
}
