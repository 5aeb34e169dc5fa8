package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// compensate ends a cancelled or withdrawn partnership: a pending envelope is voided, a
// contract signed before the brand cancelled makes the kill fee payable, a cancellation during
// the attribution window the commission earned so far (the workflow stays open until what is
// payable is paid), and the creator is told. A contract both parties signed while the
// cancellation was on its way counts as signed: the provider refuses to void it, and
// voidEnvelope records the signature. It runs in a disconnected context so it also completes
// when the workflow itself is being cancelled.
//
// A creator's withdrawal never owes a kill fee, even when it turns out to have crossed both
// signatures (accepted while the contract read unsigned, then the void refused, or the
// completed webhook handled with it): the partnership still ends as the creator asked, stage
// cancelled and outcome withdrawn, with no payout. The contract stays completed and the audit
// trail keeps contract_signed before partnership_withdrawn, since that is what happened at
// the provider; no kill_fee_payable follows.
func (w *partnershipWorkflow) compensate(c partnership.Cancellation) error {
	orig := w.ctx
	dctx, _ := workflow.NewDisconnectedContext(w.ctx)
	w.ctx = dctx
	defer func() { w.ctx = orig }()

	signed := w.signed()
	inTracking := w.st.Stage == partnership.StageTracking
	outcome := "cancelled"
	if c.Role == partnership.RoleCreator {
		outcome = "withdrawn"
	}
	w.st.Cancellation = &c
	// A step held for an admin is not retried once cancelled (the compensation may hold on
	// a step of its own, the commission's count).
	w.st.ProviderHold = nil
	// Void first: the cancel request returns once the stage reads cancelled, and by then the
	// envelope must be void.
	w.voidEnvelope("partnership " + outcome + ": " + c.Reason)
	signed = signed || w.signed()
	w.st.Stage, w.st.Outcome, w.st.NextAction = partnership.StageCancelled, outcome, nil
	w.emit("partnership_"+outcome, partnership.Actor{Sub: c.By, Role: c.Role}, map[string]string{"reason": c.Reason})
	// The cancel request is answered with this write: its next_action says what compensation
	// still does (state only, which no replay compares). What is owed is decided below, once
	// the creator's e-mail is sent, as it always was: deciding it here would let a provider's
	// word on the fee arriving during the e-mail leave the decision stale (the kill fee and the
	// fee both paid), and would change the commands of histories that met such a word.
	w.st.NextAction = w.compensationNext(c, signed, inTracking)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	if err := w.awaitFirstAnswers(); err != nil { // what is owed depends on them (async-transfers)
		return err
	}
	if c.Role != partnership.RoleCreator {
		// The e-mail says what is owed, decided below once it is sent (where the decision has
		// always been made, so histories replay as recorded). Finance's payout actions wait
		// while it is sent (compensating), so the decision cannot change in between.
		w.compensating = true
		err := w.notifyCreator("cancelled", "Your partnership was cancelled", w.cancellationText(c, w.owedToBrandSide(signed), inTracking))
		w.compensating = false
		if err != nil {
			return err
		}
	} else if w.base >= 7 {
		// The creator withdrew: the brand, whose offer or contract it was, is told why, as
		// when the creator declines the offer (version 7; told nobody before). tell queues it
		// (version 6 and later), and the run sends it before it ends.
		if err := w.tell(partnership.RoleBrandManager, "ended/partnership_withdrawn", "A partnership has ended",
			fmt.Sprintf("The creator withdrew from %s. Reason: %s The partnership has ended.%s",
				w.brandPartnershipName(), fullStop(c.Reason), w.idLine())); err != nil {
			return err
		}
	}
	w.decideOwed(c, signed)
	if inTracking {
		if err := w.commissionAfterCancellation(c); err != nil {
			return err
		}
	}
	if err := w.dropUnpayableFee(); err != nil {
		return err
	}
	if len(w.payable) > 0 || len(w.transfers) > 0 { // a transfer under way is seen to its answer
		if err := w.settleAll(); err != nil {
			return err
		}
		w.st.NextAction = nil
		if err := w.persist(w.ctx); err != nil {
			return err
		}
	}
	w.ended = true
	return errEnded
}

