package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// financeDue is how long finance has to act on a payable or approvable payout before the
// partnership escalates it; the campaign has no setting for it. The OpenAPI document
// (NextAction.due_at) tells clients: change both.
const financeDue = 7 * 24 * time.Hour

// transferRetryWait is how long a payout whose transfer ran out of retries waits before its
// key is tried again.
const transferRetryWait = time.Hour

// payout waits until every payable kind is paid: finance triggers, a second finance user
// approves large amounts, the transfer goes out with an idempotency key and the provider's
// webhook settles it. Failed payouts go back to finance.
func (w *partnershipWorkflow) payout() error {
	w.setStage(partnership.StagePayout)
	return w.settleAll()
}

// settleAll runs the payout loop until every payable kind is paid.
func (w *partnershipWorkflow) settleAll() error {
	for {
		if err := w.settle(); err != nil {
			return err
		}
		// Not while a transfer is under way (asyncTransfers), even for a payout no longer
		// owed: the partnership must not end with a transfer it does not know of.
		if w.allPaid() && len(w.transfers) == 0 {
			return nil
		}
		if err := w.askSecondApprovals(); err != nil {
			return err
		}
		role, action := w.payoutNextAction()
		changes := w.changes
		ok, err := w.waitForPerson(role, action, financeDue, func() bool { return w.changes != changes || w.payoutWork() })
		if err != nil {
			return err
		}
		if w.cancelled() {
			return w.compensate(*w.cancel)
		}
		if !ok {
			if err := w.overdue(role, action, map[string]string{"role": role, "action": action}); err != nil {
				return err
			}
		}
	}
}

func (w *partnershipWorkflow) allPaid() bool {
	for _, kind := range w.payable {
		paid := false
		for _, p := range w.st.Payouts {
			paid = paid || (p.Kind == kind && p.Status == partnership.PayoutPaid)
		}
		if !paid {
			return false
		}
	}
	return true
}

func (w *partnershipWorkflow) payoutNextAction() (string, string) {
	for _, p := range w.st.Payouts {
		if p.Status == partnership.PayoutAwaitingApproval {
			return partnership.RoleFinance, "approve_payout"
		}
	}
	for _, p := range w.st.Payouts {
		if p.Status == partnership.PayoutProcessing {
			return partnership.RoleSystem, "await_transfer"
		}
	}
	return partnership.RoleFinance, "trigger_payout"
}

// payoutWork reports whether settle has something to do: a transfer to make or whose answer
// came, or a payment event for a transfer made. A transfer under way is not work (asyncTransfers):
// its answer wakes the waits, and a payment event for it waits for the transfer's id.
func (w *partnershipWorkflow) payoutWork() bool {
	for _, p := range w.st.Payouts {
		if p.Status != partnership.PayoutProcessing {
			continue
		}
		if p.TransferID == "" {
			if !w.asyncTransfers {
				return true
			}
			if call, ok := w.transfers[p.ID]; !ok || call.done {
				return true
			}
			continue
		}
		if _, ok := w.payments[p.ID]; ok {
			return true
		}
	}
	return false
}

// transferCall is one payout's CreateTransfer, made in its own coroutine (startTransfer).
type transferCall struct {
	done bool
	// retry: the transfer went in doubt before and this call asks for it again.
	retry bool
	out   activities.TransferOutput
	err   error
}

// transfersAsync reports whether transfers are made beside the waits rather than in them.
// Versioned ("async-transfers", asked where settle first has a transfer to make): the
// transfer was made in line, so while it retried (for up to a day with the provider down)
// or waited its hour in doubt, settle held whatever called it: the re-check of the posts and
// the attribution window's count waited as long, and so did a cancellation's answer.
func (w *partnershipWorkflow) transfersAsync() bool {
	if !w.asyncTransfers {
		w.asyncTransfers = w.changed(w.ctx, "async-transfers")
	}
	return w.asyncTransfers
}

