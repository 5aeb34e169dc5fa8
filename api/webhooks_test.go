package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
	"github.com/partnerflow/partnerflow/webhooksig"
)

var esignTestSecret = []byte("whsec_esign_api_test")

// postESign delivers body to the e-sign webhook receiver, signed with secret at at.
func (s *actionServer) postESign(t *testing.T, body string, secret []byte, at time.Time) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/esign", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooksig.Header, webhooksig.Sign(secret, at, []byte(body)))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

type webhookAck struct {
	Received  bool   `json:"received"`
	Duplicate bool   `json:"duplicate"`
	Outcome   string `json:"outcome"`
}

func decodeAck(t *testing.T, rec *httptest.ResponseRecorder) webhookAck {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var ack webhookAck
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ack))
	require.True(t, ack.Received)
	return ack
}

// TestESignWebhookSignerSigned: a recipient-completed event (one signer signed, the envelope
// is not complete) is checked for its signature and forwarded to the partnership's workflow as
// the signer's signature; a duplicate delivery is acknowledged as such; one for an unknown
// envelope is acknowledged and recorded, even without a signer; other recipient events are recorded, not forwarded;
// envelope events, with or without an event name, keep working as before.
func TestESignWebhookSignerSigned(t *testing.T) {
	s := newActionServer(t, Config{ESignWebhookSecret: esignTestSecret})
	now := time.Now()
	signed := `{"event_id":"evt_r1","event":"recipient-completed","generated_at":"2026-11-23T21:10:30Z",
		"data":{"envelope_id":"env-1","status":"sent","custom_fields":{"partnership_id":"p1"},
			"recipient":{"role":"creator","status":"completed","signed_at":"2026-11-23T21:10:29Z"}}}`

	// A wrong or stale signature changes nothing.
	rec := s.postESign(t, signed, []byte("not the secret"), now)
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	rec = s.postESign(t, signed, esignTestSecret, now.Add(-10*time.Minute))
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	require.Empty(t, s.wf.signalled())

	ack := decodeAck(t, s.postESign(t, signed, esignTestSecret, now))
	require.Equal(t, webhookAck{Received: true, Outcome: "delivered"}, ack)
	want := fakeSignal{PartnershipID: "p1", Name: partnership.SignalESignSigned, Arg: partnership.SignerEvent{
		EventID: "evt_r1", EnvelopeID: "env-1", Signer: partnership.SignerCreator,
		SignedAt: time.Date(2026, 11, 23, 21, 10, 29, 0, time.UTC)}}
	require.Equal(t, []fakeSignal{want}, s.wf.signalled())

	// Delivered again: acknowledged as a duplicate (the workflow applies each event id once).
	ack = decodeAck(t, s.postESign(t, signed, esignTestSecret, now))
	require.Equal(t, webhookAck{Received: true, Duplicate: true, Outcome: "delivered"}, ack)

	// An envelope nobody knows: acknowledged and recorded, not forwarded.
	unknown := `{"event_id":"evt_r2","event":"recipient-completed","data":{"envelope_id":"env-nobody","status":"sent",
		"recipient":{"role":"brand","status":"completed"}}}`
	require.Equal(t, webhookAck{Received: true, Outcome: "unknown_object"}, decodeAck(t, s.postESign(t, unknown, esignTestSecret, now)))
	require.Equal(t, webhookAck{Received: true, Duplicate: true, Outcome: "unknown_object"}, decodeAck(t, s.postESign(t, unknown, esignTestSecret, now)))
	// ... whatever it says: a provider must never be told to retry, forever, an event about an
	// envelope that is not ours (API.md), even one without the signer's role.
	nobodysMalformed := `{"event_id":"evt_r2b","event":"recipient-completed","data":{"envelope_id":"env-nobody","status":"sent"}}`
	require.Equal(t, webhookAck{Received: true, Outcome: "unknown_object"}, decodeAck(t, s.postESign(t, nobodysMalformed, esignTestSecret, now)))
	notOurs := `{"event_id":"evt_r2c","event":"recipient-completed","data":{"envelope_id":"env-other","status":"sent",
		"custom_fields":{"partnership_id":"p-of-another-deployment"}}}`
	require.Equal(t, webhookAck{Received: true, Outcome: "unknown_object"}, decodeAck(t, s.postESign(t, notOurs, esignTestSecret, now)))

	// Another recipient event is no signature: recorded, not forwarded.
	delivered := `{"event_id":"evt_r3","event":"recipient-delivered","data":{"envelope_id":"env-1","status":"sent",
		"custom_fields":{"partnership_id":"p1"},"recipient":{"role":"brand","status":"delivered"}}}`
	require.Equal(t, webhookAck{Received: true, Outcome: "ignored"}, decodeAck(t, s.postESign(t, delivered, esignTestSecret, now)))
	require.Len(t, s.wf.signalled(), 2)

	// A signature must name its signer; a time must be a time.
	for field, body := range map[string]string{
		"data.recipient.role": `{"event_id":"evt_r4","event":"recipient-completed","data":{"envelope_id":"env-1",
			"custom_fields":{"partnership_id":"p1"}}}`,
		"data.recipient.signed_at": `{"event_id":"evt_r5","event":"recipient-completed","data":{"envelope_id":"env-1",
			"custom_fields":{"partnership_id":"p1"},"recipient":{"role":"brand","signed_at":"yesterday"}}}`,
	} {
		rec := s.postESign(t, body, esignTestSecret, now)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Contains(t, decodeProblem(t, rec).Errors, field)
	}
	require.Len(t, s.wf.signalled(), 2)

	// Envelope events, named or not (the first providers sent no event name), are the
	// envelope's status, as before.
	completed := `{"event_id":"evt_e1","event":"envelope-completed","data":{"envelope_id":"env-1","status":"completed",
		"custom_fields":{"partnership_id":"p1"}}}`
	unnamed := `{"event_id":"evt_e2","data":{"envelope_id":"env-1","status":"declined","custom_fields":{"partnership_id":"p1"}}}`
	require.Equal(t, "delivered", decodeAck(t, s.postESign(t, completed, esignTestSecret, now)).Outcome)
	require.Equal(t, "delivered", decodeAck(t, s.postESign(t, unnamed, esignTestSecret, now)).Outcome)
	got := s.wf.signalled()
	require.Len(t, got, 4)
	require.Equal(t, fakeSignal{PartnershipID: "p1", Name: partnership.SignalESignEvent,
		Arg: partnership.ESignEvent{EventID: "evt_e1", EnvelopeID: "env-1", Status: "completed"}}, got[2])
	require.Equal(t, fakeSignal{PartnershipID: "p1", Name: partnership.SignalESignEvent,
		Arg: partnership.ESignEvent{EventID: "evt_e2", EnvelopeID: "env-1", Status: "declined"}}, got[3])

	// An envelope sent or delivered is still out for signature: recorded, not forwarded, so
	// that it cannot end the signing.
	for i, status := range []string{"sent", "delivered", ""} {
		body := `{"event_id":"evt_n` + strconv.Itoa(i) + `","event":"envelope-` + status + `","data":{"envelope_id":"env-1","status":"` +
			status + `","custom_fields":{"partnership_id":"p1"}}}`
		require.Equal(t, "ignored", decodeAck(t, s.postESign(t, body, esignTestSecret, now)).Outcome, status)
	}
	require.Len(t, s.wf.signalled(), 4)
}