// decideOwed makes payable what cancellation c leaves owed: the fee when every post was
// delivered and verified or a fee payout was sent (cancelling during tracking cuts the
// commission window short, not the earned fee); otherwise the kill fee when the contract was
// signed and the brand side cancelled. During tracking the commission on the orders made until
// the cancellation follows, once they are counted (commissionAfterCancellation).
//
// The decision is kept on the state's cancellation (Owed: state only, which no replay
// compares), so that what reads the partnership later (the campaign report) need not work it
// out again from payouts that may have changed since. A decision that owes something is
// always written (the payout loop's writes follow).
func (w *partnershipWorkflow) decideOwed(c partnership.Cancellation, signed bool) {
	switch {
	case (w.delivered() || w.feeSent()) && w.st.Terms.Fee.AmountMinor > 0:
		w.payable = []string{partnership.PayoutKindFee}
		w.emit("fee_payable_after_cancellation", systemActor, map[string]any{"amount": w.st.Terms.Fee})
	case signed && w.st.Terms.KillFee.AmountMinor > 0 && w.owesKillFee(c):
		w.payable = []string{partnership.PayoutKindKillFee}
		w.emit("kill_fee_payable", systemActor, map[string]any{"amount": w.st.Terms.KillFee})
	default:
		w.payable = nil
	}
	if len(w.payable) > 0 && w.st.Cancellation != nil {
		w.st.Cancellation.Owed = w.payable[0]
	}
}

// compensationNext is what the cancel request's answer shows as next, where compensation is
// sure to write it over later (it writes nothing more when nothing is owed, and a write added
// there would change the commands of every such history): the system while it counts the
// orders for the commission (commissionAfterCancellation clears it with its count), or while
// it works out and tells the creator what a brand's cancellation of a signed contract leaves
// owed, which is then always the kill fee or the fee (settle_cancellation: moments, unless
// the e-mail provider is slow; the payout loop then sets finance's trigger_payout); nothing
// otherwise, as before.
func (w *partnershipWorkflow) compensationNext(c partnership.Cancellation, signed, inTracking bool) *partnership.NextAction {
	switch {
	case inTracking && w.st.Terms.CommissionBps > 0 && w.st.Tracking.CountedUntil.IsZero() && w.base >= 5:
		return &partnership.NextAction{Role: partnership.RoleSystem, Action: "collect_conversions"}
	case c.Role != partnership.RoleCreator && signed &&
		(w.st.Terms.KillFee.AmountMinor > 0 || w.delivered() && w.st.Terms.Fee.AmountMinor > 0):
		return &partnership.NextAction{Role: partnership.RoleSystem, Action: "settle_cancellation"}
	}
	return nil
}

// owedToBrandSide is what a cancellation by the brand side leaves owed to the creator, as
// compensate decides it (owesKillFee is true for the brand side): the payout kind, or "".
func (w *partnershipWorkflow) owedToBrandSide(signed bool) string {
	switch {
	case (w.delivered() || w.feeSent()) && w.st.Terms.Fee.AmountMinor > 0:
		return partnership.PayoutKindFee
	case signed && w.st.Terms.KillFee.AmountMinor > 0:
		return partnership.PayoutKindKillFee
	}
	return ""
}

// fullStop trims a reason a person typed and ends it with a full stop unless it ends a
// sentence already.
func fullStop(reason string) string {
	reason = strings.TrimSpace(reason)
	if !strings.HasSuffix(reason, ".") && !strings.HasSuffix(reason, "!") && !strings.HasSuffix(reason, "?") {
		reason += "."
	}
	return reason
}

// cancellationText is the creator's e-mail when the brand side cancels: which partnership,
// why, and what is still owed to them (owed: the payout kind that becomes payable, if any;
// inTracking: cancelled during the attribution window, whose commission is owed too).
func (w *partnershipWorkflow) cancellationText(c partnership.Cancellation, owed string, inTracking bool) string {
	text := fmt.Sprintf("%s cancelled %s. Reason: %s", w.in.BrandName, w.partnershipName(), fullStop(c.Reason))
	switch owed {
	case partnership.PayoutKindFee:
		if w.feeSent() {
			text += fmt.Sprintf(" Your fee of %s, already on its way to your payout account, is yours: the cancellation does not take it back.",
				w.st.Terms.Fee)
			break
		}
		text += fmt.Sprintf(" Your posts were delivered and verified, so your fee of %s is still owed to you: it will be paid to your payout account.",
			w.st.Terms.Fee)
	case partnership.PayoutKindKillFee:
		text += fmt.Sprintf(" The contract was signed, so a kill fee of %s is owed to you: it will be paid to your payout account.",
			w.st.Terms.KillFee)
	}
	if inTracking && w.st.Terms.CommissionBps > 0 && w.base >= 5 {
		text += " Any commission on the orders made with your code or link until the cancellation is counted now and paid to your payout account."
	}
	return text
}

