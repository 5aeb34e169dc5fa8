package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// TestRecordLatePaymentReport: a payment reported after its partnership's workflow closed is
// decided by the provider's record: a payout on its way takes its word; a settled one it
// contradicts is contested (conflicting_report) wherever the read model shows it (the finance
// queue, the state document, an earlier cycle's summary); an unanswered report that
// contradicts the payout marks it for finance to check; a report the record does not bear
// out changes nothing; and a retried or redelivered report is written once and keeps its
// outcome. On both databases.
func TestRecordLatePaymentReport(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, e env) {
		ctx := context.Background()
		e.partnerships(t, "p1")
		closedAmbassador(t, e)
		report := func(eventID, payoutID, transferID, reported, says string) activities.LatePaymentOutput {
			t.Helper()
			in := activities.LatePaymentInput{PartnershipID: "p1", ProviderSays: says,
				Event: partnership.PaymentEvent{EventID: eventID, PayoutID: payoutID, TransferID: transferID, Status: reported}}
			if reported == "failed" {
				in.Event.FailureCode = "account_closed"
			}
			if says == "" {
				in.Unanswered = "provider unavailable"
			}
			out, err := e.acts.RecordLatePaymentReport(ctx, in)
			require.NoError(t, err)
			return out
		}
		payout := func(id string) store.PayoutRow {
			t.Helper()
			pays, _, err := e.st.ListPayouts(ctx, store.PayoutFilter{BrandID: "b1", Limit: 10})
			require.NoError(t, err)
			for _, p := range pays {
				if p.ID == id {
					return p
				}
			}
			t.Fatalf("no payout %s", id)
			return store.PayoutRow{}
		}
		state := func() (partnership.State, int64) {
			t.Helper()
			p, err := e.st.GetPartnership(ctx, "p1")
			require.NoError(t, err)
			var st partnership.State
			require.NoError(t, json.Unmarshal(p.State, &st))
			return st, p.StateVersion
		}
		events := func() []store.Event {
			t.Helper()
			evs, err := e.st.ListEvents(ctx, "p1", 0, 100)
			require.NoError(t, err)
			return evs
		}
		last := func() store.Event { evs := events(); return evs[len(evs)-1] }

		// The current cycle's fee, returned by the bank: contested.
		out := report("evt_1", "po_2", "tr_2", "failed", "failed")
		require.Equal(t, activities.LatePaymentOutput{Outcome: activities.LateContested, CreatorID: "c1", BrandName: "Acme",
			Kind: "fee", Amount: partnership.Money{AmountMinor: 50000, Currency: "USD"}, Cycle: 2, Recorded: "paid", Status: "paid",
			Word: "failed", FailureCode: "account_closed"}, out)
		require.Equal(t, "failed", payout("po_2").ConflictingReport)
		require.Equal(t, "paid", payout("po_2").Status, "a closed partnership settles nothing more")
		st, version := state()
		require.Equal(t, int64(8), version, "written as the next version")
		require.Equal(t, "failed", st.Payouts[0].ConflictingReport)
		require.Equal(t, "paid", st.Payouts[0].Status)
		require.NotNil(t, st.Payouts[0].PaidAt)
		require.Equal(t, partnership.Stage("completed"), st.Stage)
		evs := events()
		require.Len(t, evs, 4)
		require.Equal(t, int64(4), evs[3].Seq)
		require.Equal(t, "payment_returned_after_close", evs[3].Type)
		require.Equal(t, "partnerflow", evs[3].Actor)
		require.Equal(t, map[string]string{"payout_id": "po_2", "transfer_id": "tr_2", "event_id": "evt_1", "reported": "failed",
			"recorded": "paid", "provider": "failed", "failure_code": "account_closed", "outcome": "contested", "after_close": "true"}, dataOf(t, evs[3]))

		// The same report again (a redelivery to a new run): its outcome, written once,
		// marked a repeat so nobody is told twice.
		again := report("evt_1", "po_2", "tr_2", "failed", "failed")
		require.Equal(t, activities.LateContested, again.Outcome)
		require.True(t, again.Repeat)
		_, v := state()
		require.Equal(t, version, v)
		require.Len(t, events(), 4)
		// Another report of the same return: in the trail, nobody told twice.
		require.Equal(t, activities.LateSettled, report("evt_2", "po_2", "tr_2", "failed", "failed").Outcome)
		require.Len(t, events(), 5)
		require.Equal(t, "settled", dataOf(t, last())["outcome"])
		_, v = state()
		require.Equal(t, version, v)

		// The earlier cycle's fee, the provider unable to say: marked for finance to
		// check, in its cycle's summary and the state's compact one too.
		out = report("evt_3", "po_1", "tr_1", "failed", "")
		require.Equal(t, activities.LateUnanswered, out.Outcome)
		require.Equal(t, 1, out.Cycle)
		require.Equal(t, "failed", out.Word)
		require.Equal(t, "failed", payout("po_1").ConflictingReport)
		st, version = state()
		require.Equal(t, int64(9), version)
		require.Equal(t, "failed", st.Cycles[0].Payouts[0].ConflictingReport)
		require.NotEmpty(t, st.Cycles[0].Deliverables, "the whole summary, read back")
		raw, err := e.st.GetClosedPayout(ctx, "p1", "po_1")
		require.NoError(t, err)
		var compact partnership.State
		require.NoError(t, json.Unmarshal(raw.Partnership.State, &compact))
		require.True(t, compact.Cycles[0].IsCompact(), "the state document keeps its cycles compact")
		require.Equal(t, "failed", compact.Cycles[0].Payouts[0].ConflictingReport)
		require.Equal(t, "no answer: provider unavailable", dataOf(t, last())["provider"])

		// The provider's record says paid, or pending: the report changes nothing.
		require.Equal(t, activities.LateUnconfirmed, report("evt_4", "po_3", "tr_3", "failed", "paid").Outcome)
		require.Equal(t, activities.LateUnconfirmed, report("evt_5", "po_3", "tr_3", "failed", "pending").Outcome)
		require.Empty(t, payout("po_3").ConflictingReport)
		require.Equal(t, "payment_report_unconfirmed", last().Type)
		require.Equal(t, "pending", dataOf(t, last())["provider"])

		// A payout that failed already, reported failed; another transfer; a payout the
		// partnership has not: nothing.
		n := len(events())
		require.Equal(t, activities.LateSettled, report("evt_6", "po_4", "tr_4", "failed", "failed").Outcome)
		require.Equal(t, activities.LateUnmatched, report("evt_7", "po_3", "tr_other", "failed", "failed").Outcome)
		require.Equal(t, activities.LateUnmatched, report("evt_8", "po_9", "tr_9", "failed", "failed").Outcome)
		require.Len(t, events(), n)
		_, v = state()
		require.Equal(t, version, v)

		// The failed payout paid after all: contested the other way.
		out = report("evt_9", "po_4", "tr_4", "paid", "paid")
		require.Equal(t, activities.LateContested, out.Outcome)
		require.Equal(t, "paid", out.Word)
		require.Equal(t, "paid", payout("po_4").ConflictingReport)
		require.Equal(t, "failed", payout("po_4").Status)
		require.Equal(t, "payment_reported_after_close", last().Type)

		// Payouts still on their way when the workflow was ended take the provider's word.
		out = report("evt_10", "po_5", "tr_5", "failed", "failed")
		require.Equal(t, activities.LateApplied, out.Outcome)
		require.Equal(t, "failed", out.Status)
		require.Equal(t, "failed", payout("po_5").Status)
		require.Equal(t, "account_closed", payout("po_5").FailureCode)
		require.Empty(t, payout("po_5").ConflictingReport)
		require.Equal(t, "payout_failed", last().Type)
		out = report("evt_11", "po_6", "tr_6", "paid", "paid")
		require.Equal(t, activities.LateApplied, out.Outcome)
		require.Equal(t, "paid", payout("po_6").Status)
		require.NotNil(t, payout("po_6").PaidAt)
		require.Equal(t, "payout_paid", last().Type)
		st, version = state()
		require.Equal(t, int64(12), version)
		for _, p := range st.Payouts {
			switch p.ID {
			case "po_5":
				require.Equal(t, "failed", p.Status)
				require.Equal(t, "account_closed", p.FailureCode)
			case "po_6":
				require.Equal(t, "paid", p.Status)
				require.NotNil(t, p.PaidAt)
			}
		}

		// A write that came first: nothing of a stale amendment is written.
		n = len(events())
		_, err = e.st.AmendClosedPayout(ctx, store.PayoutAmendment{PartnershipID: "p1", Version: version - 1,
			State: store.JSON(`{}`), PayoutID: "po_3", Payout: store.PayoutChange{Status: "paid", ConflictingReport: "failed"}, EventID: "evt_12",
			Event: store.Event{Type: "payment_returned_after_close", Data: store.JSON(`{"event_id":"evt_12"}`), At: time.Now()}})
		require.True(t, errors.Is(err, store.ErrConflict), "%v", err)
		require.Len(t, events(), n)
		require.Empty(t, payout("po_3").ConflictingReport)
	})
}