// TestWebhookWithImpossiblePartnershipID: a signed event whose partnership id no partnership
// can have (control or non-ASCII characters, which Temporal refuses in a workflow id's headers)
// is acknowledged and recorded as unknown, never a 503 that the provider would retry forever.
func TestWebhookWithImpossiblePartnershipID(t *testing.T) {
	s := newActionServer(t, Config{ESignWebhookSecret: esignTestSecret})
	now := time.Now()
	for i, pid := range []string{"é", `a\nb`, strings.Repeat("p", 65)} {
		body := `{"event_id":"evt_bad_` + strconv.Itoa(i) + `","event":"envelope-completed","data":{"envelope_id":"env-1",` +
			`"status":"completed","custom_fields":{"partnership_id":"` + pid + `"}}}`
		ack := decodeAck(t, s.postESign(t, body, esignTestSecret, now))
		require.Equal(t, "unknown_partnership", ack.Outcome, pid)
	}
	require.Empty(t, s.wf.signalled())
}

// TestPaymentFailedAfterClose: a payment reported for a partnership whose workflow has closed
// is handed to its late-payment workflow, then acknowledged and recorded as ever; a failure is
// counted (with a warning) for operators. A redelivery is handed over again (the workflow
// knows it by its event id) but not counted again, nor is a paid report. When the
// late-payment workflow cannot be reached, the provider is answered 503 and nothing is
// recorded, so that its retry finds the report new.
func TestPaymentFailedAfterClose(t *testing.T) {
	secret := []byte("whsec_payments_api_test")
	s := newActionServer(t, Config{PaymentsWebhookSecret: secret})
	s.wf.mu.Lock()
	s.wf.signalErr = errWorkflowClosed
	s.wf.mu.Unlock()
	post := func(id, status string) *httptest.ResponseRecorder {
		body := `{"id":"` + id + `","type":"transfer.` + status + `","data":{"object":{"id":"tr_1","status":"` + status +
			`","failure_code":"account_closed","metadata":{"partnership_id":"p-closed","payout_id":"po_1"}}}}`
		req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/payments", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhooksig.Header, webhooksig.Sign(secret, time.Now(), []byte(body)))
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}

	s.wf.mu.Lock()
	s.wf.lateErr = errTemporalUnavailable
	s.wf.mu.Unlock()
	require.Equal(t, http.StatusServiceUnavailable, post("evt_ret_1", "failed").Code, "the provider retries")
	require.Zero(t, testutil.ToFloat64(s.failedAfterClose))
	s.wf.mu.Lock()
	s.wf.lateErr = nil
	s.wf.mu.Unlock()

	first := decodeAck(t, post("evt_ret_1", "failed"))
	require.Equal(t, "partnership_closed", first.Outcome)
	require.False(t, first.Duplicate, "the refused delivery was not recorded")
	require.True(t, decodeAck(t, post("evt_ret_1", "failed")).Duplicate)
	require.Equal(t, "partnership_closed", decodeAck(t, post("evt_paid_1", "paid")).Outcome)
	require.Equal(t, 1.0, testutil.ToFloat64(s.failedAfterClose))
	want := partnership.PaymentEvent{EventID: "evt_ret_1", TransferID: "tr_1", PayoutID: "po_1", Status: "failed", FailureCode: "account_closed"}
	paid := partnership.PaymentEvent{EventID: "evt_paid_1", TransferID: "tr_1", PayoutID: "po_1", Status: "paid", FailureCode: "account_closed"}
	require.Equal(t, []partnership.PaymentEvent{want, want, want, paid}, s.wf.lateReports(), "the refused try, the delivery, its redelivery and the paid report")
}

