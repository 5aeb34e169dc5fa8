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
	st := w.toContent(pid)
	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
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
