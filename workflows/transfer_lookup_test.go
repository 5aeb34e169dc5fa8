package workflows_test

import (
	"cmp"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// says sets what the payments provider answers a lookup of transfer id from d on.
func (f *fixture) says(d time.Duration, id, status, failure string) {
	f.at(d, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.providerSays == nil {
			f.providerSays = map[string]activities.LookupTransferOutput{}
		}
		f.providerSays[id] = activities.LookupTransferOutput{Status: status, FailureCode: failure}
	})
}

// teamSubjects are the subjects of the e-mails sent to the finance or admin team.
func (f *fixture) teamSubjects() []string {
	var out []string
	for _, m := range f.teamMailsSent() {
		out = append(out, m.subject)
	}
	return out
}

func (f *fixture) lookupsMade() []activities.LookupTransferInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]activities.LookupTransferInput(nil), f.lookups...)
}

// eventData is the data of the only audit event of type typ.
func (f *fixture) eventData(typ string) map[string]string {
	f.t.Helper()
	require.Equal(f.t, 1, f.countEvents(typ), typ)
	var data map[string]string
	require.NoError(f.t, json.Unmarshal(f.event(typ).Data, &data))
	return data
}

// TestTransferLookedUpWhenTheWebhookIsLost: the provider pays the fee but its webhook never
// comes. The partnership asks the provider after its lookup wait (ten minutes here), and again
// after twice as long while the provider says pending; once it says paid, the payout is paid
// as the webhook would have made it, the lookup in the audit trail before payout_paid.
func TestTransferLookedUpWhenTheWebhookIsLost(t *testing.T) {
	in := baseInput()
	in.TransferLookupSeconds = 600
	f := newFixture(t, in)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee) // the transfer made at minute 6
	f.snapshot(minute(20), "pending at the first lookup")                // asked at 16: pending
	f.says(minute(25), "tr_po_1", "paid", "")                            // asked at 36: paid
	f.payment(minute(50), "pay-evt-late", "po_1", "paid", "")            // the webhook, late after all
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, testStart.Add(minute(36)), *st.Payouts[0].PaidAt, "paid when the second lookup said so")
	require.Equal(t, partnership.PayoutProcessing, f.snap("pending at the first lookup").Payouts[0].Status)
	require.Equal(t, []activities.LookupTransferInput{{PayoutID: "po_1", TransferID: "tr_po_1"}, {PayoutID: "po_1", TransferID: "tr_po_1"}},
		f.lookupsMade())
	requireSubsequence(t, f.eventTypes(), []string{"transfer_created", "transfer_looked_up", "payout_paid", "completed"})
	require.Equal(t, map[string]string{"payout_id": "po_1", "transfer_id": "tr_po_1", "status": "paid"}, f.eventData("transfer_looked_up"))
	require.Equal(t, 1, f.countEvents("payout_paid"))
	require.Equal(t, 0, f.countEvents("payment_conflict"), "the late webhook agrees")
	f.checkAudit()
}

