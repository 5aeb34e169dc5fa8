package workflows_test

// Regression tests for defects found while the workflow suite was written (all fixed). Each
// asserts the behaviour the product needs; the comment above each says what used to go wrong.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// A partnership without a fee (affiliate commission-only, or gifting) can never complete:
// tracking() always adds "fee" to w.payable, but the trigger validator refuses a zero amount,
// so allPaid() never holds and the workflow escalates to finance every 7 days forever.
func TestBugZeroFeePartnershipNeverCompletes(t *testing.T) {
	in := baseInput()
	in.Offer.Kind = "affiliate"
	in.Offer.Fee = usd(0)
	in.Offer.KillFee = usd(0)
	in.Offer.CommissionBps = 1000
	f := newFixture(t, in)
	f.env.SetWorkflowRunTimeout(120 * day)
	f.conversions = activities.ConversionsOutput{Conversions: 3, Revenue: usd(200_000)}
	f.toPayout()
	end := minute(5) + 30*day
	f.trigger(end+minute(1), "fee", finance1, partnership.PayoutKindFee)
	f.trigger(end+minute(2), "commission", finance1, partnership.PayoutKindCommission)
	f.payment(end+minute(3), "pay-evt-1", "po_1", "paid", "")
	f.run()
	last := f.finalRecord()
	require.NoError(t, f.resultErr, "the workflow must complete, not hit its run timeout (stuck in %s, next_action %+v)", last.Stage, last.NextAction)
	f.requireRejected("fee", partnership.ErrTypeConflict)
	f.requireAccepted("commission")
	require.Equal(t, partnership.StageCompleted, f.result.Stage)
	require.Equal(t, int64(20_000), f.result.Payouts[0].Amount.AmountMinor)
}

// Cancelling during tracking — after every deliverable was verified and the fee became
// payable — replaces w.payable with the kill fee only (or with nothing when there is no kill
// fee): the creator who delivered everything loses the earned fee.
func TestBugCancelDuringTrackingForfeitsEarnedFee(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1000
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Revenue: usd(0)}
	f.toPayout() // every deliverable verified at minute 5: the fee is owed
	f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "changed strategy"})
	f.trigger(minute(7), "fee", finance1, partnership.PayoutKindFee)
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()
	require.True(t, f.upd("fee").fired, "the workflow ended with the cancellation: the earned fee can no longer be paid")
	f.requireAccepted("cancel") // PRODUCT.md: the brand may cancel at any time before payout
	f.requireAccepted("fee")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutKindFee, st.Payouts[0].Kind)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
}

// A cancellation accepted while VetCreator runs is only noticed after the stage moved on: the
// workflow enters negotiation and e-mails the creator an offer for a partnership that is
// already cancelled, then a cancellation notice.
func TestBugOfferSentAfterCancelDuringVetting(t *testing.T) {
	f := newFixture(t, baseInput())
	f.vetDelay = time.Hour
	f.update(minute(30), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "wrong creator"})
	st := f.runOK()
	f.requireAccepted("cancel")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, 0, countPrefix(f.notifySubjects(), "New partnership offer"), "e-mails: %v", f.notifySubjects())
	require.Equal(t, 0, f.countEvents("offer_sent"))
}

// At the revision-round limit a draft that fails the disclosure check can be neither approved
// (disclosure) nor sent back (limit): the deliverable is stuck in review and the only way out
// is a cancellation, which makes the brand owe the kill fee.
func TestBugNonCompliantDraftAtRevisionLimitDeadlocks(t *testing.T) {
	in := baseInput()
	in.Campaign.MaxRevisionRounds = 1
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-v1", "d1", compliantText)
	f.review(minute(4), "changes-v1", "d1", 1, "request_changes")
	f.draft(minute(5), "draft-v2", "d1", "now without label "+noAdMarker)
	f.review(minute(6), "approve-v2", "d1", 2, "approve")
	f.review(minute(7), "changes-v2", "d1", 2, "request_changes")
	f.update(minute(8), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "end of test"})
	f.runOK()
	f.requireAccepted("changes-v1")
	f.requireRejected("approve-v2", partnership.ErrTypeConflict) // by design
	f.requireAccepted("changes-v2")
}

