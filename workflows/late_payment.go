package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// lateRecordOptions: the late report's write waits out a database outage, as the read
// model's writes do; it is idempotent by the report's event id.
var lateRecordOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
	},
}

// LatePaymentReportWorkflow weighs the payments a provider reports after their partnership's
// workflow closed: a bank's return more than the return window after the last payment, a
// report for a partnership an operator ended with a transfer on its way, or one whose history
// Temporal no longer keeps. The API starts it with the report as its first payment_event
// signal (partnership.LatePaymentWorkflowID, one at a time per partnership); it takes every
// report signalled meanwhile, then ends. For each it asks the provider about the transfer,
// again after the lookup wait and twice as long each time, conflictRetries times, while the
// provider cannot say (as a running partnership confirms a failure), then records the answer
// (activities.RecordLatePaymentReport) and tells whoever must act: finance and the creator of
// a payout that failed or was returned, finance alone of one paid after all or one the
// provider could not confirm. Nothing of a report is lost if the workflow is interrupted: it
// resumes where it was.
func LatePaymentReportWorkflow(ctx workflow.Context, in partnership.LatePaymentStart) error {
	reports := workflow.GetSignalChannel(ctx, partnership.SignalPaymentEvent)
	seen := map[string]bool{}
	for {
		var ev partnership.PaymentEvent
		if !reports.ReceiveAsync(&ev) {
			return nil // every report taken: a later one starts the workflow again
		}
		if seen[ev.EventID] || !settled(ev.Status) {
			continue
		}
		seen[ev.EventID] = true
		if err := weighLatePayment(ctx, in, ev); err != nil {
			return err
		}
	}
}

// weighLatePayment asks the provider about one late report's transfer, records its answer and
// tells whoever must act.
func weighLatePayment(ctx workflow.Context, in partnership.LatePaymentStart, ev partnership.PaymentEvent) error {
	log := workflow.GetLogger(ctx)
	rec := activities.LatePaymentInput{PartnershipID: in.PartnershipID, Event: ev}
	wait := transferLookupAfter
	if in.LookupSeconds > 0 {
		wait = partnership.Seconds(in.LookupSeconds)
	}
	lctx := workflow.WithActivityOptions(ctx, lookupOptions)
	for tries := 0; ; tries, wait = tries+1, min(2*wait, transferLookupMax) {
		var said activities.LookupTransferOutput
		err := workflow.ExecuteActivity(lctx, a.LookupTransfer,
			activities.LookupTransferInput{PayoutID: ev.PayoutID, TransferID: ev.TransferID}).Get(ctx, &said)
		if err == nil {
			rec.ProviderSays, rec.ProviderFailureCode, rec.Unanswered = said.Status, said.FailureCode, ""
			break
		}
		rec.Unanswered = rootMessage(err)
		log.Warn("the payments provider could not say what became of a transfer reported after its partnership closed",
			"partnership_id", in.PartnershipID, "payout_id", ev.PayoutID, "transfer_id", ev.TransferID, "error", err)
		var appErr *temporal.ApplicationError
		if tries >= conflictRetries || (errors.As(err, &appErr) && appErr.NonRetryable()) {
			break // it will not say: the report stands unconfirmed
		}
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	var out activities.LatePaymentOutput
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lateRecordOptions), a.RecordLatePaymentReport, rec).Get(ctx, &out); err != nil {
		// Only a state document that cannot be read ends here (the write itself is retried
		// until the database answers): logged for an operator, and the next report is weighed.
		log.Error("a payment reported after its partnership closed could not be recorded", "partnership_id", in.PartnershipID,
			"payout_id", ev.PayoutID, "transfer_id", ev.TransferID, "event_id", ev.EventID, "error", err)
		return nil
	}
	level := log.Info
	if out.Outcome == activities.LateUnmatched {
		level = log.Warn // the provider names a payout or transfer this partnership does not have
	}
	level("a payment reported after its partnership closed was weighed", "partnership_id", in.PartnershipID,
		"payout_id", ev.PayoutID, "transfer_id", ev.TransferID, "event_id", ev.EventID, "reported", ev.Status,
		"provider", rec.ProviderSays, "outcome", out.Outcome, "repeat", out.Repeat)
	if out.Repeat {
		return nil // told when it was first recorded
	}
	tellLatePayment(ctx, in.PartnershipID, ev, rec, out)
	return nil
}