// TestTransferLookupFindsItFailed: the provider's answer to a lookup is failed: the payout
// fails as on the webhook, with its failure code and e-mails, and finance triggers it again.
func TestTransferLookupFindsItFailed(t *testing.T) {
	in := baseInput()
	in.TransferLookupSeconds = 600
	f := newFixture(t, in)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.says(minute(10), "tr_po_1", "failed", "account_closed")
	f.snapshot(minute(17), "failed")
	f.trigger(minute(20), "trigger-again", finance1, partnership.PayoutKindFee)
	f.payment(minute(21), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	p := f.snap("failed")
	require.Equal(t, partnership.PayoutFailed, p.Payouts[0].Status)
	require.Equal(t, "account_closed", p.Payouts[0].FailureCode)
	require.Equal(t, map[string]string{"payout_id": "po_1", "transfer_id": "tr_po_1", "status": "failed", "failure_code": "account_closed"},
		f.eventData("transfer_looked_up"))
	requireSubsequence(t, f.eventTypes(), []string{"transfer_looked_up", "payout_failed", "payout_triggered", "payout_paid"})
	require.Contains(t, f.notifySubjects(), "Your payment could not be sent")
	require.Contains(t, f.teamSubjects(), "A payout failed")
	f.requireAccepted("trigger-again")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	require.Len(t, f.lookupsMade(), 1, "po_2's webhook came: not asked")
}

// TestTransferLookupWaitsAnHourByDefault: a partnership whose input names no lookup wait asks
// the provider an hour after the transfer, then two hours later; a provider that cannot answer
// (its lookup out of retries) is asked again at the next wait.
func TestTransferLookupWaitsAnHourByDefault(t *testing.T) {
	f := newFixture(t, baseInput())
	f.lookupErr = temporal.NewNonRetryableApplicationError("provider down", "Unavailable", nil)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	counts := map[float64]int{}
	for _, at := range []float64{65, 67, 185, 187} {
		f.at(minute(at), func() { counts[at] = len(f.lookupsMade()) })
	}
	f.payment(minute(200), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, map[float64]int{65: 0, 67: 1, 185: 1, 187: 2}, counts, "asked at 66 and 186 minutes")
	require.Equal(t, 0, f.countEvents("transfer_looked_up"), "no answer, nothing recorded")
}

// TestTransferLookupBeforeVersion: on the old branch of transfer-lookup the wait for the
// provider's word has no end but the webhook: nothing is asked, however long it takes.
func TestTransferLookupBeforeVersion(t *testing.T) {
	in := baseInput()
	in.TransferLookupSeconds = 600
	f := newFixture(t, in)
	f.oldBranchAt(7, "transfer-lookup")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.says(minute(7), "tr_po_1", "paid", "")
	f.payment(3*day, "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, testStart.Add(3*day), *st.Payouts[0].PaidAt)
	require.Empty(t, f.lookupsMade())
}

// TestConflictResolvedByTheProvider: two reports on one transfer contradict each other (in
// either order), and the partnership asks the provider, whose answer decides: confirmed, the
// payout keeps its status and the contradiction is cleared with no e-mail; contradicted, the
// payout takes the provider's word (a paid fee returned is payable again, a failed one paid
// after all is paid); with no answer, the status stands and finance is asked to check. A
// failure reported first is confirmed with the provider before it counts: one the provider
// says paid never fails the payout.
func TestConflictResolvedByTheProvider(t *testing.T) {
	const failedMail, paidAfterAll = "A payout failed", "A failed payout was paid after all"
	for _, tc := range []struct {
		name          string
		first, second string
		// provider is what the provider says from the start, later from minute 7.5 on ("":
		// as before).
		provider, later string
		want            string
		// triggerAgain: finance can trigger the fee again without a reason afterwards.
		triggerAgain bool
		// mails: finance's e-mails about the payout, in order; paid and failed: how many
		// payout_paid and payout_failed events the audit trail holds in the end; conflicts and
		// lookups: how many payment_conflict events and provider lookups.
		mails                            []string
		paid, failed, conflicts, lookups int
	}{
		{"paid, failed, provider says paid", "paid", "failed", "paid", "", partnership.PayoutPaid, false, nil, 1, 0, 1, 1},
		{"paid, failed, provider says failed", "paid", "failed", "failed", "", partnership.PayoutFailed, true, []string{failedMail}, 2, 1, 1, 1},
		{"failed, paid, provider says failed", "failed", "paid", "failed", "", partnership.PayoutFailed, true, []string{failedMail}, 1, 1, 1, 2},
		{"failed unconfirmed, paid, provider says paid", "failed", "paid", "paid", "", partnership.PayoutPaid, false, nil, 1, 0, 0, 1},
		{"failed, paid, provider says failed then paid", "failed", "paid", "failed", "paid", partnership.PayoutPaid, false, []string{failedMail, paidAfterAll}, 1, 1, 1, 2},
		{"paid, failed, provider says nothing", "paid", "failed", "", "", partnership.PayoutPaid, false, []string{conflictSubject}, 1, 0, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput()
			in.Campaign.RecheckAfterSeconds = 14 * 86400 // open until the re-check
			f := newFixture(t, in)
			code := func(status string) string {
				if status == "failed" {
					return "account_closed"
				}
				return ""
			}
			if tc.provider == "" {
				f.lookupErr = temporal.NewNonRetryableApplicationError("provider down", "Unavailable", nil)
			} else {
				f.says(0, "tr_po_1", tc.provider, code(tc.provider))
			}
			if tc.later != "" {
				f.says(minute(7.5), "tr_po_1", tc.later, code(tc.later))
			}
			f.toPayout()
			f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
			f.payment(minute(7), "pay-evt-1", "po_1", tc.first, code(tc.first))
			f.payment(minute(8), "pay-evt-2", "po_1", tc.second, code(tc.second))
			f.snapshot(minute(9), "after")
			f.trigger(minute(10), "trigger-again", finance1, partnership.PayoutKindFee)
			if tc.triggerAgain {
				f.payment(minute(11), "pay-evt-3", "po_2", "paid", "")
			}
			st := f.runOK()

			require.Equal(t, partnership.StageCompleted, st.Stage)
			p := f.snap("after").Payouts[0]
			require.Equal(t, tc.want, p.Status)
			require.Equal(t, tc.conflicts, f.countEvents("payment_conflict"))
			require.Len(t, f.lookupsMade(), tc.lookups)
			switch {
			case tc.provider == "":
				require.Equal(t, tc.second, p.ConflictingReport, "unresolved: the payout shows the contradiction")
				require.Equal(t, 0, f.countEvents("transfer_looked_up"))
				require.Contains(t, f.teamMailText(conflictSubject), "could not say which is true when Partnerflow asked (no answer), so the payout stays paid for now: Partnerflow asks again")
			default:
				require.Empty(t, p.ConflictingReport, "resolved")
				var said []string
				for _, e := range f.events() {
					if e.Type == "transfer_looked_up" {
						var data map[string]string
						require.NoError(t, json.Unmarshal(e.Data, &data))
						said = append(said, data["status"])
					}
				}
				require.Len(t, said, tc.lookups)
				require.Equal(t, cmp.Or(tc.later, tc.provider), said[len(said)-1])
			}
			var mails []string
			for _, subject := range f.teamSubjects() {
				if subject == conflictSubject || subject == failedMail || subject == paidAfterAll {
					mails = append(mails, subject)
				}
			}
			require.Equal(t, tc.mails, mails)
			require.Equal(t, tc.paid, f.countEvents("payout_paid"))
			require.Equal(t, tc.failed, f.countEvents("payout_failed"))
			if tc.triggerAgain {
				f.requireAccepted("trigger-again")
				require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
				require.Equal(t, 2, f.n("CreateTransfer"))
			} else {
				f.requireRejected("trigger-again", partnership.ErrTypeConflict)
				require.Equal(t, 1, f.n("CreateTransfer"), "never paid twice")
			}
			switch {
			case tc.first == "paid" && tc.provider == "failed":
				requireSubsequence(t, f.eventTypes(), []string{"payout_paid", "payment_conflict", "transfer_looked_up", "payout_failed"})
				require.Equal(t, "account_closed", p.FailureCode)
				require.Nil(t, p.PaidAt)
				require.Contains(t, f.notifySubjects(), "Your payment could not be sent")
			case tc.first == "failed" && tc.later == "paid":
				requireSubsequence(t, f.eventTypes(), []string{"transfer_looked_up", "payout_failed", "payment_conflict", "transfer_looked_up", "payout_paid"})
				require.Empty(t, p.FailureCode)
				require.NotNil(t, p.PaidAt)
				require.NotContains(t, f.teamMailText(paidAfterAll), "triggered again since")
			case tc.first == "failed" && tc.provider == "paid":
				requireSubsequence(t, f.eventTypes(), []string{"transfer_looked_up", "payment_report_unconfirmed", "payout_paid"})
				require.Equal(t, map[string]string{"payout_id": "po_1", "transfer_id": "tr_po_1", "event_id": "pay-evt-1",
					"reported": "failed", "provider": "paid"}, f.eventData("payment_report_unconfirmed"))
				require.NotContains(t, f.notifySubjects(), "Your payment could not be sent")
			}
		})
	}
}

// TestPaidAfterAllWhileTriggeredAgain: finance triggered a failed fee again, and the provider
// then reports (and, asked, confirms) the first transfer paid after all: the first payout is
// paid, and finance is warned that the creator may be paid twice.
func TestPaidAfterAllWhileTriggeredAgain(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.says(0, "tr_po_1", "failed", "account_closed")
	f.says(minute(8.5), "tr_po_1", "paid", "") // the bank's failure undone
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "failed", "account_closed")
	f.trigger(minute(8), "trigger-again", finance1, partnership.PayoutKindFee)
	f.payment(minute(9), "pay-evt-2", "po_1", "paid", "")
	f.snapshot(minute(10), "after")
	f.payment(minute(11), "pay-evt-3", "po_2", "paid", "")
	st := f.runOK()

	p := f.snap("after")
	require.Equal(t, partnership.PayoutPaid, p.Payouts[0].Status)
	require.Equal(t, partnership.PayoutProcessing, p.Payouts[1].Status)
	require.Contains(t, f.teamMailText("A failed payout was paid after all"),
		"The fee was triggered again since, as payout po_2 (processing): if both transfers go through, the creator is paid twice")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
}