// startTransfer makes payout p's transfer in a coroutine of its own, after the in-doubt wait
// when retry is set (awaitTransferRetry). The key is the payout's, so every attempt asks for
// the same transfer.
//
// The coroutine runs in a disconnected context: when an operator cancels the workflow, the
// transfer is seen to its answer (compensate waits for it), as the old branch's in-line call
// was, instead of being abandoned with money perhaps sent. A transfer made is recorded at
// once, whatever the partnership waits for meanwhile (a compliance hold, a provider hold): its
// id is what finance and the provider's webhook are matched by. Any other answer (refused, no
// payout profile, in doubt) is settle's to apply, with its e-mails; payoutWork wakes the waits
// that settle.
func (w *partnershipWorkflow) startTransfer(p partnership.Payout, retry bool) {
	call := &transferCall{retry: retry}
	w.transfers[p.ID] = call
	dctx, _ := workflow.NewDisconnectedContext(w.ctx)
	workflow.Go(dctx, func(ctx workflow.Context) {
		defer func() { call.done = true }()
		if retry {
			if call.err = w.awaitTransferRetry(ctx, p.ID); call.err != nil {
				return
			}
		}
		call.err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, providerOptions), a.CreateTransfer, w.transferInput(p)).Get(ctx, &call.out)
		if call.err == nil && w.transferMade(ctx, p.ID, call.out.TransferID) {
			w.awaitPaid(ctx, p.ID)
		}
	})
}

// awaitFirstAnswers waits until no transfer's first attempt is still under way, and applies
// the answers. What a cancellation leaves owed depends on whether the fee was sent
// (feeSent), which the old branch knew when it decided, its transfers being made in line: a
// fee refused at its first attempt is not on its way. A transfer in doubt has answered (its
// fee counts as sent, as it did). A cancellation waits here only for a first attempt still
// retrying, as long as the old branch's in-line call would have held it.
func (w *partnershipWorkflow) awaitFirstAnswers() error {
	if len(w.transfers) == 0 {
		return nil
	}
	if err := workflow.Await(w.ctx, func() bool {
		for _, p := range w.st.Payouts { // in order, not the map's
			if c, ok := w.transfers[p.ID]; ok && !c.done && !c.retry {
				return false
			}
		}
		return true
	}); err != nil {
		return err
	}
	return w.settle()
}

// awaitPaid records the provider's word that a payout's transfer is paid as soon as it
// comes, beside whatever the partnership waits for (settle applies it only in the waits that
// settle payouts, and a compliance hold can last): finance's view of the money is never a
// processing payout the provider has paid. A failed transfer is settle's, with its e-mails; the
// wait ends once the payout is not processing any more, however that came.
func (w *partnershipWorkflow) awaitPaid(ctx workflow.Context, payoutID string) {
	var paid *partnership.PaymentEvent
	if err := workflow.Await(ctx, func() bool {
		po, ok := w.findPayout(payoutID)
		if !ok || po.Status != partnership.PayoutProcessing {
			return true
		}
		ev, ok := w.payments[payoutID]
		if ok && ev.Status == "paid" && (ev.TransferID == "" || ev.TransferID == po.TransferID) {
			paid = &ev
			return true
		}
		return false
	}); err != nil || paid == nil {
		return
	}
	delete(w.payments, payoutID)
	po, _ := w.findPayout(payoutID)
	w.markPaid(po, *paid, workflow.Now(ctx).UTC())
	w.recordFromTransfer(ctx, payoutID)
}