// tellLatePayment e-mails whoever must act on a late report's outcome. Best effort, as every
// e-mail: the audit trail and the finance queue keep the payout's state.
func tellLatePayment(ctx workflow.Context, partnershipID string, ev partnership.PaymentEvent, rec activities.LatePaymentInput, out activities.LatePaymentOutput) {
	cycle := ""
	if out.Cycle > 1 {
		cycle = fmt.Sprintf(", cycle %d", out.Cycle)
	}
	payout := fmt.Sprintf("payout %s (%s, %s%s) of partnership %s (%s)", ev.PayoutID, humanize(out.Kind), out.Amount, cycle, partnershipID, out.BrandName)
	var subject, text, toCreator string
	switch {
	case out.Outcome == activities.LateApplied && out.Status == partnership.PayoutFailed:
		subject = "A payout failed after its partnership closed"
		text = fmt.Sprintf("Transfer %s of %s failed%s: the provider's record says so. Partnerflow settles no more of this partnership's payouts, so the payout is failed in Partnerflow: pay the creator at the provider once their payout details are right.",
			ev.TransferID, payout, failureNote(out.FailureCode))
		toCreator = notArrived(out, "could not be sent")
	case out.Outcome == activities.LateContested && out.Word == partnership.PayoutFailed:
		subject = "A paid payout was returned after its partnership closed"
		text = fmt.Sprintf("The payments provider reported transfer %s of %s as failed%s, after it was paid and after the partnership closed; the provider's record confirms it. Partnerflow settles no more of this partnership's payouts, so the payout stays paid in Partnerflow, marked with a conflicting report: pay the creator at the provider once their payout details are right.",
			ev.TransferID, payout, failureNote(out.FailureCode))
		toCreator = notArrived(out, "was returned by your bank")
	case out.Outcome == activities.LateContested:
		subject = "A failed payout was paid after its partnership closed"
		text = fmt.Sprintf("The payments provider says transfer %s of %s was paid, after it was recorded failed and after the partnership closed. The payout stays failed in Partnerflow, marked with a conflicting report: if the creator was paid again since, at the provider or by another payout, they were paid twice; recover one payment at the provider.",
			ev.TransferID, payout)
	case out.Outcome == activities.LateUnanswered:
		subject = "A payment report after its partnership closed could not be confirmed"
		text = fmt.Sprintf("The payments provider reported transfer %s of %s as %s%s after the partnership closed, and could not say what became of it when asked over the hours since (%s). The payout stays %s in Partnerflow, marked with a conflicting report: check the transfer at the provider before acting, or the creator may be paid twice or not at all.",
			ev.TransferID, payout, out.Word, failureNote(out.FailureCode), rec.Unanswered, humanize(out.Status))
	default:
		return // nothing anyone must do
	}
	log := workflow.GetLogger(ctx)
	ectx := workflow.WithActivityOptions(ctx, emailOptions)
	key := func(to string) string { return partnershipID + "/email/late_payment/" + ev.EventID + "/" + to }
	if err := workflow.ExecuteActivity(ectx, a.NotifyTeam, activities.TeamNotifyInput{IdempotencyKey: key("finance"),
		Role: partnership.RoleFinance, Subject: subject, Text: text}).Get(ctx, nil); err != nil {
		log.Warn("finance could not be e-mailed of a late payment report", "partnership_id", partnershipID, "error", err)
	}
	if toCreator == "" {
		return
	}
	if err := workflow.ExecuteActivity(ectx, a.NotifyCreator, activities.NotifyInput{IdempotencyKey: key("creator"),
		CreatorID: out.CreatorID, Subject: "Your payment did not arrive", Text: toCreator}).Get(ctx, nil); err != nil {
		log.Warn("the creator could not be e-mailed of a late payment report", "partnership_id", partnershipID, "error", err)
	}
}

// notArrived is the creator's e-mail about a payment that did not reach them: what became of
// it, and what to do.
func notArrived(out activities.LatePaymentOutput, what string) string {
	return fmt.Sprintf("The %s payment of %s for your partnership with %s %s%s. Check your payout details in Partnerflow; the brand's finance team will send it again.",
		humanize(out.Kind), out.Amount, out.BrandName, what, failureNote(humanize(out.FailureCode)))
}