// TestConflictOnAnEarlierCycleLookedUp: a finished ambassador cycle's paid fee is reported
// failed and the provider confirms it: the earlier cycle's payouts are settled, so the payout
// stays paid, and finance is told what the provider said.
func TestConflictOnAnEarlierCycleLookedUp(t *testing.T) {
	f, st := earlierCycleReportedFailed(t, func(f *fixture) { f.says(0, "tr_po_1", "failed", "account_closed") })

	r := f.snap("reported")
	require.Equal(t, partnership.PayoutPaid, r.Cycles[0].Payouts[0].Status)
	require.Equal(t, "failed", r.Cycles[0].Payouts[0].ConflictingReport)
	require.Equal(t, "failed", f.eventData("transfer_looked_up")["status"])
	require.Contains(t, f.teamMailText(conflictSubject), "Asked, the provider says the transfer is failed (account_closed). The payout belongs to an earlier cycle")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status, "the current cycle's fee is paid as usual")
}

// teamMailText is the text of the only team e-mail with that subject.
func (f *fixture) teamMailText(subject string) string {
	f.t.Helper()
	var texts []string
	for i, m := range f.teamMailsSent() {
		if m.subject == subject {
			texts = append(texts, f.teamMail(i).Text)
		}
	}
	require.Len(f.t, texts, 1, subject)
	return texts[0]
}

