package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// inDoubt is the answer of a transfer out of its day of retries.
func inDoubt() error {
	return temporal.NewNonRetryableApplicationError("payments: unavailable for a day", activities.ErrTypeTransferInDoubt, nil)
}

// feeInDoubt drives a partnership whose posts are re-checked 30 minutes after their
// verification (minute 5) to its fee, triggered at minute 6, whose transfer then waits its
// hour in doubt; on the old branch of async-transfers unless async. The provider reports the
// transfer paid at minute 70, after its retry at 66.
func feeInDoubt(t *testing.T, async bool) *fixture {
	t.Helper()
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 30 * 60
	f := newFixture(t, in)
	if !async {
		f.oldBranch("async-transfers")
	}
	f.transferErrs = []error{inDoubt()}
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(70), "pay-evt-1", "po_1", "paid", "")
	return f
}

// TestWorkflowCancelWhileTransferInDoubt: an operator cancels the Temporal workflow while the
// fee's transfer waits its hour in doubt. On both branches the transfer is seen through (the
// old one in line, in compensate's disconnected context; the new one in its coroutine's own
// disconnected context): the same key is asked again, and the partnership knows the transfer
// and that it was paid.
func TestWorkflowCancelWhileTransferInDoubt(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			f := feeInDoubt(t, async)
			f.at(minute(10), func() { f.env.CancelWorkflow() })
			f.run()
			last := f.finalRecord()
			t.Logf("result err: %v; last stage %s; payouts %+v; CreateTransfer calls %d", f.resultErr, last.Stage, last.Payouts, f.n("CreateTransfer"))
			require.Equal(t, partnership.StageCancelled, last.Stage)
			require.Equal(t, 2, f.n("CreateTransfer"), "the transfer in doubt is asked for again under its key")
			require.Equal(t, "tr_po_1", last.Payouts[0].TransferID, "the partnership knows the transfer it made")
			require.Equal(t, partnership.PayoutPaid, last.Payouts[0].Status)
		})
	}
}

// TestTransferAnswerAppliedDuringComplianceHold: the fee's transfer is in doubt when the
// re-check puts the posts on compliance hold. Its retry succeeds an hour after it went in
// doubt and the provider reports it paid; the hold's wait (untilDeliverables) settles no
// payouts, but the transfer's coroutine records both at once.
func TestTransferAnswerAppliedDuringComplianceHold(t *testing.T) {
	f := feeInDoubt(t, true)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonCaptionMismatch, activities.ReasonDisclosure),
	}
	f.snapshot(minute(120), "hold")
	f.post(3*day, "fix", "d1", "https://instagram.example/p/1-fixed")
	st := f.runOK()
	h := f.snap("hold")
	require.NotNil(t, h.ComplianceHold)
	require.Equal(t, 2, f.n("CreateTransfer"))
	t.Logf("at minute 120 (hold): %+v", h.Payouts[0])
	require.Equal(t, "tr_po_1", h.Payouts[0].TransferID, "the transfer made at minute 66 is known")
	require.Equal(t, partnership.PayoutPaid, h.Payouts[0].Status, "the provider said paid at minute 70")
	require.Equal(t, partnership.StageCompleted, st.Stage)
}

// TestCancelUpdateThenWorkflowCancelWhileTransferInDoubt: the brand cancels (Update) while the
// fee's transfer waits in doubt, and compensate waits for the transfer; then an operator
// cancels the workflow. The transfer's coroutine is not cancelled with it, so compensate is
// not cut short and the partnership is compensated once.
func TestCancelUpdateThenWorkflowCancelWhileTransferInDoubt(t *testing.T) {
	f := feeInDoubt(t, true)
	f.update(minute(10), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	f.at(minute(20), func() { f.env.CancelWorkflow() })
	f.run()
	last := f.finalRecord()
	t.Logf("result %v; cancellation by %q; payouts %+v; cancelled events %d; creator mails %d", f.resultErr, last.Cancellation.By, last.Payouts, f.countEvents("partnership_cancelled"), countPrefix(f.notifySubjects(), cancelledSubject))
	require.Equal(t, 1, f.countEvents("partnership_cancelled"), "compensated once")
	require.NotEqual(t, "temporal", last.Cancellation.By, "the brand's cancellation stands")
	require.Equal(t, 1, countPrefix(f.notifySubjects(), cancelledSubject), "the creator is told once")
	require.Equal(t, partnership.PayoutPaid, last.Payouts[0].Status, "the last writes are made before the execution closes (flush-after-cancel)")
	require.True(t, temporal.IsCanceledError(f.resultErr), "the execution still closes as Canceled: %v", f.resultErr)
}

// TestCancelDuringFirstTransferAttemptRefused: the fee is triggered and its transfer's first
// attempt is under way when the re-check puts the post on compliance hold and the brand
// cancels. The provider then refuses the transfer: the fee was never on its way, so the
// cancellation owes the kill fee, as it did when transfers were made in line, not the fee.
func TestCancelDuringFirstTransferAttemptRefused(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 90 // verified at minute 5, re-checked at 6.5
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonDisclosure),
	}
	f.transferDelay = 90 * time.Second // the first attempt answers at 7.5
	f.transferErrs = []error{temporal.NewNonRetryableApplicationError("payments: 400 account_closed", providers.ErrTypeRejected, nil)}
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.update(minute(7), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "post taken down"})
	f.snapshot(minute(9), "after")
	f.run()

	f.requireAccepted("cancel")
	a := f.snap("after")
	require.Equal(t, partnership.StageCancelled, a.Stage)
	require.Equal(t, partnership.PayoutFailed, a.Payouts[0].Status)
	require.Equal(t, 1, f.countEvents("kill_fee_payable"), "the kill fee is owed: events %v", f.eventTypes())
	require.Equal(t, 0, f.countEvents("fee_payable_after_cancellation"))
}
