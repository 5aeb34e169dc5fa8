package workflows

import (
	"cmp"
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

// LatePaymentReportWorkflow weighs the payments a provider reports failed after their
// partnership's workflow closed: a bank's return more than the return window after the last
// payment, or after an operator cancelled the workflow. The API starts it with the report as
// its first payment_event signal (partnership.LatePaymentWorkflowID, one at a time per
// partnership); it takes every report signalled meanwhile, then ends. For each it asks the
// provider about the transfer, as a running partnership confirms a failure, then records the
// answer (activities.RecordLatePaymentReport). A contested payout (the provider confirms the
// failure, or cannot say) is e-mailed to finance, who must pay the creator at the provider,
// and to the creator, whose money did not arrive. Nothing of a report is lost if the workflow
// is interrupted: it resumes where it was.
func LatePaymentReportWorkflow(ctx workflow.Context, in partnership.LatePaymentStart) error {
	reports := workflow.GetSignalChannel(ctx, partnership.SignalPaymentEvent)
	seen := map[string]bool{}
	for {
		var ev partnership.PaymentEvent
		if !reports.ReceiveAsync(&ev) {
			return nil // every report taken: a later one starts the workflow again
		}
		if seen[ev.EventID] || ev.Status != partnership.PayoutFailed {
			continue
		}
		seen[ev.EventID] = true
		if err := weighLatePayment(ctx, in.PartnershipID, ev); err != nil {
			return err
		}
	}
}

// weighLatePayment asks the provider about one late report's transfer, records its answer and
// tells finance and the creator of a contested payout.
func weighLatePayment(ctx workflow.Context, partnershipID string, ev partnership.PaymentEvent) error {
	log := workflow.GetLogger(ctx)
	rec := activities.LatePaymentInput{PartnershipID: partnershipID, Event: ev}
	var said activities.LookupTransferOutput
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions), a.LookupTransfer,
		activities.LookupTransferInput{PayoutID: ev.PayoutID, TransferID: ev.TransferID}).Get(ctx, &said)
	if err != nil {
		log.Warn("the payments provider could not say what became of a transfer reported failed after its partnership closed",
			"partnership_id", partnershipID, "payout_id", ev.PayoutID, "transfer_id", ev.TransferID, "error", err)
		rec.Unanswered = rootMessage(err)
	} else {
		rec.ProviderSays, rec.ProviderFailureCode = said.Status, said.FailureCode
	}
	var out activities.LatePaymentOutput
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lateRecordOptions), a.RecordLatePaymentReport, rec).Get(ctx, &out); err != nil {
		return err
	}
	log.Info("a payment reported failed after its partnership closed was weighed", "partnership_id", partnershipID,
		"payout_id", ev.PayoutID, "transfer_id", ev.TransferID, "outcome", out.Outcome, "provider", rec.ProviderSays)
	if out.Outcome != activities.LateContested {
		return nil
	}
	code := cmp.Or(ev.FailureCode, said.FailureCode)
	confirmed := "the provider's record confirms it"
	if rec.ProviderSays == "" {
		confirmed = "the provider could not confirm it when asked (" + rec.Unanswered + ")"
	}
	cycle := ""
	if out.Cycle > 1 {
		cycle = fmt.Sprintf(", cycle %d", out.Cycle)
	}
	ectx := workflow.WithActivityOptions(ctx, emailOptions)
	key := func(to string) string { return partnershipID + "/email/late_payment/" + ev.EventID + "/" + to }
	// Best effort, as every e-mail: the audit trail and the finance queue keep the contest.
	if err := workflow.ExecuteActivity(ectx, a.NotifyTeam, activities.TeamNotifyInput{IdempotencyKey: key("finance"),
		Role: partnership.RoleFinance, Subject: "A paid payout was returned after its partnership closed",
		Text: fmt.Sprintf("The payments provider reported transfer %s of payout %s (%s, %s%s) of partnership %s (%s) as failed%s, after it was %s and after the partnership closed; %s. Partnerflow settles no more of this partnership's payouts, so the payout stays %s in Partnerflow, marked with a conflicting report: pay the creator at the provider once their payout details are right.",
			ev.TransferID, ev.PayoutID, humanize(out.Kind), out.Amount, cycle, partnershipID, out.BrandName, failureNote(code),
			humanize(out.Recorded), confirmed, humanize(out.Recorded))}).Get(ctx, nil); err != nil {
		log.Warn("finance could not be e-mailed of a late payment report", "partnership_id", partnershipID, "error", err)
	}
	if err := workflow.ExecuteActivity(ectx, a.NotifyCreator, activities.NotifyInput{IdempotencyKey: key("creator"),
		CreatorID: out.CreatorID, Subject: "Your payment was returned",
		Text: fmt.Sprintf("The %s payment of %s for your partnership with %s was returned by your bank%s. Check your payout details in Partnerflow; the brand's finance team will send it again.",
			humanize(out.Kind), out.Amount, out.BrandName, failureNote(humanize(code)))}).Get(ctx, nil); err != nil {
		log.Warn("the creator could not be e-mailed of a late payment report", "partnership_id", partnershipID, "error", err)
	}
	return nil
}