// TestConflictAfterTheEndStaysPaid: the bank returns a paid fee after the partnership
// completed (its run open until the usage-rights reminder). The provider confirms the failure,
// but the run settles no more payouts: the payout stays paid rather than failed and payable in
// a partnership that refuses every trigger, and finance is told to pay the creator at the
// provider.
func TestConflictAfterTheEndStaysPaid(t *testing.T) {
	f := newFixture(t, baseInput())
	f.says(0, "tr_po_1", "failed", "account_closed")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	f.snapshot(minute(20), "completed")
	f.payment(minute(30), "pay-evt-2", "po_1", "failed", "account_closed")
	f.snapshot(minute(40), "after")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, f.snap("completed").Stage)
	p := f.snap("after").Payouts[0]
	require.Equal(t, partnership.PayoutPaid, p.Status)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, "failed", p.ConflictingReport, "unresolved: finance must act")
	require.Equal(t, 0, f.countEvents("payout_failed"))
	require.Equal(t, "failed", f.eventData("transfer_looked_up")["status"])
	require.Contains(t, f.teamMailText(conflictSubject),
		"Asked, the provider says the transfer is failed (account_closed). The partnership settles no more payouts (completed), so the payout stays paid: pay the creator at the provider.")
	require.NotContains(t, f.notifySubjects(), "Your payment could not be sent")
}

