package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/partnerflow/partnerflow/webhooksig"
)

const (
	// webhookTimeout bounds one delivery attempt so a hung receiver only delays its own retry.
	webhookTimeout = 5 * time.Second
	// deliveryTick is how often the outbox is scanned for due deliveries.
	deliveryTick = 50 * time.Millisecond

	redeliverMin = 200 * time.Millisecond
	redeliverMax = 10 * time.Second
)

// enqueueWebhookLocked records an event in the outbox; the caller holds s.mu and commits. The
// outbox is part of the persisted state so an event raised just before a crash is still sent.
func (s *Sandbox) enqueueWebhookLocked(provider, event, id string, payload any) {
	data, err := json.Marshal(payload)
	if err != nil {
		// Payloads are sandbox-owned structs; failing to encode one is a bug worth shouting
		// about, but not worth losing the mutation that raised it.
		s.log.Error("encoding webhook failed", "provider", provider, "event", event, "error", err)
		return
	}
	t := now()
	s.st.Outbox = append(s.st.Outbox, &webhook{
		ID: id, Provider: provider, Event: event, Payload: data,
		CreatedAt: t, NextAttemptAt: t,
	})
	// Send it now, as a provider would, rather than at the next scan of the outbox (the
	// delivery loop takes s.mu, so it sees the entry once the caller has committed).
	wake(s.deliverNow)
}

// webhookTarget returns where and with which secret a provider's webhooks go.
func (s *Sandbox) webhookTarget(provider string) (string, []byte) {
	switch provider {
	case providerESign:
		return s.cfg.ESignWebhookURL, s.cfg.ESignWebhookSecret
	case providerPayments:
		return s.cfg.PaymentsWebhookURL, s.cfg.PaymentsWebhookSecret
	}
	return "", nil
}

// deliverDue sends every undelivered webhook whose next attempt is due. Sending happens
// without the state lock so a slow receiver never blocks the provider APIs.
func (s *Sandbox) deliverDue(ctx context.Context) {
	type job struct {
		id, provider string
		payload      []byte
	}
	var jobs []job
	t := now()
	s.mu.Lock()
	for _, wh := range s.st.Outbox {
		if wh.Delivered || wh.NextAttemptAt.After(t) {
			continue
		}
		if u, _ := s.webhookTarget(wh.Provider); u == "" {
			continue
		}
		jobs = append(jobs, job{wh.ID, wh.Provider, slices.Clone(wh.Payload)})
	}
	s.mu.Unlock()

	for _, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		status, err := s.send(ctx, j.provider, j.payload)
		if ctx.Err() != nil {
			// Shutting down mid-attempt is not the receiver's fault; leave the entry as it was.
			return
		}
		s.recordAttempt(j.id, status, err)
	}
}

func (s *Sandbox) send(ctx context.Context, provider string, payload []byte) (int, error) {
	target, secret := s.webhookTarget(provider)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "partnerflow-sandbox")
	// Signed at send time, not enqueue time, so a redelivery hours later is still within the
	// receiver's freshness window.
	req.Header.Set(webhooksig.Header, webhooksig.Sign(secret, time.Now(), payload))
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

func (s *Sandbox) recordAttempt(id string, status int, sendErr error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.st.Outbox, func(w *webhook) bool { return w.ID == id })
	if i < 0 {
		return
	}
	wh := s.st.Outbox[i]
	t := now()
	wh.Attempts++
	wh.LastStatus = status
	if sendErr == nil {
		wh.Delivered, wh.DeliveredAt, wh.LastError = true, &t, ""
		s.log.Info("webhook delivered", "provider", wh.Provider, "event", wh.Event, "event_id", wh.ID, "attempts", wh.Attempts)
	} else {
		wh.LastError = sendErr.Error()
		wh.NextAttemptAt = t.Add(redeliveryDelay(wh.Attempts))
		s.log.Warn("webhook delivery failed; will retry", "provider", wh.Provider, "event", wh.Event,
			"event_id", wh.ID, "attempts", wh.Attempts, "status", status, "error", sendErr)
	}
	// A failed save forgets this attempt (commitLocked logs it); the webhook is then sent
	// again, which receivers must tolerate anyway.
	_ = s.commitLocked()
}

// redeliveryDelay doubles from redeliverMin per failed attempt, capped at redeliverMax.
func redeliveryDelay(attempts int) time.Duration {
	d := redeliverMin
	for i := 1; i < attempts && d < redeliverMax; i++ {
		d *= 2
	}
	return min(d, redeliverMax)
}

type webhookView struct {
	ID            string          `json:"id"`
	Provider      string          `json:"provider"`
	Event         string          `json:"event"`
	Attempts      int             `json:"attempts"`
	Delivered     bool            `json:"delivered"`
	DeliveredAt   *time.Time      `json:"delivered_at"`
	NextAttemptAt *time.Time      `json:"next_attempt_at"`
	LastStatus    int             `json:"last_status,omitempty"`
	LastError     string          `json:"last_error,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	Payload       json.RawMessage `json:"payload"`
}

func (s *Sandbox) handleListWebhooks(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	items := make([]webhookView, 0, len(s.st.Outbox))
	for _, wh := range s.st.Outbox {
		v := webhookView{
			ID: wh.ID, Provider: wh.Provider, Event: wh.Event, Attempts: wh.Attempts,
			Delivered: wh.Delivered, DeliveredAt: wh.DeliveredAt, LastStatus: wh.LastStatus,
			LastError: wh.LastError, CreatedAt: wh.CreatedAt, Payload: slices.Clone(wh.Payload),
		}
		if !wh.Delivered {
			next := wh.NextAttemptAt
			v.NextAttemptAt = &next
		}
		items = append(items, v)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
