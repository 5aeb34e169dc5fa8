package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// What became of a payment reported failed after its partnership's workflow closed
// (LatePaymentOutput.Outcome).
const (
	// LateContested: the payout read paid (or was still on its way) and the provider's record
	// confirms the failure, or cannot say: the payout keeps its status, its conflicting_report
	// reads failed, and finance must pay the creator at the provider.
	LateContested = "contested"
	// LateUnconfirmed: the provider's record says the transfer is paid or still pending, so the
	// report changes nothing (payment_report_unconfirmed).
	LateUnconfirmed = "unconfirmed"
	// LateSettled: the payout had failed already, or the failure was recorded before (a
	// redelivered report): nothing more to do.
	LateSettled = "settled"
	// LateUnmatched: the partnership has no such payout, or the payout another transfer.
	LateUnmatched = "unmatched"
)

// LatePaymentInput is a payment the provider reported failed after the partnership's workflow
// closed, with what the provider said of the transfer when asked.
type LatePaymentInput struct {
	PartnershipID string                   `json:"partnership_id"`
	Event         partnership.PaymentEvent `json:"event"`
	// ProviderSays is the provider's record of the transfer: pending, paid or failed; empty
	// when it could not say, and then Unanswered says why.
	ProviderSays        string `json:"provider_says,omitempty"`
	ProviderFailureCode string `json:"provider_failure_code,omitempty"`
	Unanswered          string `json:"unanswered,omitempty"`
}

// LatePaymentOutput is what became of a late report, and what the e-mails about it need. Only
// ids, the payout's kind and amount and the brand's name: no address enters history.
type LatePaymentOutput struct {
	Outcome   string            `json:"outcome"`
	CreatorID string            `json:"creator_id,omitempty"`
	BrandName string            `json:"brand_name,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Amount    partnership.Money `json:"amount"`
	Cycle     int               `json:"cycle,omitempty"`
	// Recorded is the payout's status in Partnerflow.
	Recorded string `json:"recorded,omitempty"`
}

// RecordLatePaymentReport records a payment its provider reported failed after the
// partnership's workflow closed, which no workflow can settle any more. A failure the
// provider's record confirms, or that it cannot deny, contests the payout: it keeps its
// status, its conflicting_report reads failed (in the finance queue, the partnership's state
// and, for an earlier ambassador cycle's payout, that cycle's summary), and the audit trail
// has payment_returned_after_close. A transfer the provider says is paid or pending leaves
// payment_report_unconfirmed. Idempotent: the report's event id is recorded with it, and a
// retry or redelivery finds it.
func (a *Activities) RecordLatePaymentReport(ctx context.Context, in LatePaymentInput) (LatePaymentOutput, error) {
	ev := in.Event
	cp, err := a.Store.GetClosedPayout(ctx, in.PartnershipID, ev.PayoutID)
	if errors.Is(err, store.ErrNotFound) {
		return LatePaymentOutput{Outcome: LateUnmatched}, nil
	}
	if err != nil {
		return LatePaymentOutput{}, err
	}
	po := cp.Payout
	if po.TransferID == "" || (ev.TransferID != "" && ev.TransferID != po.TransferID) {
		return LatePaymentOutput{Outcome: LateUnmatched}, nil
	}
	out := LatePaymentOutput{CreatorID: cp.Partnership.CreatorID, Kind: po.Kind, Cycle: po.Cycle, Recorded: po.Status,
		Amount: partnership.Money{AmountMinor: po.AmountMinor, Currency: po.Currency}}
	if b, err := a.Store.GetBrand(ctx, cp.Partnership.BrandID); err == nil {
		out.BrandName = b.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return LatePaymentOutput{}, err
	}
	data := map[string]string{"payout_id": po.ID, "transfer_id": po.TransferID, "event_id": ev.EventID,
		"reported": partnership.PayoutFailed, "recorded": po.Status, "provider": in.ProviderSays}
	if in.ProviderSays == "" {
		data["provider"] = "no answer: " + in.Unanswered
	}
	if ev.FailureCode != "" {
		data["failure_code"] = ev.FailureCode
	}
	amend := store.PayoutAmendment{PartnershipID: in.PartnershipID, PayoutID: po.ID, At: time.Now().UTC()}
	switch {
	case po.Status == partnership.PayoutFailed:
		return LatePaymentOutput{Outcome: LateSettled}, nil
	case in.ProviderSays == partnership.PayoutPaid || in.ProviderSays == "pending":
		out.Outcome, amend.Event.Type = LateUnconfirmed, "payment_report_unconfirmed"
	default:
		out.Outcome, amend.Event.Type = LateContested, "payment_returned_after_close"
		if po.ConflictingReport != partnership.PayoutFailed {
			amend.Version, amend.ConflictingReport = cp.Partnership.StateVersion, partnership.PayoutFailed
			if amend.State, err = contestedIn(cp.Partnership.State, po.ID); err != nil {
				return LatePaymentOutput{}, err
			}
			if c := cp.Cycle; c != nil {
				summary, err := contestedIn(c.Summary, po.ID)
				if err != nil {
					return LatePaymentOutput{}, err
				}
				amend.Cycle = &store.CycleRow{PartnershipID: c.PartnershipID, Cycle: c.Cycle, Summary: summary}
			}
		}
	}
	if amend.Event.Data, err = json.Marshal(data); err != nil {
		return LatePaymentOutput{}, err
	}
	amend.Event.Actor, amend.Event.Role, amend.Event.At = "system", "system", amend.At
	amend.EventID = ev.EventID
	recorded, err := a.Store.AmendClosedPayout(ctx, amend)
	if err != nil {
		return LatePaymentOutput{}, err
	}
	if out.Outcome == LateContested && amend.State == nil && recorded {
		// Contested before this report (by another, or while the workflow ran): finance was
		// told then. Not recorded means this report's own earlier attempt contested it.
		out.Outcome = LateSettled
	}
	return out, nil
}

// contestedIn sets conflicting_report to failed on the payout payoutID wherever a state
// document or cycle summary holds it: its payouts, and its cycles' payouts. Everything else
// in the document is kept as it was (its keys in order).
func contestedIn(doc store.JSON, payoutID string) (store.JSON, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("read the state document: %w", err)
	}
	payouts, err := contestedPayouts(top["payouts"], payoutID)
	if err != nil {
		return nil, err
	}
	top["payouts"] = payouts
	if raw, ok := top["cycles"]; ok && !bytes.Equal(raw, []byte("null")) {
		var cycles []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &cycles); err != nil {
			return nil, fmt.Errorf("read the state's cycles: %w", err)
		}
		for _, c := range cycles {
			if c["payouts"], err = contestedPayouts(c["payouts"], payoutID); err != nil {
				return nil, err
			}
		}
		if top["cycles"], err = json.Marshal(cycles); err != nil {
			return nil, err
		}
	}
	return json.Marshal(top)
}

// contestedPayouts is contestedIn for one payouts array (null or absent stays as it is).
func contestedPayouts(raw json.RawMessage, payoutID string) (json.RawMessage, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return raw, nil
	}
	var payouts []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &payouts); err != nil {
		return nil, fmt.Errorf("read the payouts: %w", err)
	}
	for _, p := range payouts {
		var id string
		if json.Unmarshal(p["id"], &id) == nil && id == payoutID {
			p["conflicting_report"] = json.RawMessage(`"failed"`)
		}
	}
	return json.Marshal(payouts)
}
