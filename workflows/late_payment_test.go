package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// lateRun runs LatePaymentReportWorkflow with the reports signalled before its first task (as
// the API's signal-with-start and any report right after it), the provider answering says (an
// error: it cannot say) and the record answering outcome. It returns what the record and the
// e-mails were asked.
type lateRun struct {
	recorded []activities.LatePaymentInput
	team     []activities.TeamNotifyInput
	creator  []activities.NotifyInput
	looked   []activities.LookupTransferInput
}

func runLate(t *testing.T, says func(transferID string) (activities.LookupTransferOutput, error), outcome string, reports ...partnership.PaymentEvent) lateRun {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.LatePaymentReportWorkflow, workflow.RegisterOptions{Name: partnership.LatePaymentWorkflowType})
	var run lateRun
	env.OnActivity(acts.LookupTransfer, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.LookupTransferInput) (activities.LookupTransferOutput, error) {
			run.looked = append(run.looked, in)
			return says(in.TransferID)
		})
	env.OnActivity(acts.RecordLatePaymentReport, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.LatePaymentInput) (activities.LatePaymentOutput, error) {
			run.recorded = append(run.recorded, in)
			return activities.LatePaymentOutput{Outcome: outcome, CreatorID: "c-1", BrandName: "Acme", Kind: "fee",
				Amount: usd(50_000), Cycle: 2, Recorded: "paid"}, nil
		})
	env.OnActivity(acts.NotifyTeam, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.TeamNotifyInput) error {
		run.team = append(run.team, in)
		return nil
	})
	env.OnActivity(acts.NotifyCreator, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NotifyInput) error {
		run.creator = append(run.creator, in)
		return nil
	})
	env.RegisterDelayedCallback(func() {
		for _, r := range reports {
			env.SignalWorkflow(partnership.SignalPaymentEvent, r)
		}
	}, 0)
	env.ExecuteWorkflow(partnership.LatePaymentWorkflowType, partnership.LatePaymentStart{PartnershipID: "p-0001"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	return run
}

func returned(eventID, payoutID, transferID string) partnership.PaymentEvent {
	return partnership.PaymentEvent{EventID: eventID, PayoutID: payoutID, TransferID: transferID, Status: "failed", FailureCode: "account_closed"}
}

// TestLatePaymentContested: a return the provider confirms is recorded with its word, and
// finance (to pay the creator at the provider) and the creator (whose money did not arrive)
// are e-mailed once each, under keys of the report's event; a redelivered report in the same
// run is weighed once, and a paid report is not weighed at all.
func TestLatePaymentContested(t *testing.T) {
	failed := func(string) (activities.LookupTransferOutput, error) {
		return activities.LookupTransferOutput{Status: "failed", FailureCode: "account_closed"}, nil
	}
	paid := returned("evt_paid", "po_2", "tr_2")
	paid.Status = "paid"
	run := runLate(t, failed, activities.LateContested, returned("evt_1", "po_2", "tr_2"), returned("evt_1", "po_2", "tr_2"), paid)
	require.Equal(t, []activities.LookupTransferInput{{PayoutID: "po_2", TransferID: "tr_2"}}, run.looked)
	require.Equal(t, []activities.LatePaymentInput{{PartnershipID: "p-0001", Event: returned("evt_1", "po_2", "tr_2"),
		ProviderSays: "failed", ProviderFailureCode: "account_closed"}}, run.recorded)
	require.Len(t, run.team, 1)
	require.Equal(t, partnership.RoleFinance, run.team[0].Role)
	require.Equal(t, "p-0001/email/late_payment/evt_1/finance", run.team[0].IdempotencyKey)
	require.Contains(t, run.team[0].Text, "transfer tr_2 of payout po_2 (fee, USD 500.00, cycle 2) of partnership p-0001 (Acme) as failed (account_closed)")
	require.Contains(t, run.team[0].Text, "the provider's record confirms it")
	require.Contains(t, run.team[0].Text, "pay the creator at the provider")
	require.Len(t, run.creator, 1)
	require.Equal(t, "c-1", run.creator[0].CreatorID)
	require.Equal(t, "p-0001/email/late_payment/evt_1/creator", run.creator[0].IdempotencyKey)
	require.Contains(t, run.creator[0].Text, "The fee payment of USD 500.00 for your partnership with Acme was returned by your bank (account closed)")
}

// TestLatePaymentProviderSilent: a provider that cannot say what became of the transfer
// within the lookup's minutes does not hold the report up: the signed report stands, the
// record is told why, and finance's e-mail says the provider could not confirm it.
func TestLatePaymentProviderSilent(t *testing.T) {
	down := func(string) (activities.LookupTransferOutput, error) {
		return activities.LookupTransferOutput{}, errors.New("payments provider unavailable")
	}
	run := runLate(t, down, activities.LateContested, returned("evt_1", "po_2", "tr_2"))
	require.Len(t, run.recorded, 1)
	require.Empty(t, run.recorded[0].ProviderSays)
	require.Contains(t, run.recorded[0].Unanswered, "payments provider unavailable")
	require.Len(t, run.team, 1)
	require.Contains(t, run.team[0].Text, "the provider could not confirm it when asked (payments provider unavailable)")
}

// TestLatePaymentNotContested: a report the record did not contest (unconfirmed by the
// provider, settled before, not the partnership's) e-mails nobody; two reports of two payouts
// in one run are both weighed, in order.
func TestLatePaymentNotContested(t *testing.T) {
	for _, outcome := range []string{activities.LateUnconfirmed, activities.LateSettled, activities.LateUnmatched} {
		t.Run(outcome, func(t *testing.T) {
			pending := func(string) (activities.LookupTransferOutput, error) {
				return activities.LookupTransferOutput{Status: "pending"}, nil
			}
			run := runLate(t, pending, outcome, returned("evt_1", "po_1", "tr_1"), returned("evt_2", "po_2", "tr_2"))
			require.Len(t, run.recorded, 2)
			require.Equal(t, "po_1", run.recorded[0].Event.PayoutID)
			require.Equal(t, "po_2", run.recorded[1].Event.PayoutID)
			require.Equal(t, "pending", run.recorded[1].ProviderSays)
			require.Empty(t, run.team)
			require.Empty(t, run.creator)
		})
	}
}
