package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
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

// transferLookupAfter is how long a transfer made waits for the provider's word before the
// partnership asks the provider for it, when its input names no wait (TransferLookupSeconds);
// each later ask waits twice as long as the one before, up to transferLookupMax.
const (
	transferLookupAfter = time.Hour
	transferLookupMax   = 24 * time.Hour
)

// lookupOptions: a lookup is asked again at its next wait, so it retries for minutes, not the
// day a transfer's own call does.
var lookupOptions = func() workflow.ActivityOptions {
	o := providerOptions
	o.ScheduleToCloseTimeout = 10 * time.Minute
	return o
}()

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
		// Nor while a payout is under way for a kind that turned out paid after all
		// (resolveConflict): its answer must be recorded.
		if w.allPaid() && len(w.transfers) == 0 && !(w.paidAfterAll && w.anyProcessing()) {
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

// anyProcessing reports whether a payout's transfer is on its way.
func (w *partnershipWorkflow) anyProcessing() bool {
	for _, p := range w.st.Payouts {
		if p.Status == partnership.PayoutProcessing {
			return true
		}
	}
	return false
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
		if _, ok := w.payments[p.ID]; ok && !w.unconfirmedFailure(p.ID) {
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
//
// When no word comes, the provider is asked (lookUpTransfer): after the partnership's lookup
// wait, then after twice as long each time, up to a day. Versioned ("transfer-lookup", asked
// where the wait starts): the wait had no end but the webhook, so a webhook the provider never
// delivered left the payout processing for good, and the creator unpaid in Partnerflow's eyes
// however long ago the provider had paid.
func (w *partnershipWorkflow) awaitPaid(ctx workflow.Context, payoutID string) {
	var paid *partnership.PaymentEvent
	answered := func() bool {
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
	}
	if w.changed(ctx, "transfer-lookup") {
		w.confirming[payoutID] = true
		// A failure reported is confirmed with the provider before settle applies it.
		failedReport := func() bool {
			ev, ok := w.payments[payoutID]
			po, _ := w.findPayout(payoutID)
			return ok && ev.Status == partnership.PayoutFailed && po != nil && (ev.TransferID == "" || ev.TransferID == po.TransferID)
		}
		word := func() bool { return answered() || (failedReport() && !w.unconfirmedFailure(payoutID)) }
		asked, waited, wait := 0, time.Duration(0), w.lookupWait()
		for !word() {
			if failedReport() {
				if w.confirmFailure(ctx, payoutID) != nil {
					return
				}
				continue
			}
			came, err := awaitFor(ctx, wait, func() bool { return word() || failedReport() })
			if err != nil {
				return
			}
			if came {
				continue
			}
			waited += wait
			asked++
			if answer := w.lookUpTransfer(ctx, payoutID); answer != "" && asked == lookupsBeforeTelling {
				w.tellNoWord(payoutID, waited, asked, answer)
			}
			wait = min(2*wait, transferLookupMax)
		}
	}
	if err := workflow.Await(ctx, answered); err != nil || paid == nil {
		return
	}
	delete(w.payments, payoutID)
	po, _ := w.findPayout(payoutID)
	w.markPaid(po, *paid, workflow.Now(ctx).UTC())
	w.recordFromTransfer(ctx, payoutID)
}

// lookupWait is how long a transfer waits for the provider's word before it is asked for it.
func (w *partnershipWorkflow) lookupWait() time.Duration {
	if s := w.in.TransferLookupSeconds; s > 0 {
		return partnership.Seconds(s)
	}
	return transferLookupAfter
}

// reported reports whether the provider's word on a processing payout's transfer waits to be
// applied.
func (w *partnershipWorkflow) reported(payoutID string) bool {
	ev, ok := w.payments[payoutID]
	return ok && settled(ev.Status)
}

// lookedUp records the provider's answer to a lookup of a payout's transfer in the audit
// trail (transfer_looked_up).
func (w *partnershipWorkflow) lookedUp(payoutID, transferID string, out activities.LookupTransferOutput) {
	data := map[string]string{"payout_id": payoutID, "transfer_id": transferID, "status": out.Status}
	if out.FailureCode != "" {
		data["failure_code"] = out.FailureCode
	}
	w.emit("transfer_looked_up", systemActor, data)
}

// lookupsBeforeTelling is how many lookups of a transfer may go without the provider's word
// (pending, or no answer) before finance is told: with the hour's default wait, seven hours
// after the transfer was made.
const lookupsBeforeTelling = 3

// askTransfer asks the payments provider what it says now of a transfer: pending, paid or
// failed. An error (the provider down for the lookup's minutes, a transfer it does not know)
// is logged and answered with an empty status and the error's message: the caller goes on
// without the provider's word.
func (w *partnershipWorkflow) askTransfer(ctx workflow.Context, payoutID, transferID string) (activities.LookupTransferOutput, string) {
	var out activities.LookupTransferOutput
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions), a.LookupTransfer,
		activities.LookupTransferInput{PayoutID: payoutID, TransferID: transferID}).Get(ctx, &out)
	if err != nil {
		workflow.GetLogger(ctx).Warn("the payments provider could not say what became of a transfer",
			"payout_id", payoutID, "transfer_id", transferID, "error", err)
		return activities.LookupTransferOutput{}, rootMessage(err)
	}
	return out, ""
}

// lookUpTransfer asks the provider for the word on a processing payout's transfer that its
// webhook has not brought. Paid or failed is recorded (transfer_looked_up) and applied as the
// webhook would have been; pending is asked again after the next wait. It returns what the
// provider said when it gave no word ("pending", or why it could not answer), "" otherwise.
func (w *partnershipWorkflow) lookUpTransfer(ctx workflow.Context, payoutID string) string {
	po, ok := w.findPayout(payoutID)
	if !ok || po.Status != partnership.PayoutProcessing || po.TransferID == "" {
		return ""
	}
	transferID := po.TransferID
	out, failure := w.askTransfer(ctx, payoutID, transferID)
	if po, ok = w.findPayout(payoutID); !ok || po.Status != partnership.PayoutProcessing || po.TransferID != transferID ||
		w.reported(payoutID) {
		return "" // the word came while the provider was asked
	}
	if !settled(out.Status) {
		return cmp.Or(out.Status, "no answer ("+failure+")")
	}
	w.lookedUp(payoutID, transferID, out)
	said := partnership.PaymentEvent{EventID: "lookup/" + transferID, TransferID: transferID,
		PayoutID: payoutID, Status: out.Status, FailureCode: out.FailureCode}
	if out.Status == partnership.PayoutFailed {
		w.failureConfirmed[payoutID] = said // the provider's own word
	}
	w.receivePayment(ctx, said)
	w.recordFromTransfer(ctx, payoutID) // also wakes settle for a failure
	return ""
}

// confirmFailure asks the provider about a transfer reported failed before the payout is
// failed and payable again: a failure reported while the provider's own record says the
// transfer is pending (a report early, misrouted or forged) or paid would let finance send the
// money a second time. Failed confirms it; paid replaces it with the provider's paid; pending
// drops it (payment_report_unconfirmed) and the wait goes on. With no answer (the provider
// down for the lookup's minutes) it is asked again after the lookup wait, then twice as long,
// conflictRetries times, or sooner when another word comes; after that the signed report
// stands. It returns an error only when the workflow's context is done.
func (w *partnershipWorkflow) confirmFailure(ctx workflow.Context, payoutID string) error {
	ev := w.payments[payoutID]
	po, _ := w.findPayout(payoutID)
	transferID := po.TransferID
	changed := func() bool {
		cur, ok := w.payments[payoutID]
		po, found := w.findPayout(payoutID)
		return !ok || cur != ev || !found || po.Status != partnership.PayoutProcessing || po.TransferID != transferID
	}
	out, _ := w.askTransfer(ctx, payoutID, transferID)
	for tries, wait := 0, w.lookupWait(); !settled(out.Status) && out.Status != "pending" && tries < conflictRetries && !changed(); tries, wait = tries+1, min(2*wait, transferLookupMax) {
		if _, err := awaitFor(ctx, wait, changed); err != nil {
			return err
		}
		if changed() {
			break
		}
		out, _ = w.askTransfer(ctx, payoutID, transferID)
	}
	if changed() {
		return nil // another word came meanwhile: weighed next
	}
	if settled(out.Status) {
		w.lookedUp(payoutID, transferID, out)
	}
	switch out.Status {
	case partnership.PayoutPaid, "pending":
		w.emit("payment_report_unconfirmed", systemActor, map[string]string{"payout_id": payoutID, "transfer_id": transferID,
			"event_id": ev.EventID, "reported": ev.Status, "provider": out.Status})
		delete(w.payments, payoutID)
		if out.Status == partnership.PayoutPaid {
			w.payments[payoutID] = partnership.PaymentEvent{EventID: "lookup/" + transferID, TransferID: transferID, PayoutID: payoutID, Status: out.Status}
		}
	default:
		w.failureConfirmed[payoutID] = ev
	}
	w.recordFromTransfer(ctx, payoutID) // also wakes settle for a confirmed failure
	return nil
}

// unconfirmedFailure reports whether the payment event waiting for a payout is a failure its
// transfer's coroutine has still to confirm with the provider (confirmFailure): settle leaves
// it until then, and it is not the provider's word (transferSaid).
func (w *partnershipWorkflow) unconfirmedFailure(payoutID string) bool {
	ev, ok := w.payments[payoutID]
	po, found := w.findPayout(payoutID)
	return ok && found && ev.Status == partnership.PayoutFailed && w.confirming[payoutID] &&
		po.Status == partnership.PayoutProcessing && w.failureConfirmed[payoutID] != ev &&
		(ev.TransferID == "" || ev.TransferID == po.TransferID)
}

// awaitFor waits until cond holds or d has passed, and reports whether cond held. Its timer is
// cancelled once cond holds (AwaitWithTimeout leaves it to fire later, a workflow task for
// nothing, unless an SDK flag says otherwise).
func awaitFor(ctx workflow.Context, d time.Duration, cond func() bool) (bool, error) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	err := workflow.Await(ctx, func() bool { return cond() || timer.IsReady() })
	return cond(), err
}

