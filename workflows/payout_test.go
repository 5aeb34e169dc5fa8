package workflows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/workflows"
)

// TestPayoutDualApproval: at the threshold a second, different finance user must approve
// before the transfer goes out.
func TestPayoutDualApproval(t *testing.T) {
	in := baseInput()
	in.Campaign.DualApprovalThresholdMinor = 50_000 // exactly the fee: the threshold is inclusive
	f := newFixture(t, in)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.snapshot(minute(6.5), "awaiting")
	f.update(minute(7), "self-approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance1, PayoutID: "po_1"})
	f.update(minute(7.1), "brand-approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: brand, PayoutID: "po_1"})
	f.update(minute(7.2), "approve-unknown", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_9"})
	f.update(minute(8), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.snapshot(minute(8.5), "processing")
	f.update(minute(8.6), "approve-again", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: admin, PayoutID: "po_1"})
	f.payment(minute(9), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	po := decodeResult[partnership.Payout](t, f.requireAccepted("trigger"))
	require.Equal(t, partnership.PayoutAwaitingApproval, po.Status)
	aw := f.snap("awaiting")
	require.Equal(t, partnership.PayoutAwaitingApproval, aw.Payouts[0].Status)
	require.Empty(t, aw.Payouts[0].TransferID)
	requireNextAction(t, aw, partnership.RoleFinance, "approve_payout")

	f.requireRejected("self-approve", partnership.ErrTypeConflict)
	f.requireRejected("brand-approve", partnership.ErrTypeForbidden)
	f.requireRejected("approve-unknown", partnership.ErrTypeNotFound)
	ap := decodeResult[partnership.Payout](t, f.requireAccepted("approve"))
	require.Equal(t, finance2.Sub, ap.ApprovedBy)
	pr := f.snap("processing")
	require.Equal(t, partnership.PayoutProcessing, pr.Payouts[0].Status)
	require.Equal(t, "tr_po_1", pr.Payouts[0].TransferID)
	f.requireRejected("approve-again", partnership.ErrTypeConflict)

	require.Equal(t, partnership.StageCompleted, st.Stage)
	p := st.Payouts[0]
	require.Equal(t, partnership.PayoutPaid, p.Status)
	require.Equal(t, finance1.Sub, p.TriggeredBy)
	require.Equal(t, finance2.Sub, p.ApprovedBy)
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.Equal(t, 1, f.countEvents("payout_approved"))
	ev := f.event("payout_approved")
	require.Equal(t, finance2.Sub, ev.Actor)
	requireSubsequence(t, f.eventTypes(), []string{"payout_triggered", "payout_approved", "transfer_created", "payout_paid", "completed"})

	// The team is asked for the second approval once, when the payout starts waiting for it.
	mails := f.teamMailsSent()
	require.Len(t, mails, 1)
	require.Equal(t, partnership.RoleFinance, mails[0].role)
	require.Equal(t, "A payout awaits a second approval", mails[0].subject)
	require.Equal(t, "Payout po_1 (fee, USD 500.00) of partnership p-0001 (Acme), triggered by fin-1, is at or above the dual-approval threshold and awaits the approval of another finance user.",
		f.teamMail(0).Text)
}

// TestApprovalEmailsBeforeVersion: before "approval-emails" a payout waiting for its second
// approval was shown in next_action only, and such a history replays so.
func TestApprovalEmailsBeforeVersion(t *testing.T) {
	in := baseInput()
	in.Campaign.DualApprovalThresholdMinor = 50_000
	f := newFixture(t, in)
	f.oldBranch("approval-emails")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.update(minute(8), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.payment(minute(9), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Empty(t, f.teamMailsSent())
}

// TestPayoutFailedThenRetriggered: a failed transfer goes back to finance; the new payout
// gets its own id and idempotency key; nothing is paid twice.
func TestPayoutFailedThenRetriggered(t *testing.T) {
	cases := []struct {
		name        string
		transferErr error  // CreateTransfer fails for the first payout
		failure     string // or the provider reports the first transfer failed
		wantCode    string
	}{
		{name: "provider reports the transfer failed", failure: "account_closed", wantCode: "account_closed"},
		{name: "creator has no payout profile", wantCode: "payout_profile_missing",
			transferErr: temporal.NewNonRetryableApplicationError("no payout account", activities.ErrTypePayoutProfileMissing, nil)},
		{name: "provider refuses the first attempt", wantCode: "transfer_rejected",
			transferErr: temporal.NewNonRetryableApplicationError("payments: 400 balance_insufficient", providers.ErrTypeRejected, nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			if tc.transferErr != nil {
				f.transferErrs = []error{tc.transferErr}
			}
			f.toPayout()
			f.trigger(minute(6), "trigger-1", finance1, partnership.PayoutKindFee)
			if tc.failure != "" {
				f.payment(minute(7), "pay-evt-1", "po_1", "failed", tc.failure)
			}
			f.snapshot(minute(7.5), "failed")
			f.trigger(minute(8), "trigger-2", finance2, partnership.PayoutKindFee)
			f.trigger(minute(8.5), "trigger-3", finance1, partnership.PayoutKindFee)
			f.payment(minute(9), "pay-evt-2", "po_2", "paid", "")
			st := f.runOK()

			f.requireAccepted("trigger-1")
			fl := f.snap("failed")
			require.Equal(t, partnership.StagePayout, fl.Stage)
			require.Equal(t, partnership.PayoutFailed, fl.Payouts[0].Status)
			require.Equal(t, tc.wantCode, fl.Payouts[0].FailureCode)
			requireNextAction(t, fl, partnership.RoleFinance, "trigger_payout")
			po := decodeResult[partnership.Payout](t, f.requireAccepted("trigger-2"))
			require.Equal(t, "po_2", po.ID)
			f.requireRejected("trigger-3", partnership.ErrTypeConflict)

			require.Equal(t, partnership.StageCompleted, st.Stage)
			require.Len(t, st.Payouts, 2)
			require.Equal(t, partnership.PayoutFailed, st.Payouts[0].Status)
			require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
			require.Equal(t, usd(50_000), st.Payouts[1].Amount)
			require.Equal(t, 2, f.n("CreateTransfer"), "exactly one transfer per payout")
			require.Equal(t, "p-0001/payout/po_1/1", f.transfers[0].IdempotencyKey)
			require.Equal(t, "p-0001/payout/po_2/1", f.transfers[1].IdempotencyKey)
			require.Equal(t, 1, f.countEvents("payout_failed"))
			require.Equal(t, 1, f.countEvents("payout_paid"))
			require.EqualValues(t, 1, f.metrics.count(workflows.MetricPayoutsFailed), "the failed payout is counted once")

			// The creator and finance are told at once: one may have to fix their details,
			// the other must trigger it again.
			require.Equal(t, 1, countPrefix(f.notifySubjects(), "Your payment could not be sent"))
			for _, n := range f.notifies {
				if n.Subject == "Your payment could not be sent" {
					require.Contains(t, n.Text, "The fee payment of USD 500.00 for your partnership with Acme could not be sent")
				}
			}
			mails := f.teamMailsSent()
			require.Len(t, mails, 1)
			require.Equal(t, partnership.RoleFinance, mails[0].role)
			require.Equal(t, "A payout failed", mails[0].subject)
			require.True(t, strings.HasPrefix(mails[0].key, "p-0001/email/payout_failed/po_1/"), mails[0].key)
			require.Equal(t, "Payout po_1 (fee, USD 500.00) of partnership p-0001 (Acme) failed: "+strings.ReplaceAll(tc.wantCode, "_", " ")+". Trigger it again once the cause is fixed.", f.teamMail(0).Text)
		})
	}
}

// TestFailureEmailsBeforeVersion: before "failure-emails" a failed payout or post verification
// was told to nobody (the state and the audit trail said so), and such histories replay so.
func TestFailureEmailsBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("failure-emails")
	f.verifyResults = []partnership.VerificationReport{failedReport(activities.ReasonDisclosure)}
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(minute(4), "review-1", "d1", 1, "approve")
	f.post(minute(5), "post-1", "d1", "https://instagram.example/p/1")
	f.post(minute(6), "post-2", "d1", "https://instagram.example/p/1-fixed")
	f.trigger(minute(7), "trigger-1", finance1, partnership.PayoutKindFee)
	f.payment(minute(8), "pay-evt-1", "po_1", "failed", "account_closed")
	f.trigger(minute(9), "trigger-2", finance1, partnership.PayoutKindFee)
	f.payment(minute(10), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 1, f.countEvents("post_verification_failed"))
	require.Equal(t, 1, f.countEvents("payout_failed"))
	require.Equal(t, 0, countPrefix(f.notifySubjects(), "Your post could not be verified"))
	require.Equal(t, 0, countPrefix(f.notifySubjects(), "Your payment could not be sent"))
	require.Empty(t, f.teamMailsSent())
}

// TestTrackingNextActionFollowsTheFee: during the attribution window next_action names
// finance while the fee is to trigger or approve and the transfer while it is on its way;
// once the fee is paid, the count of conversions at the window's end.
func TestTrackingNextActionFollowsTheFee(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1500
	in.Campaign.DualApprovalThresholdMinor = 1 // the fee waits for a second approval
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Conversions: 1, Revenue: usd(10_000)}
	f.toPayout() // verified at minute 5: the window runs to minute 5 + 30 days
	end := minute(5) + 30*day
	f.trigger(minute(6), "fee", finance1, partnership.PayoutKindFee)
	f.snapshot(minute(6.5), "triggered")
	f.update(minute(7), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.snapshot(minute(7.5), "approved")
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	f.snapshot(minute(8.5), "paid")
	f.trigger(end+minute(1), "commission", finance1, partnership.PayoutKindCommission)
	f.update(end+minute(1.5), "approve-2", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_2"})
	f.payment(end+minute(2), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	requireNextAction(t, f.snap("triggered"), partnership.RoleFinance, "approve_payout")
	requireNextAction(t, f.snap("approved"), partnership.RoleSystem, "await_transfer")
	paid := f.snap("paid")
	require.Equal(t, partnership.StageTracking, paid.Stage)
	requireNextAction(t, paid, partnership.RoleSystem, "collect_conversions")
	requireDueAt(t, paid, testStart.Add(end))
	require.Equal(t, partnership.StageCompleted, st.Stage)
}

// TestPayoutCommissionAfterAttributionWindow: with a commission the partnership tracks sales
// for the attribution window; the commission is revenue * bps / 10000, rounded down.
func TestPayoutCommissionAfterAttributionWindow(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1500
	f := newFixture(t, in)
	eur := []partnership.CurrencyOrders{{Orders: 2, Revenue: partnership.Money{AmountMinor: 9_000, Currency: "EUR"}}}
	f.conversions = activities.ConversionsOutput{Conversions: 7, Revenue: usd(123_457),
		PostMetrics: partnership.PostMetrics{Posts: 1, Likes: 900, Comments: 40}, OtherCurrencies: eur}
	f.toPayout() // verified at minute 5
	f.snapshot(minute(5.5), "tracking")
	f.trigger(minute(6), "commission-too-early", finance1, partnership.PayoutKindCommission)
	end := minute(5) + 30*day
	f.snapshot(end+minute(1), "payout")
	f.trigger(end+minute(2), "fee", finance1, partnership.PayoutKindFee)
	f.trigger(end+minute(3), "commission", finance1, partnership.PayoutKindCommission)
	f.payment(end+minute(4), "pay-evt-1", "po_1", "paid", "")
	f.snapshot(end+minute(4.5), "fee-paid")
	f.payment(end+minute(5), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	tr := f.snap("tracking")
	require.Equal(t, partnership.StageTracking, tr.Stage)
	// The fee is payable since the post was verified: finance is who must act during the
	// window, until the fee is paid.
	requireNextAction(t, tr, partnership.RoleFinance, "trigger_payout")
	requireDueAt(t, tr, testStart.Add(minute(5)).Add(7*day))
	f.requireRejected("commission-too-early", partnership.ErrTypeConflict)

	p := f.snap("payout")
	require.Equal(t, partnership.StagePayout, p.Stage)
	require.Equal(t, int64(7), p.Tracking.Conversions)
	require.Equal(t, usd(123_457), p.Tracking.Revenue)
	require.Equal(t, eur, p.Tracking.OtherCurrencies, "orders in another currency are shown, not counted")
	require.NotNil(t, p.Tracking.PostMetrics)
	require.Equal(t, int64(900), p.Tracking.PostMetrics.Likes)

	f.requireAccepted("fee")
	c := decodeResult[partnership.Payout](t, f.requireAccepted("commission"))
	require.Equal(t, usd(123_457*1500/10_000), c.Amount)
	require.Equal(t, int64(18_518), c.Amount.AmountMinor, "18518.55 rounds down")
	fp := f.snap("fee-paid")
	require.Equal(t, partnership.StagePayout, fp.Stage, "the commission is still outstanding")

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, st.Payouts, 2)
	require.Equal(t, partnership.PayoutKindCommission, st.Payouts[1].Kind)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	require.Equal(t, 1, f.n("CollectConversions"))
	require.Equal(t, discountCode, f.collects[0].Code)
	require.Equal(t, "USD", f.collects[0].Currency)
	require.Equal(t, []string{"https://instagram.example/p/1"}, f.collects[0].PostURLs)
	require.Equal(t, 2, f.n("CreateTransfer"))
	require.Equal(t, int64(18_518), f.transfers[1].Amount.AmountMinor)
}

// TestPayoutNoCommissionWithoutSales: a commission partnership without attributed revenue
// completes with the fee alone.
func TestPayoutNoCommissionWithoutSales(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1500
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Revenue: usd(0)}
	f.toPayout()
	end := minute(5) + 30*day
	f.trigger(end+minute(1), "commission", finance1, partnership.PayoutKindCommission)
	f.trigger(end+minute(2), "fee", finance1, partnership.PayoutKindFee)
	f.payment(end+minute(3), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()
	f.requireRejected("commission", partnership.ErrTypeConflict)
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, st.Payouts, 1)
}

// TestPayoutValidationAndDuplicateEvents: wrong kinds and repeated triggers are refused; a
// redelivered or foreign payment webhook changes nothing.
func TestPayoutValidationAndDuplicateEvents(t *testing.T) {
	f := newFixture(t, baseInput())
	f.trigger(minute(3), "fee-in-content", finance1, partnership.PayoutKindFee)
	f.toPayout()
	f.trigger(minute(5.5), "bonus", finance1, "bonus")
	f.trigger(minute(5.6), "commission", finance1, partnership.PayoutKindCommission)
	f.trigger(minute(5.7), "kill-fee", finance1, partnership.PayoutKindKillFee)
	f.trigger(minute(6), "fee", admin, partnership.PayoutKindFee)
	f.trigger(minute(6.5), "fee-again", finance2, partnership.PayoutKindFee)
	f.update(minute(6.6), "approve-processing", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.payment(minute(6.7), "pay-evt-x", "po_9", "paid", "") // unknown payout
	f.snapshot(minute(6.8), "processing")
	f.at(minute(7), func() {
		for i := 0; i < 3; i++ {
			f.signalPayment(partnership.PaymentEvent{
				EventID: "pay-evt-1", TransferID: "tr_po_1", PayoutID: "po_1", Status: "paid"})
		}
	})
	st := f.runOK()

	f.requireRejected("fee-in-content", partnership.ErrTypeConflict)
	f.requireRejected("bonus", partnership.ErrTypeInvalid)
	f.requireRejected("commission", partnership.ErrTypeConflict)
	f.requireRejected("kill-fee", partnership.ErrTypeConflict)
	f.requireAccepted("fee")
	f.requireRejected("fee-again", partnership.ErrTypeConflict)
	f.requireRejected("approve-processing", partnership.ErrTypeConflict)
	pr := f.snap("processing")
	require.Equal(t, partnership.PayoutProcessing, pr.Payouts[0].Status, "a webhook for another payout changes nothing")

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, st.Payouts, 1)
	require.Equal(t, admin.Sub, st.Payouts[0].TriggeredBy)
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.Equal(t, 1, f.countEvents("payout_paid"))
	require.Equal(t, 1, f.countEvents("payout_triggered"))
}

// TestPayoutFeeDuringAttributionWindow: the fee is payable during the attribution window and
// is transferred and settled right away, not when the window ends.
func TestPayoutFeeDuringAttributionWindow(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1000
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Revenue: usd(0)}
	f.toPayout()
	f.trigger(minute(6), "fee", finance1, partnership.PayoutKindFee)
	f.snapshot(minute(7), "after-trigger")
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	f.snapshot(minute(9), "after-payment")
	st := f.runOK()
	f.requireAccepted("fee")
	require.Equal(t, partnership.StageTracking, f.snap("after-trigger").Stage)
	require.NotEmpty(t, f.snap("after-trigger").Payouts[0].TransferID, "the transfer should go out when finance triggers it")
	require.Equal(t, partnership.PayoutPaid, f.snap("after-payment").Payouts[0].Status)
	require.Equal(t, partnership.StageTracking, f.snap("after-payment").Stage)
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.True(t, f.event("payout_paid").At.Equal(testStart.Add(minute(8))))
	require.True(t, f.event("completed").At.Equal(testStart.Add(minute(5)+30*day)), "completed when the window closed")
}

// TestTransferOutOfRetriesKeepsItsKey: a transfer that ran out of retries may have been made,
// so the payout is neither failed (finance would pay it again under a new key) nor the
// workflow: it stays processing, the audit trail says why, and the same key is tried again.
func TestTransferOutOfRetriesKeepsItsKey(t *testing.T) {
	f := newFixture(t, baseInput())
	f.transferErrs = []error{
		temporal.NewNonRetryableApplicationError("payments: unavailable for a day", activities.ErrTypeTransferInDoubt, nil),
		temporal.NewNonRetryableApplicationError("payments: still unavailable", activities.ErrTypeTransferInDoubt, nil),
	}
	f.toPayout()
	f.trigger(minute(6), "trigger-1", finance1, partnership.PayoutKindFee)
	f.snapshot(minute(30), "delayed")
	f.trigger(minute(31), "trigger-again", finance1, partnership.PayoutKindFee)
	f.payment(3*time.Hour, "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	delayed := f.snap("delayed")
	require.Equal(t, partnership.PayoutProcessing, delayed.Payouts[0].Status)
	requireNextAction(t, delayed, partnership.RoleSystem, "await_transfer")
	f.requireRejected("trigger-again", partnership.ErrTypeConflict)

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, 3, f.n("CreateTransfer"))
	for i, tr := range f.transfers {
		require.Equal(t, "p-0001/payout/po_1/1", tr.IdempotencyKey, "every attempt asks with the same key")
		require.Equal(t, i > 0, tr.InDoubt, "executions after the first know the transfer is in doubt")
	}
	require.Equal(t, 2, f.countEvents("transfer_delayed"))
	require.EqualValues(t, 2, f.metrics.count(workflows.MetricTransfersDelayed))
	require.EqualValues(t, 0, f.metrics.count(workflows.MetricPayoutsFailed))
	require.Equal(t, 0, f.countEvents("payout_failed"))
	require.Equal(t, testStart.Add(minute(6)).Add(2*time.Hour), f.event("transfer_created").At, "tried again an hour after each stall")
}

// TestTransferInDoubtRetriedWhenTheProviderReports: a transfer ran out of its retries, so it is
// in doubt and asked for again (same key) an hour later. The provider's paid webhook arrives
// after 14 minutes: the transfer was made after all. The payout is asked for at once, which
// returns that transfer, and reads paid then, not an hour later.
func TestTransferInDoubtRetriedWhenTheProviderReports(t *testing.T) {
	f := newFixture(t, baseInput())
	f.transferErrs = []error{temporal.NewNonRetryableApplicationError("payments: unavailable for a day", activities.ErrTypeTransferInDoubt, nil)}
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(20), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.True(t, st.Payouts[0].PaidAt.Equal(testStart.Add(minute(20))), "paid at %s", st.Payouts[0].PaidAt)
	require.Equal(t, 2, f.n("CreateTransfer"))
	require.Equal(t, f.transfers[0].IdempotencyKey, f.transfers[1].IdempotencyKey, "the same key: the transfer the provider made")
	require.True(t, f.transfers[1].InDoubt)
	require.Equal(t, testStart.Add(minute(20)), f.event("transfer_created").At)
}

// TestTransferInDoubtBeforeVersion: before "transfer-wait-wakes" the hour was slept out
// whatever arrived, and such a history replays that way.
func TestTransferInDoubtBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("transfer-wait-wakes")
	f.transferErrs = []error{temporal.NewNonRetryableApplicationError("payments: unavailable for a day", activities.ErrTypeTransferInDoubt, nil)}
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(20), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, testStart.Add(minute(6)+time.Hour), f.event("transfer_created").At)
}

// TestTransferInDoubtDoesNotHoldTheRecheck: a transfer waiting its hour in doubt (or retrying
// with the provider down) is made beside the re-check's wait, not in it: the posts are
// re-checked when due, the transfer is asked for again under the same key when its hour is
// up, and the partnership completes once it is paid.
func TestTransferInDoubtDoesNotHoldTheRecheck(t *testing.T) {
	f := feeInDoubt(t, true) // the fee payable at minute 5, the re-check due at minute 35
	f.snapshot(minute(40), "rechecked")
	st := f.runOK()

	require.True(t, f.event("posts_rechecked").At.Equal(testStart.Add(minute(35))), "re-checked when due, at %s", f.event("posts_rechecked").At)
	r := f.snap("rechecked")
	require.Equal(t, partnership.PayoutProcessing, r.Payouts[0].Status)
	requireNextAction(t, r, partnership.RoleSystem, "await_transfer")
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, 2, f.n("CreateTransfer"))
	require.Equal(t, f.transfers[0].IdempotencyKey, f.transfers[1].IdempotencyKey)
	require.True(t, f.transfers[1].InDoubt)
	require.True(t, f.event("transfer_created").At.Equal(testStart.Add(minute(6)+time.Hour)), "asked again when its hour was up")
	require.Equal(t, 1, f.countEvents("posts_rechecked"))
}

// TestTransferInDoubtBeforeAsyncTransfers: before "async-transfers" the transfer was made in
// line and its hour in doubt held the re-check, and such a history replays that way.
func TestTransferInDoubtBeforeAsyncTransfers(t *testing.T) {
	f := feeInDoubt(t, false)
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.True(t, f.event("posts_rechecked").At.Equal(testStart.Add(minute(6)+time.Hour)), "held by the transfer's hour, re-checked at %s", f.event("posts_rechecked").At)
}

// TestCancelWhileTransferInDoubt: a cancellation while the fee's transfer waits its hour in
// doubt is applied at once, not an hour later; the fee already sent stays owed, the same key
// is asked for again, and the partnership ends once it is paid.
func TestCancelWhileTransferInDoubt(t *testing.T) {
	for _, async := range []bool{true, false} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			f := feeInDoubt(t, async)
			f.update(minute(10), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
			st := f.runOK()

			f.requireAccepted("cancel")
			require.Equal(t, partnership.StageCancelled, st.Stage)
			require.Len(t, st.Payouts, 1)
			require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
			require.Equal(t, 2, f.n("CreateTransfer"))
			require.Equal(t, f.transfers[0].IdempotencyKey, f.transfers[1].IdempotencyKey)
			cancelledAt := f.event("partnership_cancelled").At
			if async {
				require.True(t, cancelledAt.Equal(testStart.Add(minute(10))), "cancelled at once, at %s", cancelledAt)
			} else {
				require.True(t, cancelledAt.Equal(testStart.Add(minute(6)+time.Hour)), "the old branch: after the transfer's hour, at %s", cancelledAt)
			}
		})
	}
}
