package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/webhooksig"
)

// TestReliabilityDuplicateAndLateMessages (scenarios 5 and 6): the e-signature provider's
// webhook delivered five more times at once with one signature has one effect; then actions
// and webhooks that arrive too late — on a completed, a cancelled and an unknown partnership —
// are refused with 409 or 404 (webhooks acknowledged) and change nothing.
func TestReliabilityDuplicateAndLateMessages(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(18000)
	var completedEvent []byte

	t.Run("webhook_delivered_five_times", func(t *testing.T) {
		w.waitStage(pid, "negotiation")
		must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
		st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
		must(t, sandbox(t).post(w.creatorSigningURL(pid), map[string]any{}), http.StatusOK)
		must(t, sandbox(t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
		// The sandbox queued envelope-completed when the last signature came in; send its exact
		// body five more times at once, racing the sandbox's own delivery.
		completedEvent = sandboxWebhook(t, "envelope-completed", path(st, "contract", "envelope_id").(string))
		header := webhooksig.Sign([]byte(stack.Secrets.ESignWebhookSecret), time.Now(), completedEvent)
		fresh := 0
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				r := (&client{t: t, base: stack.APIURL}).post("/v1/webhooks/esign", completedEvent, webhooksig.Header, header)
				mu.Lock()
				defer mu.Unlock()
				if r.Status == http.StatusOK && r.JSON(t)["duplicate"] == false {
					fresh++
				}
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			})
		}
		wg.Wait()
		require.LessOrEqual(t, fresh, 1, "at most one delivery is new (the sandbox's may have been first)")
		st = w.waitStage(pid, "content")
		evs := events(t, w.bm, pid)
		seen := requireAuditIntact(t, pid, evs, onceOnly...)
		require.Equal(t, 1, seen["contract_signed"], "six deliveries, one effect")
		require.Len(t, sandboxItems(t, "/sandbox/commerce/discount_codes", pid), 1, "one discount code")
		figure(t, "webhook_five_times", "deliveries", 6, "contract_signed_events", seen["contract_signed"], "duplicates", 0)
		w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
		w.waitStage(pid, "payout")
		must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
		w.waitStage(pid, "completed")
	})

	t.Run("completed", func(t *testing.T) {
		requireRefusedAndUnchanged(t, w, pid, http.StatusConflict)
		// A late webhook with a new event id is acknowledged (not retried forever) and ignored.
		var ev map[string]any
		require.NoError(t, json.Unmarshal(completedEvent, &ev))
		ev["event_id"] = ev["event_id"].(string) + "-late"
		late, err := json.Marshal(ev)
		require.NoError(t, err)
		before := events(t, w.bm, pid)
		r := (&client{t: t, base: stack.APIURL}).post("/v1/webhooks/esign", late, webhooksig.Header,
			webhooksig.Sign([]byte(stack.Secrets.ESignWebhookSecret), time.Now(), late))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		// "delivered" while the workflow still waits to remind the brand about usage rights;
		// "partnership_closed" once it has ended. Either way the event changes nothing.
		require.Contains(t, []any{"delivered", "partnership_closed"}, r.JSON(t)["outcome"])
		time.Sleep(500 * time.Millisecond) // let a wrongly applied signal reach the read model
		require.Equal(t, before, events(t, w.bm, pid))
		require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	})

	t.Run("cancelled", func(t *testing.T) {
		w2 := newWorld(t, campaignOpts{autoApprove: true})
		cancelled := w2.createPartnership(9000)
		w2.waitStage(cancelled, "negotiation")
		st := must(t, w2.bm.post("/v1/partnerships/"+cancelled+"/cancel", map[string]any{"reason": "campaign paused"}), http.StatusOK)
		require.Equal(t, "cancelled", st["stage"])
		w2.waitFor(cancelled, "the cancellation recorded", func(s map[string]any) bool { return s["next_action"] == nil })
		requireRefusedAndUnchanged(t, w2, cancelled, http.StatusConflict)
	})

	t.Run("unknown", func(t *testing.T) {
		requireRefusedAndUnchanged(t, w, "01a20000-0000-7000-8000-000000000000", http.StatusNotFound)
	})
}

// requireRefusedAndUnchanged sends every human action to pid and requires each to be refused
// with status, and the partnership (if it exists) and its audit trail to be unchanged.
func requireRefusedAndUnchanged(t *testing.T, w *world, pid string, status int) {
	t.Helper()
	var stBefore map[string]any
	var evBefore []map[string]any
	if status != http.StatusNotFound {
		stBefore, evBefore = w.state(pid), events(t, w.bm, pid)
	} else {
		require.Equal(t, http.StatusNotFound, w.bm.get("/v1/partnerships/"+pid).Status)
		require.Equal(t, http.StatusNotFound, w.bm.get("/v1/partnerships/"+pid+"/events").Status)
	}
	base := "/v1/partnerships/" + pid
	for _, a := range []struct {
		c    *client
		path string
		body map[string]any
	}{
		{w.bm, "/vetting/decision", map[string]any{"decision": "approve"}},
		{w.creator, "/negotiation", map[string]any{"action": "accept"}},
		{w.creator, "/deliverables/d1/drafts", map[string]any{"caption": "#ad late"}},
		{w.bm, "/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}},
		{w.creator, "/deliverables/d1/publication", map[string]any{"url": "https://example.com/p/1"}},
		{w.finance, "/payouts", map[string]any{"kind": "fee"}},
		{w.finance2, "/payouts/po_1/approve", map[string]any{}},
		{w.bm, "/cancel", map[string]any{"reason": "late"}},
	} {
		r := a.c.post(base+a.path, a.body)
		require.Equal(t, status, r.Status, "%s: %s", a.path, r.Body)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	}
	if status != http.StatusNotFound {
		after := w.state(pid)
		require.Equal(t, stBefore["stage"], after["stage"])
		require.Equal(t, stBefore["updated_at"], after["updated_at"], "nothing changed")
		require.Equal(t, evBefore, events(t, w.bm, pid), "the audit trail is unchanged")
	}
}

// sandboxWebhook returns the body of the webhook the sandbox queued for event on envelopeID.
func sandboxWebhook(t *testing.T, event, envelopeID string) []byte {
	t.Helper()
	var out struct {
		Items []struct {
			Event   string          `json:"event"`
			Payload json.RawMessage `json:"payload"`
		} `json:"items"`
	}
	sandbox(t).get("/sandbox/webhooks").Decode(t, &out)
	for _, h := range out.Items {
		if h.Event == event && bytes.Contains(h.Payload, []byte(envelopeID)) {
			return h.Payload
		}
	}
	t.Fatalf("no %s webhook for envelope %s", event, envelopeID)
	return nil
}