// TestPaymentAfterHistoryDeleted: Temporal no longer knows the workflow of a partnership a
// workflow did run (its history deleted after the namespace's retention): a payment report
// for it is a closed partnership's, handed to the late-payment workflow. A partnership whose
// workflow never wrote its row, or no partnership at all, is unknown and handed nothing.
func TestPaymentAfterHistoryDeleted(t *testing.T) {
	secret := []byte("whsec_payments_api_test")
	s := newActionServer(t, Config{PaymentsWebhookSecret: secret})
	now := time.Now().UTC()
	require.NoError(t, s.st.CreatePartnership(context.Background(), &store.Partnership{ID: "p0", BrandID: "b1", CampaignID: "camp1",
		CreatorID: "c1", Stage: "vetting", State: store.JSON(`{}`), CreatedAt: now, UpdatedAt: now}))
	s.wf.mu.Lock()
	s.wf.signalErr = errWorkflowMissing
	s.wf.mu.Unlock()
	post := func(pid string) webhookAck {
		body := `{"id":"evt_` + pid + `","type":"transfer.failed","data":{"object":{"id":"tr_1","status":"failed",` +
			`"metadata":{"partnership_id":"` + pid + `","payout_id":"po_1"}}}}`
		req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/payments", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhooksig.Header, webhooksig.Sign(secret, time.Now(), []byte(body)))
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return decodeAck(t, rec)
	}
	require.Equal(t, "partnership_closed", post("p1").Outcome)
	require.Equal(t, "unknown_partnership", post("p0").Outcome, "its workflow never wrote")
	require.Equal(t, "unknown_partnership", post("p-none").Outcome)
	late := s.wf.lateReports()
	require.Len(t, late, 1)
	require.Equal(t, "evt_p1", late[0].EventID)
	require.Equal(t, 1.0, testutil.ToFloat64(s.failedAfterClose))
}