// TestPaidAfterAllWithdrawsTheApprovalWaiting: a failed fee was triggered again and waits for
// its second approval when the provider turns out to have paid the first transfer after all:
// the first payout is paid and the waiting one withdrawn, so no approval can send the fee
// twice.
func TestPaidAfterAllWithdrawsTheApprovalWaiting(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	in.Campaign.DualApprovalThresholdMinor = 50_000 // the fee, 500.00, needs a second approval
	f := newFixture(t, in)
	f.says(0, "tr_po_1", "failed", "account_closed")
	f.says(minute(8.5), "tr_po_1", "paid", "")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.update(minute(6.5), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.payment(minute(7), "pay-evt-1", "po_1", "failed", "account_closed")
	f.trigger(minute(8), "trigger-again", finance1, partnership.PayoutKindFee)
	f.payment(minute(9), "pay-evt-2", "po_1", "paid", "")
	f.snapshot(minute(10), "after")
	f.update(minute(11), "approve-again", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_2"})
	f.runOK()

	p := f.snap("after")
	require.Equal(t, partnership.PayoutPaid, p.Payouts[0].Status)
	require.Equal(t, partnership.PayoutFailed, p.Payouts[1].Status)
	require.Equal(t, "paid_by_earlier_payout", p.Payouts[1].FailureCode)
	f.requireRejected("approve-again", partnership.ErrTypeConflict)
	require.Equal(t, 1, f.n("CreateTransfer"), "the fee sent once")
	require.Contains(t, f.teamMailText("A failed payout was paid after all"), "Payout po_2, triggered again since and awaiting its approval, is withdrawn.")
}

// TestNoWordToldAfterThreeLookups: the provider says pending to every lookup (asked after 1, 3
// and 7 hours): after the third, finance is e-mailed once; the partnership keeps asking, and
// the payout is paid when the word comes.
func TestNoWordToldAfterThreeLookups(t *testing.T) {
	in := baseInput()
	f := newFixture(t, in)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(20*time.Hour, "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Len(t, f.lookupsMade(), 4, "after 1, 3, 7 and 15 hours")
	require.Equal(t, "Payout po_1 (fee, USD 500.00) of partnership p-0001 (Acme) went to the payments provider as transfer tr_po_1 7 hours ago, "+
		"and the provider has not said whether it was paid: asked 3 times, its last answer was pending. Partnerflow keeps asking; check the transfer at the provider.",
		f.teamMailText("No word from the payments provider on a payout"))
}

// TestConflictUnresolvedAtHandOver: an ambassador cycle's fee is reported paid and failed in
// one workflow task just as the cycle ends, and the provider answers too slowly for the
// hand-over's minute, or cannot answer and is to be asked again later: the next run does not
// ask, so finance's e-mail to check the transfer is carried to it instead of being lost with
// the abandoned lookup (after the first e-mail saying it would be asked again, in the second
// case).
func TestConflictUnresolvedAtHandOver(t *testing.T) {
	for _, tc := range []struct {
		name string
		slow bool
		want []string
	}{
		{"slow", true, []string{"The provider had not said which is true when this cycle ended, so the payout stays as recorded"}},
		{"down", false, []string{"Partnerflow asks again over the next hours", "This cycle ended before the provider answered Partnerflow's new questions, which stop here"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, ambassadorInput())
			if tc.slow {
				f.lookupDelay = 5 * time.Minute
			} else {
				f.lookupErrs = []error{temporal.NewNonRetryableApplicationError("provider down", "Unavailable", nil)}
			}
			f.says(0, "tr_po_1", "failed", "account_closed")
			f.toPayout()
			f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
			f.at(minute(7), func() {
				f.signalPaymentSkippingTask(paymentEvent("pay-evt-1", "po_1", "paid", ""))
				f.signalPayment(paymentEvent("pay-evt-2", "po_1", "failed", "account_closed"))
			})
			f.run()

			var can *workflow.ContinueAsNewError
			require.ErrorAs(t, f.resultErr, &can)
			var next partnership.Input
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			require.Equal(t, 1, f.countEvents("payment_conflict"))
			require.Equal(t, 0, f.countEvents("transfer_looked_up"), "the provider had not answered")
			var told []string
			for _, m := range f.teamMailsSent() {
				if m.subject == conflictSubject {
					told = append(told, m.key)
				}
			}
			for _, n := range next.Carry.Notices {
				if n.Subject == conflictSubject {
					told = append(told, n.Text)
				}
			}
			require.Len(t, told, len(tc.want))
			for i, want := range tc.want {
				text := told[i]
				if i < len(told)-1 { // sent in this run: look its text up
					text = f.teamMailText(conflictSubject)
				}
				require.Contains(t, text, want)
			}
			require.Equal(t, partnership.PayoutPaid, next.Carry.State.Cycles[0].Payouts[0].Status)
		})
	}
}

// TestTransferLookupRacesTheWebhook: the webhook comes while the provider is being asked
// (the lookup slow): the lookup's answer is dropped and the webhook's word applied once; a
// failure is then confirmed with the provider (a second lookup) before it counts.
func TestTransferLookupRacesTheWebhook(t *testing.T) {
	for _, webhook := range []string{"paid", "failed"} {
		t.Run(webhook, func(t *testing.T) {
			in := baseInput()
			in.TransferLookupSeconds = 600
			f := newFixture(t, in)
			f.lookupDelay = 2 * time.Minute
			failure := map[string]string{"paid": "", "failed": "account_closed"}[webhook]
			f.says(0, "tr_po_1", webhook, failure)
			f.toPayout()
			f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee) // asked at 16, answers at 18
			f.payment(minute(17), "pay-evt-1", "po_1", webhook, failure)
			f.snapshot(minute(25), "after")
			if webhook == "failed" {
				f.trigger(minute(26), "trigger-again", finance1, partnership.PayoutKindFee)
				f.payment(minute(27), "pay-evt-2", "po_2", "paid", "")
			}
			f.runOK()

			require.Equal(t, webhook, f.snap("after").Payouts[0].Status)
			require.Equal(t, 0, f.countEvents("payment_conflict"))
			if webhook == "paid" {
				require.Len(t, f.lookupsMade(), 1)
				require.Equal(t, 0, f.countEvents("transfer_looked_up"), "the webhook came first")
				return
			}
			require.Len(t, f.lookupsMade(), 2, "the raced lookup, then the failure's confirmation")
			require.Equal(t, 1, f.countEvents("transfer_looked_up"), "the confirmation's")
			require.Equal(t, 1, f.countEvents("payout_failed"))
		})
	}
}

// TestLookupsTakenLiveAtVersion7: a partnership started at version 7 that meets a late
// webhook or a contradiction after the deploy asks each change id then, takes the new branch
// (a marker each), and behaves as a new one.
func TestLookupsTakenLiveAtVersion7(t *testing.T) {
	in := baseInput()
	in.TransferLookupSeconds = 600
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(7))
	f.env.OnGetVersion("transfer-lookup", workflow.DefaultVersion, 1).Return(workflow.Version(1)).Once()
	f.env.OnGetVersion("conflict-lookup", workflow.DefaultVersion, 1).Return(workflow.Version(1)).Once()
	f.says(0, "tr_po_1", "paid", "")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(30), "pay-evt-1", "po_1", "failed", "account_closed") // after the lookup's paid at 16
	f.snapshot(minute(40), "after")
	f.runOK()

	p := f.snap("after").Payouts[0]
	require.Equal(t, partnership.PayoutPaid, p.Status)
	require.Empty(t, p.ConflictingReport, "the provider confirmed paid")
	require.Equal(t, 2, f.countEvents("transfer_looked_up"), "the lost webhook's, then the conflict's")
	require.Len(t, f.lookupsMade(), 2)
}