// receivePayment keeps a provider's payment event for settle and awaitPaid. A report that
// contradicts what the provider said before of the same transfer (failed for a transfer it
// reported paid, or paid for one it reported failed) changes no money: the first word stands,
// whether it was applied already or waits in the same workflow task, and the contradiction is
// recorded and sent to finance (paymentConflict). Keeping only the payout's latest event let
// the order in which the two arrived decide, and a failure after a payment then made the fee
// payable again: the creator paid twice. Versioned ("payment-conflicts", asked only on such a
// report): the old branch kept the latest event, which settle applied only while the payout
// was processing.
func (w *partnershipWorkflow) receivePayment(ctx workflow.Context, ev partnership.PaymentEvent) {
	said := w.transferSaid(ev)
	if said == "" || said == ev.Status || !w.changed(ctx, "payment-conflicts") {
		w.payments[ev.PayoutID] = ev
		return
	}
	if po, ok := w.findAnyPayout(ev.PayoutID); ok && !settled(po.Status) {
		// The first word waits (in this workflow task) to be applied: the contradiction is
		// weighed once it is, against what the payout then says, so the audit trail and the
		// e-mails follow the order of the reports, and a first word that turns out not to be
		// about this payout's transfer leaves no conflict.
		workflow.Go(ctx, func(gctx workflow.Context) {
			if workflow.Await(gctx, func() bool {
				po, ok := w.findAnyPayout(ev.PayoutID)
				return !ok || settled(po.Status)
			}) != nil {
				return
			}
			if now := w.transferSaid(ev); now != "" && now != ev.Status {
				w.paymentConflict(gctx, ev, now)
			}
		})
		return
	}
	w.paymentConflict(ctx, ev, said)
}

// settled reports whether a payout's status (or a payment event's) is the provider's last
// word so far: paid or failed.
func settled(status string) bool {
	return status == partnership.PayoutPaid || status == partnership.PayoutFailed
}

// transferSaid is what the provider said before of ev's transfer, paid or failed: an event for
// it still waiting to be applied, or its payout's status once settled with that transfer; ""
// when it said nothing yet. An event naming no transfer is taken for the payout's.
func (w *partnershipWorkflow) transferSaid(ev partnership.PaymentEvent) string {
	if p, ok := w.payments[ev.PayoutID]; ok && settled(p.Status) &&
		(p.TransferID == "" || ev.TransferID == "" || p.TransferID == ev.TransferID) {
		return p.Status
	}
	po, ok := w.findAnyPayout(ev.PayoutID)
	if !ok || po.TransferID == "" || (ev.TransferID != "" && ev.TransferID != po.TransferID) || !settled(po.Status) {
		return ""
	}
	return po.Status // a payment event's statuses are the payout's: paid, failed
}

// paymentConflict records a payment report that contradicts the provider's earlier word
// (payment_conflict in the audit trail, the payout's ConflictingReport) and e-mails finance,
// once per payout, transfer and reported status: nothing is paid again or taken back until
// someone has checked the transfer at the provider.
func (w *partnershipWorkflow) paymentConflict(ctx workflow.Context, ev partnership.PaymentEvent, said string) {
	key := ev.PayoutID + "/" + ev.TransferID + "/" + ev.Status
	if w.conflicts[key] {
		return
	}
	w.conflicts[key] = true
	if po, ok := w.findAnyPayout(ev.PayoutID); ok && settled(po.Status) && (ev.TransferID == "" || ev.TransferID == po.TransferID) {
		po.ConflictingReport = ev.Status
	}
	data := map[string]string{"payout_id": ev.PayoutID, "transfer_id": ev.TransferID, "event_id": ev.EventID,
		"reported": ev.Status, "recorded": said}
	if ev.FailureCode != "" {
		data["failure_code"] = ev.FailureCode
	}
	w.emit("payment_conflict", systemActor, data)
	what := "The payout stays paid and nothing is payable again: if the money did not reach the creator, trigger the payout again only once the provider confirms the transfer failed."
	if said == "failed" {
		what = "The payout stays failed: check the transfer at the provider before triggering the payout again, or the creator may be paid twice. Partnerflow takes a new trigger only with a reason."
	}
	// Queued for noticeLoop (a signal's coroutine sends nothing in line); a partnership too old
	// to run noticeLoop (turnEmails) has the audit trail's word only.
	if w.turnEmails {
		w.notices = append(w.notices, notice{Role: partnership.RoleFinance, Step: "payment_conflict/" + ev.PayoutID + "/" + ev.Status,
			Subject: "A payment report contradicts an earlier one", Text: fmt.Sprintf("The payments provider reported transfer %s of payout %s of partnership %s (%s) as %s%s, after reporting it %s. %s",
				ev.TransferID, ev.PayoutID, w.in.PartnershipID, w.in.BrandName, ev.Status, failureNote(ev.FailureCode), said, what)})
	}
	w.recordFromTransfer(ctx, ev.PayoutID)
}

