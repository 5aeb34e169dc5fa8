package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// lateRun is what LatePaymentReportWorkflow asked its activities.
type lateRun struct {
	recorded []activities.LatePaymentInput
	team     []activities.TeamNotifyInput
	creator  []activities.NotifyInput
	looked   []activities.LookupTransferInput
	elapsed  time.Duration // on the test clock
}

// runLate runs LatePaymentReportWorkflow with the reports signalled before its first task (as
// the API's signal-with-start and any report right after it), the provider answering says (an
// error: it cannot say) and the record answering record.
func runLate(t *testing.T, says func(transferID string) (activities.LookupTransferOutput, error),
	record func(activities.LatePaymentInput) (activities.LatePaymentOutput, error), reports ...partnership.PaymentEvent) lateRun {
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
			return record(in)
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
	start := env.Now()
	env.ExecuteWorkflow(partnership.LatePaymentWorkflowType, partnership.LatePaymentStart{PartnershipID: "p-0001", LookupSeconds: 3600})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	run.elapsed = env.Now().Sub(start)
	return run
}

func returned(eventID, payoutID, transferID string) partnership.PaymentEvent {
	return partnership.PaymentEvent{EventID: eventID, PayoutID: payoutID, TransferID: transferID, Status: "failed", FailureCode: "account_closed"}
}

func providerSays(status string) func(string) (activities.LookupTransferOutput, error) {
	return func(string) (activities.LookupTransferOutput, error) {
		out := activities.LookupTransferOutput{Status: status}
		if status == "failed" {
			out.FailureCode = "account_closed"
		}
		return out, nil
	}
}

// recorded answers every record with out, for a fee of USD 500.00 in cycle 2.
func recorded(out activities.LatePaymentOutput) func(activities.LatePaymentInput) (activities.LatePaymentOutput, error) {
	out.CreatorID, out.BrandName, out.Kind, out.Amount, out.Cycle = "c-1", "Acme", "fee", usd(50_000), 2
	return func(activities.LatePaymentInput) (activities.LatePaymentOutput, error) { return out, nil }
}