// TestReturnWindowAfterTheEnd: a partnership with no usage rights to remind of ends as soon as
// its fee is paid, and stays open thirty days after that payment: the bank's return of the fee
// on day 10 still reaches it, and finance is told to pay the creator at the provider. At
// version 7 the run closed at once, and the API could only acknowledge the report.
func TestReturnWindowAfterTheEnd(t *testing.T) {
	for _, base := range []workflow.Version{workflows.BaseVersion, 7} {
		in := baseInput()
		in.Offer.UsageRightsDays = 0
		f := newFixture(t, in)
		f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(base)
		f.says(0, "tr_po_1", "failed", "account_closed")
		f.toPayout()
		f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
		f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
		f.payment(10*day, "pay-evt-2", "po_1", "failed", "account_closed")
		st := f.runOK()

		require.Equal(t, partnership.StageCompleted, st.Stage)
		require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
		if base == 7 {
			require.Equal(t, testStart.Add(minute(7)), f.env.Now().UTC(), "closed when the fee was paid")
			require.Equal(t, 0, f.countEvents("payment_conflict"))
			continue
		}
		require.Equal(t, testStart.Add(minute(7)+returnWindowDays*day), f.env.Now().UTC(), "closed thirty days after the payment")
		require.Equal(t, 1, f.countEvents("payment_conflict"))
		require.Contains(t, f.teamMailText(conflictSubject), "The partnership settles no more payouts (completed), so the payout stays paid: pay the creator at the provider.")
	}
}

const returnWindowDays = 30

