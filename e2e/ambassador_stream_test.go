package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/webhooksig"
)

// TestReliabilityAmbassadorSignalStream (scenario 7, end to end): an ambassador partnership
// runs three cycles, each a new workflow run (continue-as-new), while signed payments webhooks
// stream in every 50 ms — new stray events for the partnership, plus every finished cycle's
// real transfer.paid redelivered. Every webhook is acknowledged, each cycle's fee is paid once
// by its own transfer, and the audit trail runs on across the runs with nothing doubled.
func TestReliabilityAmbassadorSignalStream(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	offer := w.offer(10000)
	offer["kind"] = "ambassador"
	offer["period_seconds"] = 6
	offer["ends_at"] = time.Now().Add(17 * time.Second).UTC().Format(time.RFC3339Nano)
	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": offer}), http.StatusCreated)
	pid := p["id"].(string)

	s := startWebhookStream(pid)
	st := w.toContent(pid)
	code := path(st, "tracking", "discount_code").(string)
	for cycle := 1; cycle <= 3; cycle++ {
		if cycle > 1 {
			w.waitFor(pid, fmt.Sprintf("cycle %d open", cycle), func(s map[string]any) bool {
				return s["cycle"] == float64(cycle) && s["stage"] == "content" && path(s, "deliverables", 0, "status") == "awaiting_draft"
			})
		}
		w.publish(pid, fmt.Sprintf("#ad Month %d with my @acme running shoes, code %s", cycle, code))
		w.waitFor(pid, "payout of the cycle", func(s map[string]any) bool { return s["stage"] == "payout" && s["cycle"] == float64(cycle) })
		must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
		w.waitFor(pid, "the cycle's fee paid", func(s map[string]any) bool {
			return s["cycle"] != float64(cycle) || path(s, "payouts", 0, "status") == "paid"
		})
		// From now on the stream redelivers this cycle's real transfer.paid too.
		s.redeliver(paidWebhooks(t, pid))
	}
	st = w.waitStage(pid, "completed")
	sent, statuses := s.stop()

	require.EqualValues(t, 3, st["cycle"])
	require.Len(t, st["cycles"], 2)
	require.Equal(t, map[int]int{http.StatusOK: sent}, statuses, "every webhook acknowledged")
	require.Greater(t, sent, 100, "a stream, not a trickle")
	transfers := sandboxItems(t, "/sandbox/payments/transfers", pid)
	require.Len(t, transfers, 3, "one fee per cycle")
	keys := map[any]bool{}
	for _, tr := range transfers {
		keys[tr["idempotency_key"]] = true
	}
	require.Len(t, keys, 3)
	seen := requireAuditIntact(t, pid, events(t, w.bm, pid), "partnership_created", "contract_signed", "completed")
	require.Equal(t, 3, seen["payout_paid"], "each cycle's fee paid once: %v", seen)
	require.Zero(t, seen["payout_failed"])
	require.Equal(t, 2, seen["cycle_completed"])
	figure(t, "ambassador_signal_stream", "cycles", 3, "webhooks", sent, "acknowledged", statuses[http.StatusOK],
		"fees_paid", seen["payout_paid"], "duplicates", 0)
}

// webhookStream posts signed payments webhooks for one partnership every 50 ms from its own
// goroutine (so it records, never asserts).
type webhookStream struct {
	mu       sync.Mutex
	statuses map[int]int
	sent     int
	replay   [][]byte
	done     chan struct{}
	finished chan struct{}
}

func startWebhookStream(pid string) *webhookStream {
	s := &webhookStream{statuses: map[int]int{}, done: make(chan struct{}), finished: make(chan struct{})}
	apiURL, secret := stack.APIURL, []byte(stack.Secrets.PaymentsWebhookSecret)
	go func() {
		defer close(s.finished)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
			stray, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_stream_%s_%d", pid, n), "type": "transfer.paid",
				"data": map[string]any{"object": map[string]any{"id": fmt.Sprintf("tr_stray_%d", n), "status": "paid",
					"metadata": map[string]string{"partnership_id": pid, "payout_id": "po_stray"}}}})
			bodies := [][]byte{stray}
			s.mu.Lock()
			if n%5 == 0 {
				bodies = append(bodies, s.replay...)
			}
			s.mu.Unlock()
			for _, b := range bodies {
				s.post(apiURL, secret, b)
			}
		}
	}()
	return s
}

func (s *webhookStream) post(apiURL string, secret, body []byte) {
	req, err := http.NewRequest(http.MethodPost, apiURL+"/v1/webhooks/payments", bytes.NewReader(body))
	status := 0
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhooksig.Header, webhooksig.Sign(secret, time.Now(), body))
		if res, err := http.DefaultClient.Do(req); err == nil {
			status = res.StatusCode
			_ = res.Body.Close()
		}
	}
	s.mu.Lock()
	s.sent++
	s.statuses[status]++
	s.mu.Unlock()
}

func (s *webhookStream) redeliver(bodies [][]byte) {
	s.mu.Lock()
	s.replay = bodies
	s.mu.Unlock()
}

// stop ends the stream and returns how many webhooks it sent and their statuses.
func (s *webhookStream) stop() (int, map[int]int) {
	close(s.done)
	<-s.finished
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent, s.statuses
}

// paidWebhooks returns the bodies of the transfer.paid webhooks the sandbox sent for pid.
func paidWebhooks(t *testing.T, pid string) [][]byte {
	t.Helper()
	var out struct {
		Items []struct {
			Event   string          `json:"event"`
			Payload json.RawMessage `json:"payload"`
		} `json:"items"`
	}
	sandbox(t).get("/sandbox/webhooks").Decode(t, &out)
	var bodies [][]byte
	for _, h := range out.Items {
		if h.Event == "transfer.paid" && bytes.Contains(h.Payload, []byte(pid)) {
			bodies = append(bodies, h.Payload)
		}
	}
	require.NotEmpty(t, bodies)
	return bodies
}