// failureNote is " (code)" for a failure code, "" without one.
func failureNote(code string) string {
	if code == "" {
		return ""
	}
	return " (" + code + ")"
}

// recordFromTransfer wakes the waits on a change a transfer's coroutine (or a payment report)
// made and asks for its write. Only a partnership writing each change on its own (from before
// record-once-per-task) can fail that write here; the change and its event stay, and its next
// write carries them.
func (w *partnershipWorkflow) recordFromTransfer(ctx workflow.Context, payoutID string) {
	w.changes++
	if err := w.persist(ctx); err != nil {
		workflow.GetLogger(ctx).Warn("read-model write from a transfer failed; the next write carries it",
			"payout_id", payoutID, "error", err)
	}
}

// markPaid records a payout paid, as the provider's event says.
func (w *partnershipWorkflow) markPaid(po *partnership.Payout, ev partnership.PaymentEvent, at time.Time) {
	po.Status, po.PaidAt = partnership.PayoutPaid, &at
	w.emit("payout_paid", systemActor, map[string]string{"payout_id": po.ID, "transfer_id": ev.TransferID})
}

// transferMade records the transfer made for a payout still waiting for it, and forgets the
// call; it reports whether it recorded it.
func (w *partnershipWorkflow) transferMade(ctx workflow.Context, payoutID, transferID string) bool {
	delete(w.transfers, payoutID)
	po, ok := w.findPayout(payoutID)
	if !ok || po.Status != partnership.PayoutProcessing || po.TransferID != "" {
		return false
	}
	po.TransferID = transferID
	w.emit("transfer_created", systemActor, map[string]string{"payout_id": payoutID, "transfer_id": transferID})
	w.recordFromTransfer(ctx, payoutID)
	return true
}

func (w *partnershipWorkflow) transferInput(p partnership.Payout) activities.TransferInput {
	return activities.TransferInput{
		IdempotencyKey: w.idemKey("payout/"+p.ID, 1), PartnershipID: w.in.PartnershipID, PayoutID: p.ID,
		CreatorID: w.in.CreatorID, Amount: p.Amount, InDoubt: w.transferInDoubt[p.ID],
	}
}

