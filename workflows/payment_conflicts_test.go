package workflows_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

const conflictSubject = "A payment report contradicts an earlier one"

// TestPaymentConflicts: the provider reports a transfer paid and failed, in either order, in
// one workflow task or in two. On the old branch of conflict-lookup (version 7 of
// record-once-per-task) the first word stands whatever the order of arrival: a paid fee never
// becomes payable again (the creator would be paid twice), a failed one is not taken for paid.
// The contradiction is in the audit trail and finance is e-mailed once, however many
// contradicting reports come. TestConflictResolvedByTheProvider is the new branch.
func TestPaymentConflicts(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second string
		oneTask       bool
		want          string
	}{
		{"paid then failed in one task", "paid", "failed", true, partnership.PayoutPaid},
		{"paid then failed later", "paid", "failed", false, partnership.PayoutPaid},
		{"failed then paid in one task", "failed", "paid", true, partnership.PayoutFailed},
		{"failed then paid later", "failed", "paid", false, partnership.PayoutFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput()
			in.Campaign.RecheckAfterSeconds = 14 * 86400 // open until the re-check
			f := newFixture(t, in)
			f.oldBranchAt(7, "conflict-lookup")
			f.env.OnGetVersion("transfer-lookup", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion) // failures unconfirmed
			f.toPayout()                                                                                      // verified at minute 5
			f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
			code := func(status string) string {
				if status == "failed" {
					return "account_closed"
				}
				return ""
			}
			first := paymentEvent("pay-evt-1", "po_1", tc.first, code(tc.first))
			second := paymentEvent("pay-evt-2", "po_1", tc.second, code(tc.second))
			if tc.oneTask {
				f.at(minute(7), func() {
					f.signalPaymentSkippingTask(first)
					f.signalPayment(second)
				})
			} else {
				f.signal(minute(7), partnership.SignalPaymentEvent, first)
				f.signal(minute(8), partnership.SignalPaymentEvent, second)
			}
			f.payment(minute(8.5), "pay-evt-3", "po_1", tc.second, code(tc.second)) // the same word again
			f.snapshot(minute(9), "after")
			f.trigger(minute(10), "trigger-again", finance1, partnership.PayoutKindFee)
			if tc.want == partnership.PayoutFailed {
				f.update(minute(10.5), "trigger-with-reason", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{
					Actor: finance1, Kind: partnership.PayoutKindFee, Reason: "the provider's dashboard shows tr_po_1 returned"})
				f.payment(minute(11), "pay-evt-4", "po_2", "paid", "")
			}
			st := f.runOK()

			require.Equal(t, partnership.StageCompleted, st.Stage)
			p := f.snap("after")
			require.Len(t, p.Payouts, 1)
			require.Equal(t, tc.want, p.Payouts[0].Status)
			require.Equal(t, tc.second, p.Payouts[0].ConflictingReport, "the payout shows the contradiction")
			applied := map[string]string{"paid": "payout_paid", "failed": "payout_failed"}[tc.first]
			requireSubsequence(t, f.eventTypes(), []string{applied, "payment_conflict"}) // in the order of the reports
			require.Equal(t, 1, f.countEvents("payment_conflict"))
			var data map[string]string
			require.NoError(t, json.Unmarshal(f.event("payment_conflict").Data, &data))
			delete(data, "failure_code") // a reported failure's only
			require.Equal(t, map[string]string{"payout_id": "po_1", "transfer_id": "tr_po_1", "event_id": "pay-evt-2",
				"reported": tc.second, "recorded": tc.first}, data)
			var conflictMails []string
			for i, m := range f.teamMailsSent() {
				if m.subject == conflictSubject {
					require.Equal(t, partnership.RoleFinance, m.role)
					conflictMails = append(conflictMails, f.teamMail(i).Text)
				}
			}
			require.Len(t, conflictMails, 1)
			require.Contains(t, conflictMails[0], "transfer tr_po_1 of payout po_1 of partnership p-0001 (Acme) as "+tc.second)
			if tc.want == partnership.PayoutPaid {
				// Paid stays paid: nothing is payable again, one transfer made.
				f.requireRejected("trigger-again", partnership.ErrTypeConflict)
				require.Equal(t, 1, f.n("CreateTransfer"))
				require.Equal(t, 0, f.countEvents("payout_failed"))
				require.Contains(t, conflictMails[0], "The payout stays paid")
				return
			}
			// Failed stays failed: finance was warned, and triggers it again only with a reason
			// (having checked the transfer at the provider).
			require.True(t, strings.Contains(conflictMails[0], "check the transfer at the provider before triggering the payout again"))
			require.Equal(t, 1, f.countEvents("payout_failed"))
			f.requireRejected("trigger-again", partnership.ErrTypeConflict)
			f.requireAccepted("trigger-with-reason")
			require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
		})
	}
}