// TestLatePaymentContested: a return the provider confirms is recorded with its word, and
// finance (to pay the creator at the provider) and the creator (whose money did not arrive)
// are e-mailed once each, under keys of the report's event; a report redelivered in the same
// run is weighed once, and one with no status is not weighed at all.
func TestLatePaymentContested(t *testing.T) {
	odd := returned("evt_odd", "po_2", "tr_2")
	odd.Status = "pending"
	run := runLate(t, providerSays("failed"), recorded(activities.LatePaymentOutput{Outcome: activities.LateContested, Recorded: "paid",
		Status: "paid", Word: "failed", FailureCode: "account_closed"}), returned("evt_1", "po_2", "tr_2"), returned("evt_1", "po_2", "tr_2"), odd)
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

// TestLatePaymentProviderSilent: a provider that cannot say what became of the transfer is
// asked again after the lookup wait and twice as long each time, three times (seven hours at
// an hour's wait); then the report stands unconfirmed, the record is told why, and only
// finance is e-mailed, to check the transfer before acting. A provider that knows no such
// transfer is not asked again.
func TestLatePaymentProviderSilent(t *testing.T) {
	down := func(string) (activities.LookupTransferOutput, error) {
		return activities.LookupTransferOutput{}, errors.New("payments provider unavailable")
	}
	unanswered := recorded(activities.LatePaymentOutput{Outcome: activities.LateUnanswered, Recorded: "paid", Status: "paid", Word: "failed"})
	run := runLate(t, down, unanswered, returned("evt_1", "po_2", "tr_2"))
	require.Greater(t, len(run.looked), 4, "four lookups, each retried for its minutes")
	require.GreaterOrEqual(t, run.elapsed, 7*time.Hour)
	require.Less(t, run.elapsed, 8*time.Hour)
	require.Len(t, run.recorded, 1)
	require.Empty(t, run.recorded[0].ProviderSays)
	require.Contains(t, run.recorded[0].Unanswered, "payments provider unavailable")
	require.Len(t, run.team, 1)
	require.Contains(t, run.team[0].Text, "could not say what became of it")
	require.Contains(t, run.team[0].Text, "check the transfer at the provider before acting")
	require.Empty(t, run.creator, "nothing is known to have failed")

	// Asked again after an hour (its first lookup's attempts all failed), the provider answers.
	first := len(run.looked) / 4
	calls := 0
	late := func(id string) (activities.LookupTransferOutput, error) {
		if calls++; calls <= first {
			return activities.LookupTransferOutput{}, errors.New("payments provider unavailable")
		}
		return providerSays("failed")(id)
	}
	run = runLate(t, late, recorded(activities.LatePaymentOutput{Outcome: activities.LateContested, Status: "paid", Word: "failed"}), returned("evt_1", "po_2", "tr_2"))
	require.Len(t, run.looked, first+1)
	require.GreaterOrEqual(t, run.elapsed, time.Hour)
	require.Less(t, run.elapsed, 2*time.Hour)
	require.Equal(t, "failed", run.recorded[0].ProviderSays)
	require.Empty(t, run.recorded[0].Unanswered)

	unknown := func(string) (activities.LookupTransferOutput, error) {
		return activities.LookupTransferOutput{}, temporal.NewNonRetryableApplicationError("the payments provider knows no transfer tr_2", activities.ErrTypeNotFound, nil)
	}
	run = runLate(t, unknown, unanswered, returned("evt_1", "po_2", "tr_2"))
	require.Len(t, run.looked, 1)
	require.Contains(t, run.recorded[0].Unanswered, "knows no transfer")
}

// TestLatePaymentWhoIsTold: each outcome tells whoever must act, and a repeat nobody: a payout
// still on its way that failed, finance and the creator; one paid, nobody; a failed payout
// paid after all, finance (the creator may be paid twice); a report the provider's record
// does not bear out, settled before or not the partnership's, nobody. Two reports of two
// payouts in one run are both weighed, in order.
func TestLatePaymentWhoIsTold(t *testing.T) {
	for name, tc := range map[string]struct {
		out              activities.LatePaymentOutput
		finance, creator string
	}{
		"failed on its way": {out: activities.LatePaymentOutput{Outcome: activities.LateApplied, Recorded: "processing", Status: "failed", Word: "failed", FailureCode: "account_closed"},
			finance: "failed (account_closed): the provider's record says so", creator: "could not be sent (account closed)"},
		"paid on its way": {out: activities.LatePaymentOutput{Outcome: activities.LateApplied, Recorded: "processing", Status: "paid", Word: "paid"}},
		"paid after all":  {out: activities.LatePaymentOutput{Outcome: activities.LateContested, Recorded: "failed", Status: "failed", Word: "paid"}, finance: "they were paid twice"},
		"repeat":          {out: activities.LatePaymentOutput{Outcome: activities.LateContested, Repeat: true, Status: "paid", Word: "failed"}},
		"unconfirmed":     {out: activities.LatePaymentOutput{Outcome: activities.LateUnconfirmed}},
		"settled":         {out: activities.LatePaymentOutput{Outcome: activities.LateSettled}},
		"unmatched":       {out: activities.LatePaymentOutput{Outcome: activities.LateUnmatched}},
	} {
		t.Run(name, func(t *testing.T) {
			run := runLate(t, providerSays(tc.out.Word), recorded(tc.out), returned("evt_1", "po_1", "tr_1"), returned("evt_2", "po_2", "tr_2"))
			require.Len(t, run.recorded, 2)
			require.Equal(t, "po_1", run.recorded[0].Event.PayoutID)
			require.Equal(t, "po_2", run.recorded[1].Event.PayoutID)
			if tc.finance == "" {
				require.Empty(t, run.team)
			} else {
				require.Len(t, run.team, 2)
				require.Contains(t, run.team[0].Text, tc.finance)
			}
			if tc.creator == "" {
				require.Empty(t, run.creator)
			} else {
				require.Len(t, run.creator, 2)
				require.Contains(t, run.creator[0].Text, tc.creator)
			}
		})
	}
}

// TestLatePaymentUnreadableState: a report whose record fails for good (a state document that
// cannot be read) is logged, and the run goes on to the next report.
func TestLatePaymentUnreadableState(t *testing.T) {
	record := func(in activities.LatePaymentInput) (activities.LatePaymentOutput, error) {
		if in.Event.PayoutID == "po_1" {
			return activities.LatePaymentOutput{}, temporal.NewNonRetryableApplicationError("read the state document", activities.ErrTypeUnreadableState, nil)
		}
		return recorded(activities.LatePaymentOutput{Outcome: activities.LateContested, Status: "paid", Word: "failed"})(in)
	}
	run := runLate(t, providerSays("failed"), record, returned("evt_1", "po_1", "tr_1"), returned("evt_2", "po_2", "tr_2"))
	require.Len(t, run.recorded, 2)
	require.Len(t, run.team, 1)
	require.Contains(t, run.team[0].Text, "payout po_2")
}
