package activities

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// What became of a payment reported after its partnership's workflow closed
// (LatePaymentOutput.Outcome).
const (
	// LateApplied: the payout was still on its way (an operator ended the workflow before its
	// transfer's word came); it takes the provider's word, paid or failed.
	LateApplied = "applied"
	// LateContested: the payout was settled and the provider's record now says the other word
	// (a paid fee the bank returned, a failed one paid after all): it keeps its status, with
	// conflicting_report the provider's word, and finance must act at the provider.
	LateContested = "contested"
	// LateUnanswered: the report contradicts the payout's status and the provider could not
	// say which is true: conflicting_report is the report's word, and finance must check the
	// transfer at the provider before acting.
	LateUnanswered = "unanswered"
	// LateUnconfirmed: the provider's record does not bear the report out (pending, or the
	// payout's own status): payment_report_unconfirmed, nothing changes.
	LateUnconfirmed = "unconfirmed"
	// LateSettled: nothing more to do: the payout already reads the report's word, or was
	// contested with it before (finance was told then).
	LateSettled = "settled"
	// LateUnmatched: the partnership has no such payout, or the payout another transfer.
	LateUnmatched = "unmatched"
)

// LatePaymentInput is a payment the provider reported after the partnership's workflow
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
// ids, the payout's kind, amount and statuses and the brand's name: no address enters history.
type LatePaymentOutput struct {
	Outcome string `json:"outcome"`
	// Repeat: the report was recorded before, by an earlier run or the partnership's own
	// workflow, whose e-mails were sent then.
	Repeat    bool              `json:"repeat,omitempty"`
	CreatorID string            `json:"creator_id,omitempty"`
	BrandName string            `json:"brand_name,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Amount    partnership.Money `json:"amount"`
	Cycle     int               `json:"cycle,omitempty"`
	// Recorded is the payout's status before the report, Status after it.
	Recorded string `json:"recorded,omitempty"`
	Status   string `json:"status,omitempty"`
	// Word is the provider's word that decided (paid or failed), or, unanswered, the
	// report's; FailureCode the failure's code.
	Word        string `json:"word,omitempty"`
	FailureCode string `json:"failure_code,omitempty"`
}

// RecordLatePaymentReport records a payment its provider reported after the partnership's
// workflow closed, which no workflow can settle any more, as the provider's record decides:
//   - a payout still on its way takes the provider's word, paid or failed (payout_paid,
//     payout_failed);
//   - a settled payout the provider's record contradicts keeps its status, and its
//     conflicting_report is the provider's word (payment_returned_after_close for a paid fee
//     the bank returned, payment_reported_after_close for a failed one paid after all);
//   - a report the provider cannot confirm or deny that contradicts the payout marks it the
//     same way with the report's word (finance checks the transfer);
//   - a report the provider's record does not bear out leaves payment_report_unconfirmed.
//
// The payout is amended wherever the read model shows it: the finance queue, the state
// document and, for an earlier ambassador cycle's payout, that cycle's summary. Idempotent:
// the report's event id and outcome are recorded with it, and a retry or redelivery finds
// them.
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
		Status: po.Status, Amount: partnership.Money{AmountMinor: po.AmountMinor, Currency: po.Currency}}
	if b, err := a.Store.GetBrand(ctx, cp.Partnership.BrandID); err == nil {
		out.BrandName = b.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return LatePaymentOutput{}, err
	}
	now := time.Now().UTC()
	was := store.PayoutChange{Status: po.Status, FailureCode: po.FailureCode, PaidAt: po.PaidAt, ConflictingReport: po.ConflictingReport}
	change := was
	var typ string
	word := in.ProviderSays
	switch {
	case word == partnership.PayoutPaid || word == partnership.PayoutFailed:
		out.Word = word
		switch {
		case po.Status == partnership.PayoutProcessing:
			out.Outcome, typ = LateApplied, "payout_"+word
			change.Status, change.ConflictingReport = word, ""
			if word == partnership.PayoutPaid {
				change.FailureCode, change.PaidAt = "", &now
			} else {
				change.FailureCode, change.PaidAt = cmp.Or(in.ProviderFailureCode, ev.FailureCode), nil
			}
		case po.Status == word && ev.Status == word:
			return settledOut(out), nil
		case po.Status == word:
			out.Outcome, typ = LateUnconfirmed, "payment_report_unconfirmed"
		default:
			out.Outcome, typ = LateContested, afterCloseEvent(word)
			change.ConflictingReport = word
		}
	case word == "pending":
		out.Outcome, typ = LateUnconfirmed, "payment_report_unconfirmed"
	case ev.Status == po.Status:
		return settledOut(out), nil
	default: // no answer
		out.Outcome, typ, out.Word = LateUnanswered, afterCloseEvent(ev.Status), ev.Status
		change.ConflictingReport = ev.Status
	}
	if out.Word == partnership.PayoutFailed {
		out.FailureCode = cmp.Or(in.ProviderFailureCode, ev.FailureCode)
	}
	amend := store.PayoutAmendment{PartnershipID: in.PartnershipID, PayoutID: po.ID, Payout: change, EventID: ev.EventID, At: now}
	if change == was {
		if out.Outcome != LateUnconfirmed {
			out.Outcome = LateSettled // contested with this word before: finance was told then
		}
	} else {
		amend.Version = cp.Partnership.StateVersion
		if amend.State, err = amendedIn(cp.Partnership.State, po.ID, change); err != nil {
			return LatePaymentOutput{}, err
		}
		if c := cp.Cycle; c != nil {
			summary, err := amendedIn(c.Summary, po.ID, change)
			if err != nil {
				return LatePaymentOutput{}, err
			}
			amend.Cycle = &store.CycleRow{PartnershipID: c.PartnershipID, Cycle: c.Cycle, Summary: summary}
		}
	}
	out.Status = change.Status
	data := map[string]string{"payout_id": po.ID, "transfer_id": po.TransferID, "event_id": ev.EventID,
		"reported": ev.Status, "recorded": po.Status, "provider": word, "outcome": out.Outcome, "after_close": "true"}
	if word == "" {
		data["provider"] = "no answer: " + in.Unanswered
	}
	if code := cmp.Or(ev.FailureCode, out.FailureCode); code != "" {
		data["failure_code"] = code
	}
	if amend.Event.Data, err = json.Marshal(data); err != nil {
		return LatePaymentOutput{}, err
	}
	amend.Event.Type, amend.Event.Actor, amend.Event.Role, amend.Event.At = typ, "partnerflow", partnership.RoleSystem, now
	prior, err := a.Store.AmendClosedPayout(ctx, amend)
	if err != nil {
		return LatePaymentOutput{}, err
	}
	if prior != nil {
		// Recorded before. By this activity's earlier attempt, whose answer was lost: the
		// same outcome, and its e-mails are still to send. Otherwise (a first attempt) by an
		// earlier run or the partnership's workflow, which sent its e-mails then.
		var was struct {
			Outcome string `json:"outcome"`
		}
		_ = json.Unmarshal(prior, &was)
		out.Outcome = cmp.Or(was.Outcome, LateSettled)
		out.Repeat = !activity.IsActivity(ctx) || activity.GetInfo(ctx).Attempt <= 1
	}
	return out, nil
}

// settledOut is out for a report that changes nothing and needs no record.
func settledOut(out LatePaymentOutput) LatePaymentOutput {
	out.Outcome = LateSettled
	return out
}

// afterCloseEvent is the audit event of a settled payout contested after its partnership
// closed, by the word that contests it.
func afterCloseEvent(word string) string {
	if word == partnership.PayoutFailed {
		return "payment_returned_after_close"
	}
	return "payment_reported_after_close"
}

// amendedIn sets the payout payoutID's settled fields to change wherever a state document or
// cycle summary holds it: its payouts, and its cycles' payouts. Everything else in the
// document is kept as it was (its keys in order). A document it cannot read is an error no
// retry mends.
func amendedIn(doc store.JSON, payoutID string, change store.PayoutChange) (store.JSON, error) {
	out, err := amendDoc(doc, payoutID, change)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeUnreadableState, err)
	}
	return out, nil
}

func amendDoc(doc store.JSON, payoutID string, change store.PayoutChange) (store.JSON, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("read the state document: %w", err)
	}
	payouts, err := amendedPayouts(top["payouts"], payoutID, change)
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
			if c["payouts"], err = amendedPayouts(c["payouts"], payoutID, change); err != nil {
				return nil, err
			}
		}
		if top["cycles"], err = json.Marshal(cycles); err != nil {
			return nil, err
		}
	}
	return json.Marshal(top)
}

// amendedPayouts is amendDoc for one payouts array (null or absent stays as it is).
func amendedPayouts(raw json.RawMessage, payoutID string, change store.PayoutChange) (json.RawMessage, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return raw, nil
	}
	var payouts []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &payouts); err != nil {
		return nil, fmt.Errorf("read the payouts: %w", err)
	}
	for _, p := range payouts {
		var id string
		if json.Unmarshal(p["id"], &id) != nil || id != payoutID {
			continue
		}
		for field, v := range map[string]any{"status": change.Status, "failure_code": change.FailureCode, "paid_at": change.PaidAt} {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			p[field] = b
		}
		delete(p, "conflicting_report")
		if change.ConflictingReport != "" {
			p["conflicting_report"], _ = json.Marshal(change.ConflictingReport)
		}
	}
	return json.Marshal(payouts)
}