// settle sends transfers for approved payouts and applies payment webhooks.
func (w *partnershipWorkflow) settle() error {
	var failed []partnership.Payout
	for i := range w.st.Payouts {
		p := w.st.Payouts[i]
		if p.Status != partnership.PayoutProcessing {
			continue
		}
		if p.TransferID == "" {
			var out activities.TransferOutput
			var err error
			if w.transfersAsync() {
				call, ok := w.transfers[p.ID]
				if !ok {
					w.startTransfer(p, false)
					continue
				}
				if !call.done {
					continue
				}
				delete(w.transfers, p.ID)
				out, err = call.out, call.err
			} else {
				err = workflow.ExecuteActivity(w.providerCtx(), a.CreateTransfer, w.transferInput(p)).Get(w.ctx, &out)
			}
			po := &w.st.Payouts[i]
			var appErr *temporal.ApplicationError
			switch {
			case errors.As(err, &appErr) && appErr.Type() == activities.ErrTypePayoutProfileMissing:
				po.Status, po.FailureCode = partnership.PayoutFailed, "payout_profile_missing"
				w.emit("payout_failed", systemActor, map[string]string{"payout_id": p.ID, "failure_code": po.FailureCode})
				failed = append(failed, *po)
			case errors.As(err, &appErr) && appErr.Type() == providers.ErrTypeRejected:
				// The provider refused the first attempt (CreateTransfer makes a retry's
				// refusal retryable): no transfer exists under this key, so finance may
				// trigger the payout again once the cause is fixed.
				po.Status, po.FailureCode = partnership.PayoutFailed, "transfer_rejected"
				w.emit("payout_failed", systemActor, map[string]string{"payout_id": p.ID, "failure_code": po.FailureCode, "message": appErr.Message()})
				failed = append(failed, *po)
			case temporal.IsCanceledError(err):
				return err
			case err != nil:
				// Out of retries (a provider down for a day, a transfer in doubt): the key
				// may have made a transfer, so the payout is neither failed nor re-keyed. It
				// stays processing, finance sees why, and the same key is tried again later.
				// The next execution starts at attempt 1 again: tell it the transfer is in doubt,
				// so that a refusal or a missing profile does not count as a first answer.
				w.transferInDoubt[p.ID] = true
				w.emit("transfer_delayed", systemActor, map[string]string{"payout_id": p.ID, "error": rootMessage(err)})
				w.setNext(partnership.RoleSystem, "await_transfer", transferRetryWait)
				w.changes++
				if err := w.persist(w.ctx); err != nil {
					return err
				}
				if w.asyncTransfers {
					w.startTransfer(p, true)
					continue
				}
				if err := w.awaitTransferRetry(w.ctx, p.ID); err != nil {
					return err
				}
				continue
			default:
				po.TransferID = out.TransferID
				w.emit("transfer_created", systemActor, map[string]string{"payout_id": p.ID, "transfer_id": out.TransferID})
			}
			w.changes++
			if err := w.persist(w.ctx); err != nil {
				return err
			}
			continue
		}
		ev, ok := w.payments[p.ID]
		if !ok {
			continue
		}
		delete(w.payments, p.ID)
		if ev.TransferID != "" && ev.TransferID != p.TransferID {
			continue // an event for another transfer (an earlier, failed attempt): not this one
		}
		po := &w.st.Payouts[i]
		now := workflow.Now(w.ctx).UTC()
		switch ev.Status {
		case "paid":
			w.markPaid(po, ev, now)
		case "failed":
			po.Status, po.FailureCode = partnership.PayoutFailed, ev.FailureCode
			w.emit("payout_failed", systemActor, map[string]string{"payout_id": p.ID, "failure_code": ev.FailureCode})
			failed = append(failed, *po)
		default:
			continue
		}
		w.changes++
		if err := w.persist(w.ctx); err != nil {
			return err
		}
	}
	for _, p := range failed {
		if err := w.tellPayoutFailed(p); err != nil {
			return err
		}
	}
	return nil
}

// tellPayoutFailed e-mails the creator and the finance team that a payout failed, once it is
// recorded: the creator may have to fix their payout details, and finance must trigger it
// again. Versioned ("failure-emails", asked only when a payout fails or a post fails its
// verification): a failure used to show in the state and the audit trail only.
func (w *partnershipWorkflow) tellPayoutFailed(p partnership.Payout) error {
	if !w.failureEmails() {
		return nil
	}
	fix := "Check your payout details in Partnerflow; the payment will be sent again once they are right."
	if p.FailureCode == "payout_profile_missing" {
		fix = "Add your payout details (payments account and tax form) in Partnerflow so that it can be sent."
	}
	if err := w.tell(partnership.RoleCreator, "payout_failed/"+p.ID, "Your payment could not be sent",
		fmt.Sprintf("The %s payment of %s for your partnership with %s could not be sent (%s). %s", humanize(p.Kind), p.Amount, w.in.BrandName, humanize(p.FailureCode), fix)); err != nil {
		return err
	}
	return w.tell(partnership.RoleFinance, "payout_failed/"+p.ID, "A payout failed",
		fmt.Sprintf("Payout %s (%s, %s) of partnership %s (%s) failed: %s. Trigger it again once the cause is fixed.",
			p.ID, humanize(p.Kind), p.Amount, w.in.PartnershipID, w.in.BrandName, humanize(p.FailureCode)))
}

