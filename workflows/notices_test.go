package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// slowCreatorMail makes the creator's e-mails take d on the mock clock from now on (the
// e-mail provider slow or retrying).
func (f *fixture) slowCreatorMail(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notifyDelay = d
}

// TestFailureEmailsDoNotHoldThePayout: a failed payout's e-mails go beside the main loop from
// version 6 of record-once-per-task, so with the e-mail provider slow the failure, and finance's
// turn to trigger it again, show at once, and the new trigger is paid while the creator's
// e-mail is still on its way. At version 5 the stage waited for the e-mails, and next_action
// still showed the transfer on its way.
func TestFailureEmailsDoNotHoldThePayout(t *testing.T) {
	for _, tc := range []struct {
		base   workflow.Version
		beside bool
	}{{6, true}, {5, false}} {
		t.Run("version "+string(rune('0'+tc.base)), func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(tc.base)
			f.toPayout()
			f.trigger(minute(6), "trigger-1", finance1, partnership.PayoutKindFee)
			f.at(minute(6.5), func() { f.slowCreatorMail(minute(30)) })
			f.payment(minute(7), "pay-evt-1", "po_1", "failed", "account_closed")
			f.snapshot(minute(8), "failed")
			f.trigger(minute(9), "trigger-2", finance1, partnership.PayoutKindFee)
			f.payment(minute(10), "pay-evt-2", "po_2", "paid", "")
			f.snapshot(minute(11), "retried")
			st := f.runOK()

			require.Equal(t, partnership.StageCompleted, st.Stage)
			require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
			require.Equal(t, 1, countPrefix(f.notifySubjects(), "Your payment could not be sent"))
			require.Len(t, f.teamMailsSent(), 1)
			failed, retried := f.snap("failed"), f.snap("retried")
			require.Equal(t, partnership.PayoutFailed, failed.Payouts[0].Status)
			if !tc.beside {
				require.NotEqual(t, "trigger_payout", failed.NextAction.Action, "the stage waits for the e-mails")
				require.NotEqual(t, partnership.PayoutPaid, retried.Payouts[len(retried.Payouts)-1].Status)
				return
			}
			requireNextAction(t, failed, partnership.RoleFinance, "trigger_payout")
			require.Len(t, retried.Payouts, 2)
			require.Equal(t, partnership.PayoutPaid, retried.Payouts[1].Status, "paid while the e-mail is on its way")
		})
	}
}

// TestQueuedEmailsSentBeforeTheRunEnds: a cancelled partnership's kill fee fails and is paid
// again while the creator's e-mail about the failure is still on its way (the e-mail provider
// slow): the partnership ends, and the run waits for the e-mail before it closes. Before
// version 6 the run closed with the e-mail unsent.
func TestQueuedEmailsSentBeforeTheRunEnds(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toContent()
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	step := time.Second
	f.when(minute(3)+step, step, "kill fee payable", func(st partnership.State) bool {
		return st.Stage == partnership.StageCancelled && st.NextAction != nil && st.NextAction.Action == "trigger_payout"
	}, func() {
		f.updateNow("trigger-1", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindKillFee})
	})
	f.when(minute(3)+2*step, step, "transfer created", func(st partnership.State) bool {
		return len(st.Payouts) == 1 && st.Payouts[0].TransferID != ""
	}, func() {
		f.slowCreatorMail(minute(30))
		f.signalPayment(paymentEvent("pay-evt-1", "po_1", "failed", "account_closed"))
	})
	f.when(minute(3)+3*step, step, "failed", func(st partnership.State) bool {
		return len(st.Payouts) == 1 && st.Payouts[0].Status == partnership.PayoutFailed &&
			st.NextAction != nil && st.NextAction.Action == "trigger_payout"
	}, func() {
		f.updateNow("trigger-2", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindKillFee})
	})
	f.when(minute(3)+4*step, step, "retried", func(st partnership.State) bool {
		return len(st.Payouts) == 2 && st.Payouts[1].TransferID != ""
	}, func() {
		f.signalPayment(paymentEvent("pay-evt-2", "po_2", "paid", ""))
	})
	st := f.runOK()

	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	paid := st.Payouts[1].PaidAt
	require.NotNil(t, paid)
	require.Less(t, paid.Sub(testStart), minute(30), "paid while the e-mail was on its way")
	require.Equal(t, 1, countPrefix(f.notifySubjects(), "Your payment could not be sent"), "sent before the run closed")
	require.Len(t, f.teamMailsSent(), 1)
}

// TestAmbassadorHandOverCarriesUnsentEmails: with the e-mail provider slow, a cycle's hand-over
// waits a minute for its queued e-mails, not for the provider: the e-mails still queued are
// carried to the next run, which sends them first.
func TestAmbassadorHandOverCarriesUnsentEmails(t *testing.T) {
	f := newFixture(t, ambassadorInput())
	f.toPayout()
	f.trigger(minute(6), "trigger-1", finance1, partnership.PayoutKindFee)
	f.at(minute(6.5), func() { f.slowCreatorMail(2 * time.Hour) })
	f.payment(minute(7), "pay-evt-1", "po_1", "failed", "account_closed") // e-mails the creator (slow), then finance
	f.trigger(minute(8), "trigger-2", finance1, partnership.PayoutKindFee)
	f.payment(minute(9), "pay-evt-2", "po_2", "paid", "")
	f.run()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(f.resultErr, &can), "cycle 1 ends by continuing as new, got %v", f.resultErr)
	var next partnership.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Carry)
	require.Len(t, next.Carry.Notices, 1, "the finance e-mail, queued behind the creator's")
	require.Equal(t, partnership.RoleFinance, next.Carry.Notices[0].Role)
	require.Equal(t, "payout_failed/po_1", next.Carry.Notices[0].Step)
	require.Empty(t, f.teamMailsSent())
	done := f.event("cycle_completed").At
	require.Less(t, done.Sub(testStart), minute(11), "the hand-over waited a minute, not for the provider")

	// The next run sends it first (then waits for the next period; cancelled to end the test).
	g := newFixture(t, next)
	g.env.SetStartTime(done)
	g.at(minute(1), func() { g.env.CancelWorkflow() })
	g.run()
	mails := g.teamMailsSent()
	require.NotEmpty(t, mails)
	require.Equal(t, "A payout failed", mails[0].subject)
	require.Equal(t, "p-0001/email/payout_failed/po_1/6", mails[0].key)
}

// TestCreatorWithdrawalToldToTheBrand: from version 7 a creator's withdrawal is e-mailed to the
// brand with the creator's reason, as a declined offer is; at version 6 the brand was told
// nothing.
func TestCreatorWithdrawalToldToTheBrand(t *testing.T) {
	for _, base := range []workflow.Version{7, 6} {
		f := newFixture(t, baseInput())
		f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(base)
		f.update(minute(1), "withdraw", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "  changed my plans "})
		st := f.runOK()

		f.requireAccepted("withdraw")
		require.Equal(t, "withdrawn", st.Outcome)
		if base < 7 {
			require.NotContains(t, f.brandSubjects(), "A partnership has ended")
			continue
		}
		require.Equal(t, "The creator withdrew from the partnership with @jane for the campaign \"Spring launch\" (an instagram reel). "+
			"Reason: changed my plans. The partnership has ended. Partnership id: p-0001.", f.brandText("A partnership has ended"))
	}
}