// tellNoWord tells finance, once, that the provider has said nothing of a payout's transfer
// for as long as its lookups have waited: the webhook lost and the provider's own record
// pending, or the provider not answering or not knowing the transfer. The partnership goes on
// asking, once a day at most. Queued for noticeLoop (version 6 on); older partnerships, which
// send in line, have next_action's word only.
func (w *partnershipWorkflow) tellNoWord(payoutID string, waited time.Duration, asked int, answer string) {
	po, ok := w.findPayout(payoutID)
	if !ok || w.base < 6 {
		return
	}
	w.notices = append(w.notices, notice{Role: partnership.RoleFinance, Step: "no_word/" + payoutID,
		Subject: "No word from the payments provider on a payout", Text: fmt.Sprintf(
			"Payout %s (%s, %s) of partnership %s (%s) went to the payments provider as transfer %s %s ago, and the provider has not said whether it was paid: asked %d times, its last answer was %s. Partnerflow keeps asking; check the transfer at the provider.",
			po.ID, humanize(po.Kind), po.Amount, w.in.PartnershipID, w.in.BrandName, po.TransferID, durationInWords(waited), asked, answer)})
}

// durationInWords says a wait in whole hours, minutes or seconds, the largest that fits.
func durationInWords(d time.Duration) string {
	unit, name := time.Second, "second"
	switch {
	case d >= time.Hour:
		unit, name = time.Hour, "hour"
	case d >= time.Minute:
		unit, name = time.Minute, "minute"
	}
	n := int64(d / unit)
	if n == 1 {
		return "1 " + name
	}
	return fmt.Sprintf("%d %ss", n, name)
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
	if p, ok := w.payments[ev.PayoutID]; ok && settled(p.Status) && !w.unconfirmedFailure(ev.PayoutID) &&
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
// (payment_conflict in the audit trail, the payout's ConflictingReport), once per payout,
// transfer and reported status, and asks the provider which word is true (resolveConflict).
// Versioned ("conflict-lookup", asked on such a report, from version 6 of
// record-once-per-task, whose e-mails are queued): the first word stood until someone
// checked the transfer at the provider by hand, and a paid fee the provider then reported
// failed (its money returned) could not be triggered again at all. Partnerships on the old
// branch e-mail finance to check it.
func (w *partnershipWorkflow) paymentConflict(ctx workflow.Context, ev partnership.PaymentEvent, said string) {
	key := ev.PayoutID + "/" + ev.TransferID + "/" + ev.Status
	if w.conflicts[key] {
		return
	}
	w.conflicts[key] = true
	po, ok := w.findAnyPayout(ev.PayoutID)
	if ok && settled(po.Status) && (ev.TransferID == "" || ev.TransferID == po.TransferID) {
		po.ConflictingReport = ev.Status
	}
	data := map[string]string{"payout_id": ev.PayoutID, "transfer_id": ev.TransferID, "event_id": ev.EventID,
		"reported": ev.Status, "recorded": said}
	if ev.FailureCode != "" {
		data["failure_code"] = ev.FailureCode
	}
	w.emit("payment_conflict", systemActor, data)
	if ok && w.base >= 6 && w.changed(ctx, "conflict-lookup") {
		transferID := cmp.Or(ev.TransferID, po.TransferID)
		check := &conflictCheck{ev: ev, said: said}
		w.conflictChecks = append(w.conflictChecks, check)
		// Disconnected: an operator's cancel of the workflow does not abandon the lookup.
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		workflow.Go(dctx, func(gctx workflow.Context) {
			w.resolveConflict(gctx, check, transferID)
			w.conflictChecks = slices.DeleteFunc(w.conflictChecks, func(c *conflictCheck) bool { return c == check })
		})
		w.recordFromTransfer(ctx, ev.PayoutID)
		return
	}
	what := "The payout stays paid and nothing is payable again: if the money did not reach the creator, trigger the payout again only once the provider confirms the transfer failed."
	if said == "failed" {
		what = "The payout stays failed: check the transfer at the provider before triggering the payout again, or the creator may be paid twice. Partnerflow takes a new trigger only with a reason."
	}
	// Queued for noticeLoop (a signal's coroutine sends nothing in line); a partnership too old
	// to run noticeLoop (turnEmails) has the audit trail's word only.
	if w.turnEmails {
		w.tellConflict(ev, said, what)
	}
	w.recordFromTransfer(ctx, ev.PayoutID)
}

// conflictCheck is a payment conflict whose transfer is being asked about at the provider;
// told: finance was e-mailed that the provider could not say yet.
type conflictCheck struct {
	ev   partnership.PaymentEvent
	said string
	told bool
}

// conflictRetries is how many times a conflict the provider could not resolve is asked about
// again (after the lookup wait, then twice as long each time: seven hours by default).
const conflictRetries = 3

// unresolvedConflictsTold queues, for each conflict still being asked about when an
// ambassador cycle hands over, finance's e-mail to check the transfer: the next run does not
// ask again.
func (w *partnershipWorkflow) unresolvedConflictsTold() {
	for _, c := range w.conflictChecks {
		what := "The provider had not said which is true when this cycle ended, so the payout stays as recorded: check the transfer at the provider before acting."
		if c.told {
			what = "This cycle ended before the provider answered Partnerflow's new questions, which stop here: the payout stays as recorded, so check the transfer at the provider before acting."
		}
		w.tellConflict(c.ev, c.said, what)
	}
	w.conflictChecks = nil
}

// tellConflict queues finance's e-mail about a payment report that contradicted the
// provider's earlier word, saying what became of the payout.
func (w *partnershipWorkflow) tellConflict(ev partnership.PaymentEvent, said, what string) {
	w.notices = append(w.notices, notice{Role: partnership.RoleFinance, Step: "payment_conflict/" + ev.PayoutID + "/" + ev.Status,
		Subject: "A payment report contradicts an earlier one", Text: fmt.Sprintf("The payments provider reported transfer %s of payout %s of partnership %s (%s) as %s%s, after reporting it %s. %s",
			ev.TransferID, ev.PayoutID, w.in.PartnershipID, w.in.BrandName, ev.Status, failureNote(ev.FailureCode), said, what)})
}

// resolveConflict asks the provider what became of a transfer that two of its reports
// contradict, and lets its answer decide, as a Stripe payout paid and then returned by the
// bank is failed for good:
//   - it confirms the payout's status: the other report was stale; the contradiction is
//     cleared and nobody need act;
//   - it says the other word: the payout takes it (transfer_looked_up, then payout_failed or
//     payout_paid). A paid payout that failed is payable again and finance and the creator
//     are told, as of any failure; a failed payout that was paid after all is paid, and
//     finance is told, with a warning when the same kind was triggered again since (the
//     creator then paid twice);
//   - it cannot say (down for the lookup's minutes, or pending): finance is e-mailed to check
//     the transfer, and the provider is asked again after the lookup wait, then twice as long,
//     conflictRetries times; its answer then decides as above, and without one the status
//     stands, as on the old branch;
//   - the payout is an earlier ambassador cycle's, whose payouts are settled, or the
//     partnership settles no more payouts: the status stands and finance is told what the
//     provider said.
func (w *partnershipWorkflow) resolveConflict(ctx workflow.Context, check *conflictCheck, transferID string) {
	ev, said := check.ev, check.said
	pending := func() bool { return slices.Contains(w.conflictChecks, check) } // else a hand-over told finance
	out, _ := w.askTransfer(ctx, ev.PayoutID, transferID)
	// No word: finance is told at once, and the provider asked again after the lookup wait,
	// then twice as long, conflictRetries times.
	for tries, wait := 0, w.lookupWait(); pending() && !settled(out.Status) && tries < conflictRetries; tries, wait = tries+1, min(2*wait, transferLookupMax) {
		if tries == 0 {
			po, _ := w.findAnyPayout(ev.PayoutID)
			w.tellConflict(ev, said, fmt.Sprintf("The provider could not say which is true when Partnerflow asked (%s), so the payout stays %s for now: Partnerflow asks again over the next hours, and meanwhile check the transfer at the provider before acting.",
				cmp.Or(out.Status, "no answer"), po.Status))
			check.told = true
			w.recordFromTransfer(ctx, ev.PayoutID)
		}
		if workflow.Sleep(ctx, wait) != nil {
			return
		}
		out, _ = w.askTransfer(ctx, ev.PayoutID, transferID)
	}
	if !pending() || !settled(out.Status) {
		return // told already
	}
	po, current := w.findPayout(ev.PayoutID)
	if !current {
		po, _ = w.findAnyPayout(ev.PayoutID)
	}
	defer w.recordFromTransfer(ctx, ev.PayoutID)
	w.lookedUp(ev.PayoutID, transferID, out)
	switch {
	case po.TransferID != transferID || !settled(po.Status):
		return // the payout moved on while the provider was asked: a later report decides
	case out.Status == po.Status:
		po.ConflictingReport = ""
	case !current:
		w.tellConflict(ev, said, fmt.Sprintf("Asked, the provider says the transfer is %s%s. The payout belongs to an earlier cycle, whose payouts are settled, so it stays %s: act on the transfer at the provider.",
			out.Status, failureNote(out.FailureCode), po.Status))
	case out.Status == partnership.PayoutFailed && !w.canSettle(po.Kind):
		w.tellConflict(ev, said, fmt.Sprintf("Asked, the provider says the transfer is failed%s. The partnership settles no more payouts (%s), so the payout stays paid: pay the creator at the provider.",
			failureNote(out.FailureCode), w.st.Stage.InWords()))
	case out.Status == partnership.PayoutFailed:
		po.Status, po.FailureCode, po.PaidAt, po.ConflictingReport = partnership.PayoutFailed, out.FailureCode, nil, ""
		w.emit("payout_failed", systemActor, map[string]string{"payout_id": po.ID, "failure_code": po.FailureCode, "transfer_id": transferID})
		_ = w.tellPayoutFailed(*po) // queued: no error
	default: // paid after all
		w.markPaid(po, partnership.PaymentEvent{TransferID: transferID}, workflow.Now(ctx).UTC())
		po.FailureCode, po.ConflictingReport = "", ""
		w.paidAfterAll = true
		again := ""
		for i := range w.st.Payouts {
			p := &w.st.Payouts[i]
			switch {
			case p.ID == po.ID || p.Kind != po.Kind:
			case p.Status == partnership.PayoutAwaitingApproval:
				// Not sent yet: it never will be.
				p.Status, p.FailureCode = partnership.PayoutFailed, "paid_by_earlier_payout"
				w.emit("payout_failed", systemActor, map[string]string{"payout_id": p.ID, "failure_code": p.FailureCode})
				again = fmt.Sprintf(" Payout %s, triggered again since and awaiting its approval, is withdrawn.", p.ID)
			case p.Status != partnership.PayoutFailed:
				again = fmt.Sprintf(" The %s was triggered again since, as payout %s (%s): if both transfers go through, the creator is paid twice; recover one at the provider.",
					humanize(p.Kind), p.ID, humanize(p.Status))
			}
		}
		w.notices = append(w.notices, notice{Role: partnership.RoleFinance, Step: "paid_after_all/" + po.ID,
			Subject: "A failed payout was paid after all", Text: fmt.Sprintf("The payments provider says transfer %s of payout %s (%s, %s) of partnership %s (%s) was paid, after reporting it failed: the payout is now paid.%s",
				transferID, po.ID, humanize(po.Kind), po.Amount, w.in.PartnershipID, w.in.BrandName, again)})
	}
}

// canSettle reports whether this run can still settle a payout of kind: a paid payout the
// provider turns out to have failed is payable again only then. A partnership that ended
// (completed, and waiting to remind the brand of its usage rights, say) or whose ambassador
// cycle is handing over to the next run settles nothing more.
func (w *partnershipWorkflow) canSettle(kind string) bool {
	return !w.ended && !w.handingOver && slices.Contains(w.payable, kind)
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
		if !ok || w.unconfirmedFailure(p.ID) {
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
			w.emit("payout_failed", systemActor, map[string]string{"payout_id": p.ID, "failure_code": ev.FailureCode, "transfer_id": p.TransferID})
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
