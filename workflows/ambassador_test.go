package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// ambassadorInput repeats the deliverable every 30 days for 45 days: two cycles.
func ambassadorInput() partnership.Input {
	in := baseInput()
	in.Offer.Kind = partnership.KindAmbassador
	in.Offer.PeriodSeconds = 30 * 86400
	ends := testStart.Add(45 * day)
	in.Offer.EndsAt = &ends
	return in
}

// runFirstCycle runs cycle 1 (signed at minute 2, fee paid at minute 7) and returns the input
// of the continued run; setup, if any, prepares the fixture first.
func runFirstCycle(t *testing.T, in partnership.Input, setup ...func(*fixture)) (*fixture, partnership.Input) {
	t.Helper()
	f := newFixture(t, in)
	for _, s := range setup {
		s(f)
	}
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	f.run()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(f.resultErr, &can), "cycle 1 ends by continuing as new, got %v", f.resultErr)
	require.Equal(t, partnership.WorkflowType, can.WorkflowType.Name)
	var next partnership.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	f.checkAudit()
	return f, next
}

// secondCycle scripts cycle 2 of ambassadorInput's deal, whose period starts at start on the
// run's clock: the draft approved, the post verified, the fee triggered and paid (c2-po_1).
func secondCycle(f *fixture, start time.Duration) {
	f.draft(start+minute(1), "draft", "d1", compliantText)
	f.review(start+minute(2), "review", "d1", 1, "approve")
	f.post(start+minute(3), "post", "d1", "https://instagram.example/p/cycle2")
	f.trigger(start+minute(4), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(start+minute(5), "pay-evt-2", "c2-po_1", "paid", "")
}

// TestAmbassadorCyclesContinueAsNew: each period runs in its own run; the next run carries the
// state, the audit numbering and the seen provider events, and pays its own fee under a new
// payout id (a new idempotency key).
func TestAmbassadorCyclesContinueAsNew(t *testing.T) {
	in := ambassadorInput()
	f1, next := runFirstCycle(t, in)

	require.NotNil(t, next.Carry)
	require.Equal(t, 2, next.Carry.Cycle)
	c := next.Carry.State
	require.Equal(t, 2, c.Cycle)
	require.Len(t, c.Cycles, 1)
	require.Equal(t, partnership.PayoutPaid, c.Cycles[0].Payouts[0].Status)
	require.True(t, c.Cycles[0].IsCompact(), "the finished cycle is carried without its deliverables")
	require.Empty(t, c.Payouts)
	require.Empty(t, c.Deliverables)
	require.Equal(t, discountCode, c.Tracking.DiscountCode)
	requireNextAction(t, c, partnership.RoleSystem, "start_next_cycle")
	cycle2 := testStart.Add(minute(2) + 30*day) // signature + one period
	requireDueAt(t, c, cycle2)
	last := f1.sortedRecords()
	require.Equal(t, last[len(last)-1].Version, next.Carry.Version)
	// The hand-over's write, the one with cycle_completed, holds the whole summary for the
	// read model to keep.
	handOver := last[len(last)-1]
	require.Equal(t, partnership.EventCycleCompleted, handOver.Events[len(handOver.Events)-1].Type)
	require.Len(t, handOver.State.Cycles, 1)
	require.Len(t, handOver.State.Cycles[0].Deliverables, 1)
	require.Equal(t, partnership.DeliverableVerified, handOver.State.Cycles[0].Deliverables[0].Status)
	require.Equal(t, c.Cycles[0], handOver.State.Cycles[0].Compact(), "what is carried is the whole summary less its deliverables")
	evs := f1.events()
	require.Equal(t, evs[len(evs)-1].Seq, next.Carry.Seq)
	require.Equal(t, "cycle_completed", evs[len(evs)-1].Type)
	require.Contains(t, next.Carry.SeenEvents, "payments/pay-evt-1")
	require.Contains(t, next.Carry.SeenEvents, "esign/esign-evt-1")

	// Cycle 2, in a new run started when cycle 1 continued as new.
	f := newFixture(t, next)
	runStart := testStart.Add(minute(7))
	f.env.SetStartTime(runStart)
	rel := func(at time.Time) time.Duration { return at.Sub(runStart) }
	f.snapshot(minute(1), "between-cycles")
	f.payment(minute(2), "pay-evt-1", "po_1", "failed", "late_redelivery") // a redelivery of cycle 1's webhook
	secondCycle(f, rel(cycle2))
	st := f.runOK()

	b := f.snap("between-cycles")
	require.Equal(t, 2, b.Cycle)
	requireNextAction(t, b, partnership.RoleSystem, "start_next_cycle")
	for _, id := range []string{"draft", "review", "post", "trigger"} {
		f.requireAccepted(id)
	}
	require.Equal(t, partnership.StageCompleted, st.Stage, "the second period ends after the end date: done")
	require.Equal(t, 2, st.Cycle)
	require.Len(t, st.Cycles, 1)
	require.True(t, st.Cycles[0].IsCompact())
	require.Len(t, st.Payouts, 1)
	require.Equal(t, "c2-po_1", st.Payouts[0].ID)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, 0, f.n("CreateEnvelope"), "the contract is signed once")
	require.Equal(t, 0, f.n("VetCreatorAccounts"))
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.Equal(t, "p-0001/payout/c2-po_1/1", f.transfers[0].IdempotencyKey)
	require.Equal(t, 0, f.countEvents("payout_failed"), "cycle 1's redelivered webhook changes nothing")
	require.True(t, f.event("cycle_started").At.Equal(cycle2))
	for _, k := range f.notifyKeys() {
		for _, k1 := range f1.notifyKeys() {
			require.NotEqual(t, k1, k, "e-mail idempotency keys never repeat across cycles")
		}
	}
}