// TestConflictAskedAgainWhenTheProviderCannotSay: the provider cannot answer the lookup a
// returned fee's contradiction asks for; finance is told at once, the provider is asked again
// after the lookup wait, and its answer then decides: the fee failed and payable again.
func TestConflictAskedAgainWhenTheProviderCannotSay(t *testing.T) {
	in := baseInput()
	in.TransferLookupSeconds = 600
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.lookupErrs = []error{temporal.NewNonRetryableApplicationError("provider down", "Unavailable", nil)}
	f.says(0, "tr_po_1", "failed", "account_closed")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	f.payment(minute(8), "pay-evt-2", "po_1", "failed", "account_closed") // asked at 8: no answer
	f.snapshot(minute(12), "waiting")
	f.snapshot(minute(20), "after") // asked again at 18: failed
	f.trigger(minute(21), "trigger-again", finance1, partnership.PayoutKindFee)
	f.payment(minute(22), "pay-evt-3", "po_2", "paid", "")
	st := f.runOK()

	w := f.snap("waiting").Payouts[0]
	require.Equal(t, partnership.PayoutPaid, w.Status)
	require.Equal(t, "failed", w.ConflictingReport)
	a := f.snap("after").Payouts[0]
	require.Equal(t, partnership.PayoutFailed, a.Status)
	require.Empty(t, a.ConflictingReport)
	require.Len(t, f.lookupsMade(), 2)
	require.Equal(t, []string{conflictSubject, "A payout failed"}, slices.DeleteFunc(f.teamSubjects(), func(s string) bool {
		return s != conflictSubject && s != "A payout failed"
	}))
	f.requireAccepted("trigger-again")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
}

// TestUnconfirmedFailureSuperseded: a failure reported for a transfer on its way is not the
// provider's word until confirmed: a paid report that comes meanwhile (in the same workflow
// task, or while the provider is being asked) is applied as any paid report, with no failure
// and no conflict; a provider that cannot answer is asked again after the lookup wait, and its
// paid then drops the failure.
func TestUnconfirmedFailureSuperseded(t *testing.T) {
	for _, tc := range []string{"in one task", "while asked", "provider down, then paid"} {
		t.Run(tc, func(t *testing.T) {
			in := baseInput()
			in.TransferLookupSeconds = 600
			f := newFixture(t, in)
			f.toPayout()
			f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
			failed := paymentEvent("pay-evt-1", "po_1", "failed", "account_closed")
			switch tc {
			case "in one task":
				f.says(0, "tr_po_1", "failed", "account_closed") // never asked
				f.at(minute(7), func() {
					f.signalPaymentSkippingTask(failed)
					f.signalPayment(paymentEvent("pay-evt-2", "po_1", "paid", ""))
				})
			case "while asked":
				f.lookupDelay = 2 * time.Minute
				f.says(0, "tr_po_1", "failed", "account_closed")
				f.signal(minute(7), partnership.SignalPaymentEvent, failed)
				f.payment(minute(8), "pay-evt-2", "po_1", "paid", "") // the lookup answers at 9
			case "provider down, then paid":
				f.lookupErrs = []error{temporal.NewNonRetryableApplicationError("provider down", "Unavailable", nil)}
				f.says(0, "tr_po_1", "paid", "")
				f.signal(minute(7), partnership.SignalPaymentEvent, failed) // asked at 7: no answer; at 17: paid
			}
			f.snapshot(minute(12), "meanwhile")
			st := f.runOK()

			require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
			require.Equal(t, 0, f.countEvents("payout_failed"))
			require.Equal(t, 0, f.countEvents("payment_conflict"))
			require.NotContains(t, f.notifySubjects(), "Your payment could not be sent")
			require.Equal(t, 1, f.n("CreateTransfer"))
			if tc == "provider down, then paid" {
				require.Equal(t, partnership.PayoutProcessing, f.snap("meanwhile").Payouts[0].Status, "not failed while the provider is down")
				require.Len(t, f.lookupsMade(), 2)
				require.Equal(t, "paid", f.eventData("payment_report_unconfirmed")["provider"])
			}
		})
	}
}

// TestCancelDuringTheReturnWindow: an operator's cancel of the workflow during the return
// window ends it: the execution closes as Canceled at once, not thirty days later, with the
// partnership recorded as it ended.
func TestCancelDuringTheReturnWindow(t *testing.T) {
	in := baseInput()
	in.Offer.UsageRightsDays = 0
	f := newFixture(t, in)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	f.at(day, func() { f.env.CancelWorkflow() })
	f.run()

	require.True(t, temporal.IsCanceledError(f.resultErr), "closed as Canceled, got %v", f.resultErr)
	require.Equal(t, testStart.Add(day), f.env.Now().UTC())
	final := f.finalRecord()
	require.Equal(t, partnership.StageCompleted, final.Stage)
	require.Equal(t, partnership.PayoutPaid, final.Payouts[0].Status)
}
