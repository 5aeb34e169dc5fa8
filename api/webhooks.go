package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
	"github.com/partnerflow/partnerflow/webhooksig"
)

// esignWebhook is the DocuSign Connect-style event the e-signature provider sends: an
// envelope event (envelope-completed, -declined, -voided, -expired, or no event name, as the
// first providers sent it), or a recipient event about one signer (recipient-completed).
type esignWebhook struct {
	EventID string `json:"event_id"`
	Event   string `json:"event"`
	Data    struct {
		EnvelopeID   string            `json:"envelope_id"`
		Status       string            `json:"status"`
		CustomFields map[string]string `json:"custom_fields"`
		Recipient    *esignRecipient   `json:"recipient"`
	} `json:"data"`
}

// esignRecipient is the signer an e-signature event is about: one who signed
// (recipient-completed) or the one who declined (envelope-declined).
type esignRecipient struct {
	Role           string `json:"role"`
	Status         string `json:"status"`
	SignedAt       string `json:"signed_at"`
	DeclinedReason string `json:"declined_reason"`
}

// Recipient events: one signer signed an envelope that others have still to sign. Other
// recipient events (sent, delivered, declined, ...) are acknowledged and recorded but not
// forwarded: the envelope's own event reports what ends the signing.
const (
	recipientEventPrefix = "recipient-"
	recipientCompleted   = "recipient-completed"
)

// paymentsWebhook is the Stripe-style event the payments provider sends.
type paymentsWebhook struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Object struct {
			ID          string            `json:"id"`
			Status      string            `json:"status"`
			FailureCode string            `json:"failure_code"`
			Metadata    map[string]string `json:"metadata"`
		} `json:"object"`
	} `json:"data"`
}

// verifiedBody reads the raw body and checks its signature before anything is parsed.
func (s *Server) verifiedBody(c echo.Context, secret []byte) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, readError(err)
	}
	if err := webhooksig.Verify(c.Request().Header.Get(webhooksig.Header), body, secret, s.now(), webhooksig.DefaultTolerance); err != nil {
		return nil, problem(http.StatusUnauthorized, "invalid or stale webhook signature")
	}
	return body, nil
}

