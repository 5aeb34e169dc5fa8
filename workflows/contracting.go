package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// contracting renders the agreed terms into an envelope, waits for both signatures and then
// creates the creator's discount code and tracking link.
func (w *partnershipWorkflow) contracting() error {
	w.setStage(partnership.StageContracting)
	w.setNext(partnership.RoleSystem, "create_contract", 0)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	var env activities.EnvelopeOutput
	if err := w.callProvider(providerStep{name: "create_contract", provider: providerESign}, func(keySeq int) error {
		return workflow.ExecuteActivity(w.providerCtx(), a.CreateEnvelope, activities.EnvelopeInput{
			IdempotencyKey: w.idemKey("envelope", keySeq), PartnershipID: w.in.PartnershipID, CreatorID: w.in.CreatorID,
			BrandID: w.in.BrandID, BrandName: w.in.BrandName, Jurisdiction: w.in.Campaign.Jurisdiction, Terms: w.st.Terms,
			Date: workflow.Now(w.ctx).UTC(), SignWithinSeconds: w.in.Campaign.OfferTTLSeconds, DraftDueSeconds: w.in.Campaign.DraftDueSeconds,
		}).Get(w.ctx, &env)
	}); err != nil {
		return err
	}
	w.st.Contract = partnership.Contract{EnvelopeID: env.EnvelopeID, Status: env.Status, SigningURLs: env.SigningURLs}
	w.emit("contract_sent", systemActor, map[string]string{"envelope_id": env.EnvelopeID})
	w.applyEarlyESign()

	ok, err := w.awaitSignatures()
	if err != nil {
		return err
	}
	signedNow := w.esign != nil && w.esign.Status == "completed"
	switch {
	case w.cancelled() && !signedNow:
		return w.compensate(*w.cancel)
	case !ok && !signedNow:
		w.voidEnvelope("signing deadline passed")
		if w.cancelled() && w.changed(w.ctx, "cancel-at-signing-deadline") {
			// Cancelled or withdrawn while the void ran: the partnership ends as its people
			// asked (compensate skips the void envelope, and owes the kill fee if the refused
			// void found it signed). The old branch ended it expired and left the cancel
			// unanswered, the workflow open; asked only on this path.
			return w.compensate(*w.cancel)
		}
		// The void is refused when the envelope reached a final status just as the deadline
		// passed; voidEnvelope then recorded it.
		switch w.st.Contract.Status {
		case "completed": // both signed in time after all: carry on as signed
		case "declined":
			return w.end(partnership.StageDeclined, "declined", "contract_declined", systemActor, nil)
		default:
			w.st.Contract.Status = "expired"
			return w.end(partnership.StageExpired, "expired", "contract_expired", systemActor, nil)
		}
	default:
		ev := *w.esign
		w.st.Contract.Status = ev.Status
		switch ev.Status {
		case "completed":
		case "declined":
			data := map[string]string{"event_id": ev.EventID}
			if ev.DeclinedBy != "" {
				// Who declined and why, when the provider says (as the signatures are
				// recorded: the provider's word, the signer and the role acting for it).
				w.st.Contract.DeclinedBy, w.st.Contract.DeclineReason = ev.DeclinedBy, ev.Reason
				data["signer"], data["role"] = ev.DeclinedBy, signerRole(ev.DeclinedBy)
				if ev.Reason != "" {
					data["reason"] = ev.Reason
				}
			}
			return w.end(partnership.StageDeclined, "declined", "contract_declined", systemActor, data)
		case "expired":
			// Expired at the provider ends the partnership as our own signing deadline does.
			// Versioned ("provider-expiry-expires", asked only here): the old branch ended it
			// as cancelled, outcome contract_expired, which a client filtering on
			// stage=expired missed.
			if w.changed(w.ctx, "provider-expiry-expires") {
				return w.end(partnership.StageExpired, "expired", "contract_expired", systemActor, map[string]string{"event_id": ev.EventID})
			}
			return w.end(partnership.StageCancelled, "contract_expired", "contract_expired", systemActor, map[string]string{"event_id": ev.EventID})
		default: // voided at the provider
			return w.end(partnership.StageCancelled, "contract_"+ev.Status, "contract_"+ev.Status, systemActor, map[string]string{"event_id": ev.EventID})
		}
		w.recordSigned(map[string]string{"event_id": ev.EventID})
	}
	if w.cancelled() && w.changed(w.ctx, "no-code-after-cancel") {
		// Signed, but a cancellation or withdrawal came with the signatures: nothing will be
		// posted or sold, so no discount code is made for it. The old branch made the code
		// first and cancelled as content opened. Asked only on this path.
		return w.compensate(*w.cancel)
	}
	w.setNext(partnership.RoleSystem, "create_discount_code", 0)
	if err := w.persist(w.ctx); err != nil {
		return err
	}

	var dc activities.DiscountOutput
	if err := w.callProvider(providerStep{name: "create_discount_code", provider: providerCommerce}, func(keySeq int) error {
		return workflow.ExecuteActivity(w.providerCtx(), a.CreateDiscountCode, activities.DiscountInput{
			IdempotencyKey: w.idemKey("discount", keySeq), PartnershipID: w.in.PartnershipID, CreatorHandle: w.in.CreatorHandle,
		}).Get(w.ctx, &dc)
	}); err != nil {
		return err
	}
	w.st.Tracking.DiscountCode, w.st.Tracking.Link = dc.Code, dc.Link
	w.st.Tracking.Revenue.Currency = w.st.Terms.Fee.Currency
	w.emit("discount_code_created", systemActor, map[string]string{"code": dc.Code})
	return nil
}