// TestAmbassadorCommissionCountsEachSaleOnce: a cycle's count ends when its attribution window
// does, which is after the next period began when the post came late in its period; the next
// cycle counts from there, not from its period's start, so no sale earns commission twice.
func TestAmbassadorCommissionCountsEachSaleOnce(t *testing.T) {
	in := ambassadorInput()
	in.Offer.CommissionBps = 1000
	f1 := newFixture(t, in)
	f1.toContent()
	f1.draft(3*day, "draft", "d1", compliantText)
	f1.review(4*day, "review", "d1", 1, "approve")
	f1.post(5*day, "post", "d1", "https://instagram.example/p/1")
	f1.trigger(6*day, "trigger", finance1, partnership.PayoutKindFee)
	f1.payment(6*day+minute(1), "pay-evt-1", "po_1", "paid", "")
	f1.run()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(f1.resultErr, &can), "%v", f1.resultErr)
	var next partnership.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))

	require.Len(t, f1.collects, 1)
	first := f1.collects[0]
	require.True(t, first.Since.IsZero(), "the first cycle counts every sale on the code so far")
	counted := f1.event("conversions_collected").At
	require.True(t, first.Until.Equal(counted), "counted up to the collection: %v, %v", first.Until, counted)
	cycle2 := testStart.Add(minute(2) + 30*day)
	require.True(t, counted.After(cycle2), "the scenario: the count ends inside the next period")
	require.True(t, next.Carry.State.Cycles[0].Tracking.CountedUntil.Equal(counted))

	f := newFixture(t, next)
	f.env.SetStartTime(counted)
	f.draft(minute(1), "draft", "d1", compliantText)
	f.review(minute(2), "review", "d1", 1, "approve")
	f.post(minute(3), "post", "d1", "https://instagram.example/p/cycle2")
	f.trigger(minute(4), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(5), "pay-evt-2", "c2-po_1", "paid", "")
	st := f.runOK()
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, f.collects, 1)
	require.True(t, f.collects[0].Since.Equal(counted), "cycle 2 counts from %v, not from its period's start %v: got %v",
		counted, cycle2, f.collects[0].Since)
	require.True(t, st.Tracking.CountedSince.Equal(counted))
	require.True(t, f.collects[0].Until.Equal(st.Tracking.CountedUntil))
}

