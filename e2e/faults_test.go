package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLifecycleWithFailingProviders (scenario 3): three lifecycles run at once while every
// provider fails half its calls — 5xx, 429 with Retry-After, and hangs past the client
// timeout (PARTNERFLOW_PROVIDER_TIMEOUT, 3 s in this suite, see main_test.go). Every lifecycle
// completes, and each side effect happened exactly once per partnership: one envelope, one
// discount code, one transfer, one offer e-mail. The attempts per provider are logged.
func TestLifecycleWithFailingProviders(t *testing.T) {
	const n = 3
	worlds := make([]*world, n)
	for i := range worlds {
		worlds[i] = newWorld(t, campaignOpts{autoApprove: true})
	}
	resetStats(t)
	// fail_next 1: each provider's first call fails for certain, so every kind of fault is
	// exercised in every run; after that, half the calls fail at random.
	setFaults(t, map[string]any{
		"social":   map[string]any{"fail_next": 1, "error_rate": 0.5, "status": 503},
		"esign":    map[string]any{"fail_next": 1, "error_rate": 0.5, "status": 429, "retry_after_s": 1},
		"payments": map[string]any{"fail_next": 1, "error_rate": 0.5, "hang": true},
		"commerce": map[string]any{"fail_next": 1, "error_rate": 0.5, "hang": true},
		"email":    map[string]any{"fail_next": 1, "error_rate": 0.5, "status": 500},
	})
	t.Cleanup(func() { setFaults(t, map[string]any{}) })

	// Each step is started for every partnership before the next is awaited, so the three
	// lifecycles' retries overlap.
	pids := make([]string, n)
	for i, w := range worlds {
		pids[i] = w.createPartnership(40000 + int64(i))
	}
	for i, w := range worlds {
		w.waitStage(pids[i], "negotiation")
		must(t, w.creator.post("/v1/partnerships/"+pids[i]+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	}
	for i, w := range worlds {
		st := w.waitFor(pids[i], "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
		must(t, sandbox(t).post(w.creatorSigningURL(pids[i]), map[string]any{}), http.StatusOK)
		must(t, sandbox(t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	}
	for i, w := range worlds {
		st := w.waitStage(pids[i], "content")
		w.publish(pids[i], "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	}
	for i, w := range worlds {
		st := w.waitStage(pids[i], "payout")
		require.Equal(t, "verified", path(st, "deliverables", 0, "status"), "verification retried through the failures")
		must(t, w.finance.post("/v1/partnerships/"+pids[i]+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	}
	for i, w := range worlds {
		w.waitStage(pids[i], "completed")
	}
	stats := providerStats(t)

	var msgs struct {
		Items []map[string]any `json:"items"`
	}
	r := sandbox(t).get("/sandbox/messages")
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &msgs)
	for i, pid := range pids {
		require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1, "one envelope")
		require.Len(t, sandboxItems(t, "/sandbox/commerce/discount_codes", pid), 1, "one discount code")
		require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1, "one transfer")
		offers := 0
		for _, m := range msgs.Items {
			if key, _ := m["idempotency_key"].(string); key == pid+"/email/offer/1" {
				offers++
			}
		}
		require.Equal(t, 1, offers, "one offer e-mail despite retries")
		requireAuditIntact(t, pid, events(t, worlds[i].bm, pid), onceOnly...)
	}
	total, injected := 0.0, 0.0
	for _, name := range []string{"social", "esign", "payments", "commerce", "email"} {
		s := stats[name]
		total += s["requests"]
		injected += s["failed"] + s["hung"]
		figure(t, "failing_providers", "provider", name, "requests", s["requests"], "failed", s["failed"], "hung", s["hung"])
	}
	figure(t, "failing_providers", "lifecycles", n, "total_requests", total, "injected_faults", injected,
		"duplicates", 0, "completed", fmt.Sprintf("%d/%d", n, n))
	for _, name := range []string{"social", "esign", "email"} {
		require.Positive(t, stats[name]["failed"], "%s answered an injected error", name)
	}
	for _, name := range []string{"payments", "commerce"} {
		require.Positive(t, stats[name]["hung"], "%s hung past the client timeout", name)
	}
	saveHistory(t, pids[0], "providers_failing_half_the_calls")
}