// TestPaymentConflictsBeforeVersion: before "payment-conflicts" the payout's latest event was
// kept, so a failure reported in the same workflow task as the payment made the payout failed,
// and such histories replay so.
func TestPaymentConflictsBeforeVersion(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.oldBranch("payment-conflicts")
	f.env.OnGetVersion("transfer-lookup", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion) // failures unconfirmed
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.at(minute(7), func() {
		f.signalPaymentSkippingTask(paymentEvent("pay-evt-1", "po_1", "paid", ""))
		f.signalPayment(paymentEvent("pay-evt-2", "po_1", "failed", "account_closed"))
	})
	f.snapshot(minute(9), "after")
	f.trigger(minute(10), "trigger-again", finance1, partnership.PayoutKindFee)
	f.payment(minute(11), "pay-evt-3", "po_2", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.PayoutFailed, f.snap("after").Payouts[0].Status)
	require.Equal(t, 0, f.countEvents("payment_conflict"))
	f.requireAccepted("trigger-again")
	require.Equal(t, 2, f.n("CreateTransfer"), "the old branch paid twice")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
}

// TestPaymentConflictOnAnEarlierCycle: in an ambassador partnership's next run, the provider
// reports the last cycle's paid fee failed: the finished cycle's payout keeps its status and
// shows the report, payment_conflict is recorded and finance is e-mailed; nothing of the
// current cycle changes.
func TestPaymentConflictOnAnEarlierCycle(t *testing.T) {
	f, st := earlierCycleReportedFailed(t, nil)

	r := f.snap("reported")
	require.Equal(t, partnership.PayoutPaid, r.Cycles[0].Payouts[0].Status)
	require.Equal(t, "failed", r.Cycles[0].Payouts[0].ConflictingReport)
	require.Equal(t, 1, f.countEvents("payment_conflict"))
	require.Equal(t, 0, f.countEvents("payout_failed"))
	var mails int
	for _, m := range f.teamMailsSent() {
		if m.subject == conflictSubject {
			mails++
		}
	}
	require.Equal(t, 1, mails)
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status, "the current cycle's fee is paid as usual")
}

// earlierCycleReportedFailed runs an ambassador partnership's second cycle, in which the
// provider reports cycle 1's paid fee failed (a new event) at minute 2, snapshot "reported" at
// minute 3; setup, if any, prepares the second run's fixture first.
func earlierCycleReportedFailed(t *testing.T, setup func(*fixture)) (*fixture, partnership.State) {
	t.Helper()
	_, next := runFirstCycle(t, ambassadorInput())
	f := newFixture(t, next)
	runStart := testStart.Add(minute(7))
	f.env.SetStartTime(runStart)
	if setup != nil {
		setup(f)
	}
	f.payment(minute(2), "pay-evt-9", "po_1", "failed", "account_closed")
	f.snapshot(minute(3), "reported")
	secondCycle(f, testStart.Add(minute(2)+30*day).Sub(runStart))
	return f, f.runOK()
}