// askSecondApprovals e-mails the finance team once for each payout that waits for a second
// approval: it must come from a finance user other than the one who triggered it, who cannot
// give it, so the team is asked. Versioned ("approval-emails", asked only when a payout waits
// for approval): such a payout used to show in next_action and the work queues only.
func (w *partnershipWorkflow) askSecondApprovals() error {
	for _, p := range w.st.Payouts {
		if p.Status != partnership.PayoutAwaitingApproval || w.approvalAsked[p.ID] {
			continue
		}
		w.approvalAsked[p.ID] = true
		if !w.changed(w.ctx, "approval-emails") {
			continue
		}
		if err := w.tell(partnership.RoleFinance, "approve_payout/"+p.ID, "A payout awaits a second approval",
			fmt.Sprintf("Payout %s (%s, %s) of partnership %s (%s), triggered by %s, is at or above the dual-approval threshold and awaits the approval of another finance user.",
				p.ID, humanize(p.Kind), p.Amount, w.in.PartnershipID, w.in.BrandName, p.TriggeredBy)); err != nil {
			return err
		}
	}
	return nil
}

// failureEmails reports whether this partnership e-mails the people who must act on a failed
// payout or a failed post verification (tellPayoutFailed, verifyPending).
func (w *partnershipWorkflow) failureEmails() bool {
	return w.changed(w.ctx, "failure-emails")
}

// awaitTransferRetry waits the hour before a transfer in doubt is asked for again, or less:
// the provider's payment event for the payout (it made the transfer after all, and says paid
// or failed) ends the wait at once, and the same key then returns that transfer. Versioned
// ("transfer-wait-wakes", asked only on this path): the wait was a plain Sleep, which no
// event shortened, so a payout the provider had paid read processing for up to an hour.
func (w *partnershipWorkflow) awaitTransferRetry(ctx workflow.Context, payoutID string) error {
	if !w.changed(ctx, "transfer-wait-wakes") {
		return workflow.Sleep(ctx, transferRetryWait)
	}
	_, err := workflow.AwaitWithTimeout(ctx, transferRetryWait, func() bool {
		_, reported := w.payments[payoutID]
		return reported
	})
	return err
}

// nextPayoutID numbers payouts; in later ambassador cycles the cycle is part of the id, so the
// idempotency key of a payout never repeats an earlier cycle's (which would return that
// cycle's transfer instead of paying this one).
func (w *partnershipWorkflow) nextPayoutID() string {
	if w.st.Cycle > 1 {
		return fmt.Sprintf("c%d-po_%d", w.st.Cycle, len(w.st.Payouts)+1)
	}
	return fmt.Sprintf("po_%d", len(w.st.Payouts)+1)
}

func (w *partnershipWorkflow) amountFor(kind string) partnership.Money {
	switch kind {
	case partnership.PayoutKindCommission:
		return w.commission()
	case partnership.PayoutKindKillFee:
		return w.st.Terms.KillFee
	}
	return w.st.Terms.Fee
}

// findAnyPayout is findPayout that also looks in the finished cycles of an ambassador
// partnership (the latest first), whose transfers a provider may still report on.
func (w *partnershipWorkflow) findAnyPayout(id string) (*partnership.Payout, bool) {
	if po, ok := w.findPayout(id); ok {
		return po, true
	}
	for c := len(w.st.Cycles) - 1; c >= 0; c-- {
		for i := range w.st.Cycles[c].Payouts {
			if w.st.Cycles[c].Payouts[i].ID == id {
				return &w.st.Cycles[c].Payouts[i], true
			}
		}
	}
	return nil, false
}

func (w *partnershipWorkflow) findPayout(id string) (*partnership.Payout, bool) {
	for i := range w.st.Payouts {
		if w.st.Payouts[i].ID == id {
			return &w.st.Payouts[i], true
		}
	}
	return nil, false
}