func (s *Server) esignWebhook(c echo.Context) error {
	body, err := s.verifiedBody(c, s.cfg.ESignWebhookSecret)
	if err != nil {
		return err
	}
	var ev esignWebhook
	if err := decodeJSON(body, &ev); err != nil {
		return err
	}
	if ev.EventID == "" || ev.Data.EnvelopeID == "" {
		return invalidFields(map[string]string{"event_id": "event_id and data.envelope_id are required"})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	pid := ev.Data.CustomFields["partnership_id"]
	if pid == "" {
		pid, err = s.store.PartnershipIDByEnvelope(ctx, ev.Data.EnvelopeID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	recipient := strings.HasPrefix(ev.Event, recipientEventPrefix)
	var signer *partnership.SignerEvent
	if recipient && pid != "" {
		// An event about an envelope or partnership nobody knows is acknowledged whatever it
		// says (API.md); one about a partnership's envelope must say who signed.
		if signer, err = signerEvent(ev); err != nil {
			if _, lookup := s.store.GetPartnershipHead(ctx, pid); errors.Is(lookup, store.ErrNotFound) {
				return s.deliverWebhook(c, ctx, "esign", ev.EventID, "", "", nil)
			}
			return err
		}
	}
	switch {
	case signer != nil:
		return s.deliverWebhook(c, ctx, "esign", ev.EventID, pid, partnership.SignalESignSigned, *signer)
	case recipient, !partnership.FinalEnvelopeStatus(ev.Data.Status):
		// A recipient event that is not a signature, or an envelope sent, delivered or the
		// like: recorded and acknowledged, but nothing for the workflow (only a final status
		// ends the signing).
		return s.deliverWebhook(c, ctx, "esign", ev.EventID, pid, "", nil)
	}
	signal := partnership.ESignEvent{EventID: ev.EventID, EnvelopeID: ev.Data.EnvelopeID, Status: ev.Data.Status}
	signal.DeclinedBy, signal.Reason = decliner(ev)
	return s.deliverWebhook(c, ctx, "esign", ev.EventID, pid, partnership.SignalESignEvent, signal)
}

// declineReasonRunes bounds the decline reason the workflow records and e-mails.
const declineReasonRunes = 1000

// decliner reads who declined a declined envelope, and why, from the event's recipient: the
// contract's signer (creator or brand) and their reason, cut to declineReasonRunes. Empty
// when the event names nobody, or a signer the contract does not have: the decline is then
// the provider's word alone, as before.
func decliner(ev esignWebhook) (signer, reason string) {
	r := ev.Data.Recipient
	if ev.Data.Status != "declined" || r == nil || (r.Role != partnership.SignerCreator && r.Role != partnership.SignerBrand) {
		return "", ""
	}
	reason = strings.TrimSpace(r.DeclinedReason)
	if utf8.RuneCountInString(reason) > declineReasonRunes {
		reason = string([]rune(reason)[:declineReasonRunes])
	}
	return r.Role, reason
}

// signerEvent reads a recipient event. It is nil, with no error, for recipient events that are
// not a signature: those are only recorded.
func signerEvent(ev esignWebhook) (*partnership.SignerEvent, error) {
	if ev.Event != recipientCompleted {
		return nil, nil
	}
	r := ev.Data.Recipient
	if r == nil || r.Role == "" {
		return nil, invalidFields(map[string]string{"data.recipient.role": "a recipient-completed event names the signer's role"})
	}
	out := &partnership.SignerEvent{EventID: ev.EventID, EnvelopeID: ev.Data.EnvelopeID, Signer: r.Role}
	if r.SignedAt != "" {
		at, err := time.Parse(time.RFC3339, r.SignedAt)
		if err != nil {
			return nil, invalidFields(map[string]string{"data.recipient.signed_at": "must be an RFC 3339 time"})
		}
		out.SignedAt = at.UTC()
	}
	return out, nil
}

func (s *Server) paymentsWebhook(c echo.Context) error {
	body, err := s.verifiedBody(c, s.cfg.PaymentsWebhookSecret)
	if err != nil {
		return err
	}
	var ev paymentsWebhook
	if err := decodeJSON(body, &ev); err != nil {
		return err
	}
	obj := ev.Data.Object
	if ev.ID == "" || obj.ID == "" {
		return invalidFields(map[string]string{"id": "id and data.object.id are required"})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	signal := partnership.PaymentEvent{EventID: ev.ID, TransferID: obj.ID, PayoutID: obj.Metadata["payout_id"],
		Status: obj.Status, FailureCode: obj.FailureCode}
	return s.deliverWebhook(c, ctx, "payments", ev.ID, obj.Metadata["partnership_id"], partnership.SignalPaymentEvent, signal)
}

// deliverWebhook signals the partnership's workflow and records the receipt. Unknown or closed
// partnerships are acknowledged and recorded, never an error the provider would retry forever.
// No signalName: an event the workflow has no use for, only recorded ("ignored").
func (s *Server) deliverWebhook(c echo.Context, ctx context.Context, provider, eventID, pid, signalName string, signal any) error {
	outcome := "delivered"
	if pid == "" {
		outcome = "unknown_object"
	} else if !plausiblePartnershipID(pid) {
		// No partnership has such an id (they are UUIDs), and Temporal refuses a workflow id
		// with control or non-ASCII characters in its headers: acknowledged and recorded as
		// unknown, never a 503 the provider would retry forever.
		outcome = "unknown_partnership"
	} else if signalName == "" {
		outcome = "ignored"
	} else if err := s.wf.Signal(ctx, pid, signalName, signal); err != nil {
		switch {
		case errors.Is(err, errWorkflowMissing):
			outcome = "unknown_partnership"
			if closed, err := s.historyGone(ctx, pid); err != nil {
				return err
			} else if closed {
				outcome = "partnership_closed"
			}
		case errors.Is(err, errWorkflowClosed):
			outcome = "partnership_closed"
		default:
			return err // 503: the provider retries later
		}
	}
	ev, payment := signal.(partnership.PaymentEvent)
	late := payment && outcome == "partnership_closed"
	if late {
		// A payment reported after its partnership's workflow closed (a bank's return more
		// than the workflow's return window after the payment, a transfer's word after an
		// operator ended the workflow): the late-payment workflow weighs it and tells who
		// must act. Before the receipt is recorded, so that a failure here is a 503 the
		// provider retries.
		start := partnership.LatePaymentStart{PartnershipID: pid, LookupSeconds: int64(s.cfg.TransferLookupAfter / time.Second)}
		if err := s.wf.ReportLatePayment(ctx, start, ev); err != nil {
			return err
		}
	}
	fresh, err := s.store.RecordWebhook(ctx, store.WebhookEvent{Provider: provider, EventID: eventID, PartnershipID: pid,
		Outcome: outcome, ReceivedAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	if late && fresh && ev.Status == partnership.PayoutFailed {
		s.failedAfterClose.Inc()
		s.log.Warn("a payment was reported failed for a partnership that has closed: its late-payment workflow weighs it",
			"partnership_id", pid, "payout_id", ev.PayoutID, "transfer_id", ev.TransferID, "failure_code", ev.FailureCode, "event_id", eventID)
	}
	return c.JSON(http.StatusOK, map[string]any{"received": true, "duplicate": !fresh, "outcome": outcome})
}

// historyGone reports whether a partnership Temporal has no workflow for did run one: its row
// was written by a workflow (state_version above 0), whose history Temporal has since deleted
// (the namespace's retention after the workflow closed). A row never started is not.
func (s *Server) historyGone(ctx context.Context, pid string) (bool, error) {
	head, err := s.store.GetPartnershipHead(ctx, pid)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return head.StateVersion > 0, nil
}

// plausiblePartnershipID reports whether a provider's metadata could name a partnership: at
// most 64 characters of letters, digits, '-', '_' and '.'.
func plausiblePartnershipID(pid string) bool {
	if len(pid) > 64 {
		return false
	}
	for _, r := range pid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