func dataOf(t *testing.T, e store.Event) map[string]string {
	t.Helper()
	var m map[string]string
	require.NoError(t, json.Unmarshal(e.Data, &m))
	return m
}

// closedAmbassador writes p1 as its workflow would leave an ambassador partnership of two
// cycles (version 7, three audit events): cycle 1's fee po_1 paid (its summary whole in the
// cycles table, compact in the state); cycle 2's fee po_2 paid, a bonus po_3 paid, a payout
// po_4 that failed and two, po_5 and po_6, still processing (an operator ended the workflow).
func closedAmbassador(t *testing.T, e env) {
	t.Helper()
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	fee := partnership.Money{AmountMinor: 50000, Currency: "USD"}
	paid := func(id, transfer string) partnership.Payout {
		return partnership.Payout{ID: id, Kind: "fee", Amount: fee, Status: "paid", TransferID: transfer, PaidAt: &at}
	}
	first := partnership.CycleSummary{Cycle: 1, StartedAt: at, Payouts: []partnership.Payout{paid("po_1", "tr_1")},
		Deliverables: []partnership.Deliverable{{ID: "d1", Platform: "instagram", Format: "reel", Status: "verified"}}}
	bonus := paid("po_3", "tr_3")
	bonus.Kind = "bonus"
	st := partnership.State{ID: "p1", BrandID: "b1", CampaignID: "camp1", CreatorID: "c1", Stage: "completed", Cycle: 2,
		UpdatedAt: at, Cycles: []partnership.CycleSummary{first.Compact()},
		Payouts: []partnership.Payout{paid("po_2", "tr_2"), bonus,
			{ID: "po_4", Kind: "kill_fee", Amount: fee, Status: "failed", TransferID: "tr_4", FailureCode: "account_closed"},
			{ID: "po_5", Kind: "commission", Amount: fee, Status: "processing", TransferID: "tr_5"},
			{ID: "po_6", Kind: "bonus", Amount: fee, Status: "processing", TransferID: "tr_6"}}}
	doc, err := json.Marshal(st)
	require.NoError(t, err)
	summary, err := json.Marshal(first)
	require.NoError(t, err)
	tr := store.Transition{PartnershipID: "p1", Version: 7, Stage: "completed", State: doc, UpdatedAt: at,
		Cycles: []store.CycleRow{{PartnershipID: "p1", Cycle: 1, Summary: summary}}}
	for i, typ := range []string{"payout_paid", "cycle_completed", "stage_changed"} {
		tr.Events = append(tr.Events, store.Event{PartnershipID: "p1", Seq: int64(i + 1), Type: typ, Actor: "system", Role: "system", At: at, Data: store.JSON(`{}`)})
	}
	for _, p := range []struct {
		cycle int
		p     partnership.Payout
	}{{1, st.Cycles[0].Payouts[0]}, {2, st.Payouts[0]}, {2, st.Payouts[1]}, {2, st.Payouts[2]}, {2, st.Payouts[3]}, {2, st.Payouts[4]}} {
		tr.Payouts = append(tr.Payouts, store.PayoutRow{PartnershipID: "p1", ID: p.p.ID, BrandID: "b1", CampaignID: "camp1", CreatorID: "c1",
			Cycle: p.cycle, Kind: p.p.Kind, AmountMinor: fee.AmountMinor, Currency: fee.Currency, Status: p.p.Status,
			TransferID: p.p.TransferID, FailureCode: p.p.FailureCode, PaidAt: p.p.PaidAt, CreatedAt: at, UpdatedAt: at})
	}
	require.NoError(t, e.st.ApplyTransition(context.Background(), tr))
}