// recordSigned records that both parties signed: the contract, when, and the exclusivity
// window that starts then.
func (w *partnershipWorkflow) recordSigned(data map[string]string) {
	now := workflow.Now(w.ctx).UTC()
	w.st.Contract.Status = "completed"
	w.st.Contract.SignedAt = &now
	w.completeSignatures(now)
	if days := w.st.Terms.ExclusivityDays; days > 0 {
		end := now.AddDate(0, 0, days)
		w.st.ExclusivityEndsAt = &end
	}
	w.emit("contract_signed", systemActor, data)
}

// voidEnvelope voids a pending envelope; it survives workflow cancellation and a failure is
// recorded rather than stopping the partnership from ending.
//
// The envelope may reach a final status at the provider while the void is on its way: both
// parties signed, or the creator declined. The provider then refuses the void, and the
// activity reports which status it found (or the provider's webhook told the workflow while
// the void ran). That status is recorded: a contract signed in a race with a cancellation is
// signed, and makes the kill fee payable; one signed as the signing deadline passed goes on.
// Versioned: such a refusal used to be recorded as a failed void only, and the partnership
// ended as if unsigned; histories from then must replay that way.
func (w *partnershipWorkflow) voidEnvelope(reason string) {
	if w.st.Contract.EnvelopeID == "" || w.signed() || w.st.Contract.Status == "voided" {
		return
	}
	dctx, _ := workflow.NewDisconnectedContext(w.ctx)
	dctx = workflow.WithActivityOptions(dctx, providerOptions)
	err := workflow.ExecuteActivity(dctx, a.VoidEnvelope, activities.VoidInput{EnvelopeID: w.st.Contract.EnvelopeID, Reason: reason}).Get(dctx, nil)
	if err == nil {
		w.st.Contract.Status = "voided"
		w.emit("envelope_voided", systemActor, map[string]string{"reason": reason})
		return
	}
	status, refused := envelopeFinalStatus(err)
	eventID := ""
	if !refused && w.esign != nil && w.esign.EnvelopeID == w.st.Contract.EnvelopeID &&
		(w.esign.Status == "completed" || w.esign.Status == "declined") {
		status, eventID = w.esign.Status, w.esign.EventID
	}
	if status == "" || !w.changed(w.ctx, "void-refused-envelope-final") {
		w.emit("envelope_void_failed", systemActor, map[string]string{"error": rootMessage(err)})
		return
	}
	signedBy := map[string]string{"event_id": eventID}
	if refused {
		w.emit("envelope_void_refused", systemActor, map[string]string{"status": status, "reason": reason})
		signedBy = map[string]string{"found_by": "void_refused"}
	} else {
		w.emit("envelope_void_failed", systemActor, map[string]string{"error": rootMessage(err)})
	}
	w.st.Contract.Status = status
	if status == "completed" {
		w.recordSigned(signedBy)
	}
}

// envelopeFinalStatus is the status VoidEnvelope found when the provider refused to void an
// envelope that was already completed or declined.
func envelopeFinalStatus(err error) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeEnvelopeFinal {
		return "", false
	}
	var final activities.EnvelopeFinal
	if appErr.Details(&final) != nil || (final.Status != "completed" && final.Status != "declined") {
		return "", false
	}
	return final.Status, true
}