// TestAmbassadorPostCountsOnceAcrossCycles: a post verified in one cycle cannot be paid for
// again in a later one. The carry hands on the media ids and URL keys of every cycle's
// verified posts (a carry from before it existed: the cycle summaries); the next cycle
// refuses the same URL however it is spelled (409), and hands the media ids to verification,
// which refuses the same post under another URL.
func TestAmbassadorPostCountsOnceAcrossCycles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		oldCarry bool
	}{{"carry with used posts", false}, {"carry from before used posts", true}} {
		t.Run(tc.name, func(t *testing.T) {
			in := ambassadorInput()
			ends := testStart.Add(75 * day) // three periods
			in.Offer.EndsAt = &ends
			f1, next := runFirstCycle(t, in) // posts https://instagram.example/p/1, verified as m-1
			require.Equal(t, &partnership.UsedPosts{MediaIDs: []string{"m-1"}, URLKeys: []string{"instagram.example/p/1?"}},
				next.Carry.UsedPosts)
			if tc.oldCarry {
				// Carries from before UsedPosts also carried the cycles whole (before
				// compact-cycles), as the hand-over's write holds them.
				recs := f1.sortedRecords()
				next.Carry.UsedPosts = nil
				next.Carry.State.Cycles = recs[len(recs)-1].State.Cycles
			}

			f := newFixture(t, next)
			runStart := testStart.Add(minute(7))
			f.env.SetStartTime(runStart)
			cycle2 := testStart.Add(minute(2) + 30*day).Sub(runStart) // signature + one period, on this run's clock
			f.verifyResults = []partnership.VerificationReport{
				{MediaID: "m-1", Verified: false, Reasons: []string{activities.ReasonPostReused}, CheckedAt: testStart},
				{MediaID: "m-2", Verified: true, Reasons: []string{}, CheckedAt: testStart},
			}
			f.draft(cycle2+minute(1), "draft", "d1", compliantText)
			f.review(cycle2+minute(2), "review", "d1", 1, "approve")
			f.post(cycle2+minute(3), "same-url", "d1", "https://instagram.example/p/1")
			f.post(cycle2+minute(3.1), "same-url-respelled", "d1", "HTTPS://www.instagram.example/p/1/#comments")
			f.post(cycle2+minute(3.2), "other-url-same-post", "d1", "https://instagram.example/p/1?igsh=x")
			f.snapshot(cycle2+minute(3.5), "reused")
			f.post(cycle2+minute(4), "own-post", "d1", "https://instagram.example/p/cycle2")
			f.trigger(cycle2+minute(5), "trigger", finance1, partnership.PayoutKindFee)
			f.payment(cycle2+minute(6), "pay-evt-2", "c2-po_1", "paid", "")
			f.run()
			var can *workflow.ContinueAsNewError
			require.True(t, errors.As(f.resultErr, &can), "cycle 2 of 3 continues as new, got %v", f.resultErr)

			f.requireRejected("same-url", partnership.ErrTypeConflict)
			require.Contains(t, f.upd("same-url").rejectErr.Error(), "already verified for a deliverable of an earlier cycle")
			f.requireRejected("same-url-respelled", partnership.ErrTypeConflict)
			f.requireAccepted("other-url-same-post")
			r := f.snap("reused")
			require.Equal(t, partnership.DeliverableVerificationFailed, r.Deliverables[0].Status)
			f.requireAccepted("own-post")
			require.Len(t, f.verifies, 2)
			for _, v := range f.verifies {
				require.Equal(t, []string{"m-1"}, v.OtherMediaIDs, "cycle 1's post goes with cycle 2's verifications")
				require.Equal(t, 2, v.Cycle, "cycle 2's posts are claimed for cycle 2")
			}
			require.Equal(t, 1, f.n("CreateTransfer"), "cycle 2 pays for its own post only")

			var third partnership.Input
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &third))
			require.Equal(t, &partnership.UsedPosts{MediaIDs: []string{"m-1", "m-2"},
				URLKeys: []string{"instagram.example/p/1?", "instagram.example/p/cycle2?"}}, third.Carry.UsedPosts,
				"every cycle's posts are carried on")
		})
	}
}