func (w *partnershipWorkflow) registerPayoutUpdates() error {
	if err := workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateTriggerPayout,
		func(ctx workflow.Context, t partnership.PayoutTrigger) (partnership.Payout, error) {
			p := partnership.Payout{
				ID: w.nextPayoutID(), Kind: t.Kind, Amount: w.amountFor(t.Kind),
				Status: partnership.PayoutProcessing, TriggeredBy: t.Actor.Sub,
			}
			if th := w.in.Campaign.DualApprovalThresholdMinor; th > 0 && p.Amount.AmountMinor >= th {
				p.Status = partnership.PayoutAwaitingApproval
			}
			w.st.Payouts = append(w.st.Payouts, p)
			w.changes++
			data := map[string]any{"payout_id": p.ID, "kind": p.Kind, "amount": p.Amount, "status": p.Status}
			if t.Reason != "" {
				data["reason"] = t.Reason
			}
			w.emit("payout_triggered", t.Actor, data)
			return p, w.persistAndWait(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(t partnership.PayoutTrigger) error {
			if err := w.requireRole(t.Actor, partnership.RoleFinance, partnership.RoleAdmin); err != nil {
				return err
			}
			if w.ended {
				return w.conflict("%s", w.notNow())
			}
			if w.compensating {
				return w.conflict("the cancellation is being applied; try again in a moment")
			}
			payable := false
			for _, k := range w.payable {
				payable = payable || k == t.Kind
			}
			if t.Kind != partnership.PayoutKindFee && t.Kind != partnership.PayoutKindCommission && t.Kind != partnership.PayoutKindKillFee {
				return w.invalid("kind must be fee, commission or kill_fee")
			}
			if !payable {
				return w.conflict("no %s is payable while the partnership is %s", humanize(t.Kind), w.st.Stage.InWords())
			}
			if err := w.heldByCompliance(t.Kind); err != nil {
				return err
			}
			for _, p := range w.st.Payouts {
				if p.Kind == t.Kind && p.Status != partnership.PayoutFailed {
					return w.conflict("the %s payout %s is already %s", humanize(t.Kind), p.ID, humanize(p.Status))
				}
				if p.Kind == t.Kind && p.ConflictingReport == "paid" && t.Reason == "" {
					return w.conflict("the payments provider reported the transfer %s of the failed %s payout %s paid after all: check it at the provider, then trigger again with a reason",
						p.TransferID, humanize(t.Kind), p.ID)
				}
			}
			if w.amountFor(t.Kind).AmountMinor <= 0 {
				return w.conflict("the %s amount is zero; nothing to pay", humanize(t.Kind))
			}
			return nil
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateApprovePayout,
		func(ctx workflow.Context, ap partnership.PayoutApproval) (partnership.Payout, error) {
			p, _ := w.findPayout(ap.PayoutID)
			p.ApprovedBy, p.Status = ap.Actor.Sub, partnership.PayoutProcessing
			w.changes++
			data := map[string]string{"payout_id": p.ID}
			if ap.Reason != "" {
				data["reason"] = ap.Reason
			}
			w.emit("payout_approved", ap.Actor, data)
			return *p, w.persistAndWait(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(ap partnership.PayoutApproval) error {
			if err := w.requireRole(ap.Actor, partnership.RoleFinance, partnership.RoleAdmin); err != nil {
				return err
			}
			p, ok := w.findPayout(ap.PayoutID)
			if !ok {
				return w.notFound("payout %q not found", ap.PayoutID)
			}
			if w.compensating {
				return w.conflict("the cancellation is being applied; try again in a moment")
			}
			if p.Status != partnership.PayoutAwaitingApproval {
				return w.conflict("payout %s is %s; it needs no approval", p.ID, humanize(p.Status))
			}
			if p.TriggeredBy == ap.Actor.Sub {
				return w.conflict("the second approval must come from a different finance user than %s", p.TriggeredBy)
			}
			return w.heldByCompliance(p.Kind)
		}})
}

// heldByCompliance refuses to trigger or approve a payout for the content (the fee or the
// commission) while a re-check has the partnership on compliance hold: it waits until the
// posts are fixed and verified again. A cancelled partnership's payouts are not held: what
// compensate left payable is owed. Only validators ask, so partnerships in flight need no
// version: before fee-on-verification nothing for the content was payable during a hold.
func (w *partnershipWorkflow) heldByCompliance(kind string) error {
	if w.st.ComplianceHold == nil || w.st.Stage == partnership.StageCancelled ||
		(kind != partnership.PayoutKindFee && kind != partnership.PayoutKindCommission) {
		return nil
	}
	return w.conflict("payouts are on compliance hold until the re-checked posts are fixed and verified again")
}