func (w *partnershipWorkflow) registerCancelUpdate() error {
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateCancel,
		func(ctx workflow.Context, r partnership.CancelRequest) (partnership.Ack, error) {
			w.cancel = &partnership.Cancellation{By: r.Actor.Sub, Role: r.Actor.Role, Reason: r.Reason, At: workflow.Now(ctx).UTC()}
			// The main loop runs the compensation; wait until the read model holds it, so the
			// caller sees the outcome (the envelope is void by then). Versioned: this handler
			// used to complete as soon as the stage read cancelled, before the compensation's
			// local activity, and histories from then must replay that way (only a replay takes
			// that branch, so nobody reads its Ack).
			if !w.changed(ctx, "cancel-ack-after-write") {
				err := workflow.Await(ctx, func() bool { return w.st.Stage == partnership.StageCancelled })
				return partnership.Ack{Stage: w.st.Stage}, err
			}
			// A partnership that ended otherwise before the cancellation applied (a race the
			// main loop lost) answers so, rather than leaving the caller and the workflow waiting.
			err := workflow.Await(ctx, func() bool {
				return w.persistedStage == partnership.StageCancelled || w.ended && w.persistedStage.Terminal()
			})
			if err == nil && w.persistedStage != partnership.StageCancelled {
				return partnership.Ack{}, w.conflict("the partnership ended %s before the cancellation applied", w.persistedStage)
			}
			return partnership.Ack{Stage: w.persistedStage, Version: w.persisted}, err
		},
		workflow.UpdateHandlerOptions{Validator: func(r partnership.CancelRequest) error {
			if err := w.requireRole(r.Actor, partnership.RoleBrandManager, partnership.RoleAdmin, partnership.RoleCreator); err != nil {
				return err
			}
			switch {
			case w.cancel != nil && !w.st.Stage.Terminal():
				return w.conflict("the partnership is already being cancelled")
			case w.ended || w.cancel != nil || w.st.Stage.Terminal():
				return w.conflict("the partnership is already %s", w.st.Stage.InWords())
			case w.st.Stage == partnership.StagePayout:
				return w.conflict("a partnership in the payout stage can no longer be cancelled")
			}
			if r.Actor.Role == partnership.RoleCreator && w.signed() {
				return w.conflict("the contract is signed; a creator can only withdraw before signing")
			}
			// The creator's own signature counts, even while the brand has still to sign: a
			// creator withdraws before signing, not after (PRODUCT.md). A validator only: replays
			// do not run it, so no version is needed.
			if r.Actor.Role == partnership.RoleCreator && w.st.Contract.Signers.Creator.SignedAt != nil {
				return w.conflict("you signed the contract; a creator can only withdraw before signing (the brand may still cancel, or the signing deadline pass)")
			}
			if strings.TrimSpace(r.Reason) == "" {
				return w.invalid("reason is required: say why")
			}
			return nil
		}})
}

// owesKillFee reports whether cancellation c makes the kill fee of a signed contract payable:
// a cancellation by the brand side does (a brand manager, an admin, or an operator cancelling
// the workflow, which compensate treats as the brand's cancellation); a creator's withdrawal
// does not. Versioned: a withdrawal that crossed both signatures used to owe the kill fee,
// and histories from then must replay that way. Called only on that path, so other
// partnerships record no marker.
func (w *partnershipWorkflow) owesKillFee(c partnership.Cancellation) bool {
	if c.Role != partnership.RoleCreator {
		return true
	}
	return !w.changed(w.ctx, "withdrawal-owes-no-kill-fee")
}

// delivered reports whether every deliverable's post is verified: the fee is earned.
// feeSent reports whether a fee payout's transfer is out or paid. The fee then counts as
// earned, whatever a later re-check found (fee-on-verification pays it before the re-check),
// and no kill fee is owed on top of it.
func (w *partnershipWorkflow) feeSent() bool {
	for _, p := range w.st.Payouts {
		if p.Kind == partnership.PayoutKindFee && (p.Status == partnership.PayoutProcessing || p.Status == partnership.PayoutPaid) {
			return true
		}
	}
	return false
}

// dropUnpayableFee fails a fee payout still waiting for its second approval when the
// cancellation left the fee unpaid (the re-check had put the posts on hold, so the kill fee
// is owed instead): approved later, it would pay both. Only fee-on-verification makes a fee
// payout before the re-check, so partnerships from before it never have one here.
func (w *partnershipWorkflow) dropUnpayableFee() error {
	if slices.Contains(w.payable, partnership.PayoutKindFee) {
		return nil
	}
	dropped := false
	for i := range w.st.Payouts {
		p := &w.st.Payouts[i]
		if p.Kind == partnership.PayoutKindFee && p.Status == partnership.PayoutAwaitingApproval {
			p.Status, p.FailureCode = partnership.PayoutFailed, "partnership_cancelled"
			w.emit("payout_failed", systemActor, map[string]string{"payout_id": p.ID, "failure_code": p.FailureCode})
			dropped = true
		}
	}
	if !dropped {
		return nil
	}
	w.changes++
	return w.persist(w.ctx)
}

func (w *partnershipWorkflow) delivered() bool {
	if len(w.st.Deliverables) == 0 {
		return false
	}
	for _, d := range w.st.Deliverables {
		if d.Status != partnership.DeliverableVerified {
			return false
		}
	}
	return true
}

// signed reports whether both parties signed the contract.
func (w *partnershipWorkflow) signed() bool { return w.st.Contract.Status == "completed" }