// handOverSlowly runs cycle 1 with the read model briefly down when the cycle's last write
// (payout_paid, cycle_completed) is made, so the hand-over to the next run waits 30 s for it
// (recordLoop's retry), and calls during to act in that window.
func handOverSlowly(t *testing.T, in partnership.Input, during func(f *fixture)) *fixture {
	t.Helper()
	f := newFixture(t, in)
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.at(minute(6.5), func() { f.mu.Lock(); f.recordFailures = 1; f.mu.Unlock() })
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	during(f)
	f.run()
	return f
}

// TestAmbassadorCancelledDuringHandOver: a cancellation accepted while cycle 1 hands over to
// cycle 2 is applied in this run: the partnership ends cancelled and the cancel is answered.
// It used to be dropped (the run continued as new without it, the caller never answered).
func TestAmbassadorCancelledDuringHandOver(t *testing.T) {
	in := ambassadorInput()
	in.Offer.KillFee = usd(0)
	f := handOverSlowly(t, in, func(f *fixture) {
		f.update(minute(7)+10*time.Second, "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	})
	require.NoError(t, f.resultErr, "the run ends; it does not continue as new")
	acked := f.ackedState(f.requireAccepted("cancel"))
	require.Equal(t, partnership.StageCancelled, acked.Stage)
	st := f.result
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, brand.Sub, st.Cancellation.By)
	require.Equal(t, 2, st.Cycle, "cancelled between cycles, before the second delivered")
	require.Equal(t, 1, f.countEvents("cycle_completed"))
}

// TestAmbassadorFeeNotTriggerableDuringHandOver: once a cycle is paid and handed over, its fee
// can no longer be triggered again in the window before the next run: the trigger is refused
// and the next cycle starts with no payout of its own in flight.
func TestAmbassadorFeeNotTriggerableDuringHandOver(t *testing.T) {
	f := handOverSlowly(t, ambassadorInput(), func(f *fixture) {
		f.trigger(minute(7)+10*time.Second, "trigger-again", finance1, partnership.PayoutKindFee)
	})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(f.resultErr, &can), "cycle 1 continues as new, got %v", f.resultErr)
	var next partnership.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	f.requireRejected("trigger-again", partnership.ErrTypeConflict)
	require.Empty(t, next.Carry.State.Payouts)
}

// TestAmbassadorCancelledDuringHandOverBeforeVersion: on the old branch of
// cancel-during-handover the run continues as new as before (and the cancellation it accepted
// stays unanswered, as it did), so histories that took it replay.
func TestAmbassadorCancelledDuringHandOverBeforeVersion(t *testing.T) {
	in := ambassadorInput()
	f := handOverSlowly(t, in, func(f *fixture) {
		f.oldBranch("cancel-during-handover")
		f.update(minute(7)+10*time.Second, "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(f.resultErr, &can), "the old branch continues as new, got %v", f.resultErr)
}

// TestAmbassadorCarryBeforeCompactCycles: on the old branch of compact-cycles the finished
// cycles are carried whole, as before, so histories that took it replay.
func TestAmbassadorCarryBeforeCompactCycles(t *testing.T) {
	_, next := runFirstCycle(t, ambassadorInput(), func(f *fixture) {
		f.oldBranch("compact-cycles")
	})
	require.Len(t, next.Carry.State.Cycles, 1)
	require.False(t, next.Carry.State.Cycles[0].IsCompact())
	require.Len(t, next.Carry.State.Cycles[0].Deliverables, 1)
}
