package workflows_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestAmbassadorSignalStreamAcrossCycles (docs/reliability.md scenario 7): an ambassador
// partnership runs three cycles, each in its own run, while payment webhooks stream in all the
// time: strays every few hours, every earlier cycle's events redelivered, the cycle's own
// "paid" event twice, and a burst landing in the same instant as the payment that ends the
// cycle (so it is still queued when the run continues as new). No event is lost: every id
// sent to a run is carried into the next as seen; each cycle's fee is paid exactly once; and
// no redelivery changes anything.
func TestAmbassadorSignalStreamAcrossCycles(t *testing.T) {
	in := ambassadorInput()
	ends := testStart.Add(75 * day) // cycles start at signature + 0, 30 and 60 days: three
	in.Offer.EndsAt = &ends
	signed := testStart.Add(minute(2))

	var sent []string // every payment event id sent so far, in any run
	runStart := testStart
	total := 0
	for cycle := 1; cycle <= 3; cycle++ {
		f := newFixture(t, in)
		f.env.SetStartTime(runStart)
		rel := func(at time.Time) time.Duration { return at.Sub(runStart) }
		start := signed.Add(time.Duration(cycle-1) * 30 * day)
		payoutID := "po_1"
		if cycle > 1 {
			payoutID = fmt.Sprintf("c%d-po_1", cycle)
		}
		if cycle == 1 {
			f.toPayout()
		} else {
			f.draft(rel(start)+minute(1), "draft", "d1", compliantText)
			f.review(rel(start)+minute(2), "review", "d1", 1, "approve")
			f.post(rel(start)+minute(3), "post", "d1", fmt.Sprintf("https://instagram.example/p/cycle%d", cycle))
		}
		paidAt := rel(start) + minute(6)
		if cycle == 1 {
			paidAt = minute(7)
		}
		f.trigger(paidAt-minute(1), "trigger", finance1, partnership.PayoutKindFee)

		// The stream: a stray event every 3 hours of the run (every minute in cycle 1, which
		// lasts minutes), and every earlier cycle's events redelivered, as "failed".
		step := 3 * time.Hour
		if cycle == 1 {
			step = time.Minute
		}
		var thisRun []string
		for i, at := 0, time.Duration(0); at < paidAt; i, at = i+1, at+step {
			id := fmt.Sprintf("stray-c%d-%d", cycle, i)
			f.payment(at, id, "po_unknown", "paid", "")
			thisRun = append(thisRun, id)
		}
		for i, id := range sent {
			f.payment(time.Duration(i+1)*time.Second, id, "po_1", "failed", "redelivered")
		}
		// The cycle's own payment, twice, then a burst in the same instant.
		own := fmt.Sprintf("paid-c%d", cycle)
		f.payment(paidAt, own, payoutID, "paid", "")
		f.payment(paidAt, own, payoutID, "paid", "")
		thisRun = append(thisRun, own)
		for i := range 5 {
			id := fmt.Sprintf("burst-c%d-%d", cycle, i)
			f.payment(paidAt, id, "po_unknown", "paid", "")
			thisRun = append(thisRun, id)
		}
		total += len(thisRun) + len(sent) + 1

		f.run()
		f.checkAudit()
		require.Equal(t, 1, f.countEvents("payout_paid"), "cycle %d: the fee paid once", cycle)
		require.Equal(t, 0, f.countEvents("payout_failed"), "cycle %d: redeliveries change nothing", cycle)
		require.Equal(t, 1, f.n("CreateTransfer"), "cycle %d: one transfer", cycle)
		sent = append(sent, thisRun...)

		if cycle == 3 {
			require.NoError(t, f.resultErr)
			require.Equal(t, partnership.StageCompleted, f.result.Stage)
			require.Len(t, f.result.Cycles, 2)
			require.Equal(t, partnership.PayoutPaid, f.result.Payouts[0].Status)
			break
		}
		var can *workflow.ContinueAsNewError
		require.True(t, errors.As(f.resultErr, &can), "cycle %d ends by continuing as new, got %v", cycle, f.resultErr)
		var next partnership.Input
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
		require.Equal(t, cycle+1, next.Carry.Cycle)
		for _, id := range sent {
			require.Contains(t, next.Carry.SeenEvents, "payments/"+id, "cycle %d: event %s was received, not lost", cycle, id)
		}
		last := f.events()[len(f.events())-1]
		require.Equal(t, "cycle_completed", last.Type)
		t.Logf("RELIABILITY ambassador_signal_stream cycle=%d events_sent=%d carried_seen=%d", cycle, len(sent), len(next.Carry.SeenEvents))
		in = next
		runStart = runStart.Add(paidAt)
	}
	t.Logf("RELIABILITY ambassador_signal_stream cycles=3 signals=%d lost=0 fees_paid=3 duplicates=0", total)
}