// The vetting_rejected audit event always names the brand_manager role, even when an admin
// rejected: the audit trail's "who, role" is wrong.
func TestBugVettingRejectedEventRecordsWrongRole(t *testing.T) {
	in := baseInput()
	in.Campaign.AutoApproveVetting = false
	f := newFixture(t, in)
	f.update(minute(1), "reject", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: admin, Decision: "reject"})
	f.runOK()
	ev := f.event("vetting_rejected")
	require.Equal(t, admin.Sub, ev.Actor)
	require.Equal(t, partnership.RoleAdmin, ev.Role)
}

// persist() hands RecordTransition a State whose slices (payouts, deliverables, drafts,
// history) are the workflow's live ones. Local activities run on other goroutines; when two
// persists overlap (an update handler's and the main loop's), the workflow code resumed by one
// result mutates what the other is still json.Marshal-ing: a data race, and a snapshot that is
// not the state at its version.
func TestBugRecordSnapshotAliasesWorkflowState(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	f.runOK()
	f.mu.Lock()
	handed := append([]activities.RecordInput(nil), f.handedOver...)
	f.mu.Unlock()
	copies := f.sortedRecords()
	for _, h := range handed {
		for _, e := range h.Events {
			if e.Type != "payout_triggered" {
				continue
			}
			var atPersist activities.RecordInput
			for _, c := range copies {
				if c.Version == h.Version {
					atPersist = c
				}
			}
			require.Equal(t, partnership.PayoutProcessing, atPersist.State.Payouts[0].Status, "the copy made at persist time")
			require.Equal(t, atPersist.State.Payouts, h.State.Payouts,
				"the snapshot handed to RecordTransition changed after it was handed over")
			return
		}
	}
	t.Fatal("no payout_triggered snapshot")
}

// Between two ambassador cycles the carried state still reads stage "payout" (continueAsNew
// does not change it and awaitCycleStart does not either), so the cancel validator refuses
// every cancellation until the next period starts — although awaitCycleStart waits precisely
// for a cancellation. A 30-day period can leave the brand unable to end the partnership for
// weeks.
func TestBugAmbassadorCannotBeCancelledBetweenCycles(t *testing.T) {
	in := ambassadorInput()
	in.Offer.KillFee = usd(0)
	_, next := runFirstCycle(t, in)
	f := newFixture(t, next)
	f.env.SetStartTime(testStart.Add(minute(7)))
	f.snapshot(minute(0.5), "between")
	f.update(minute(1), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "ending the ambassadorship"})
	f.snapshot(minute(2), "after")
	// The run then stays open for the return window after cycle 1's fee (awaitReturns).
	f.env.SetWorkflowRunTimeout(40 * day)
	f.run()
	require.Equal(t, partnership.StageContent, f.snap("between").Stage, "between cycles the partnership waits for the next period's content")
	require.Equal(t, partnership.StageCancelled, f.snap("after").Stage, "with the bug the cancellation waited for the next period")
	f.requireAccepted("cancel")
	require.NoError(t, f.resultErr)
	require.Equal(t, partnership.StageCancelled, f.result.Stage)
}

// When the Temporal workflow is cancelled, run() returns compensate()'s errEnded sentinel, so
// the execution closes as Failed with the error "partnership ended" instead of Canceled (or
// completed): operators and the API see a failed workflow for a cleanly compensated one.
func TestBugWorkflowCancellationEndsAsFailure(t *testing.T) {
	f := newFixture(t, baseInput())
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.at(minute(2), func() { f.env.CancelWorkflow() })
	f.run()
	if f.resultErr != nil {
		require.True(t, temporal.IsCanceledError(f.resultErr), "the execution should end cancelled, got: %v", f.resultErr)
	}
}
