package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/partnership"
)

// readModelDownAt makes the read model refuse the next write from d on (once): the write is
// made again by the writer's timer 30 s later, so what waits for it waits that long.
func (f *fixture) readModelDownAt(d float64, then func()) {
	f.at(minute(d), func() {
		f.mu.Lock()
		f.recordFailures = 1
		f.mu.Unlock()
		then()
	})
}

// failedWrites is how many writes the read model refused.
func (f *fixture) failedWrites() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.failedVersions)
}

// cancelWhileWriteFails is a brand's cancellation during negotiation (minute 2) whose write
// the read model refuses once, so the cancelled stage is written 30 s after it is applied.
func cancelWhileWriteFails(t *testing.T) *fixture {
	f := newFixture(t, baseInput())
	f.readModelDownAt(2, func() {
		f.updateNow("cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "budget cut"})
	})
	return f
}

// TestCancelAckAfterWrite: the cancel Update answers once the read model holds the
// cancellation, even when its write has to be made again: the API answers with the read model
// at the acknowledged version, which must read cancelled.
func TestCancelAckAfterWrite(t *testing.T) {
	f := cancelWhileWriteFails(t)
	st := f.runOK()

	require.Equal(t, 1, f.failedWrites(), "the cancellation's first write must have failed")
	acked := f.ackedState(f.requireAccepted("cancel")) // written before the Update completed
	require.Equal(t, partnership.StageCancelled, acked.Stage)
	require.Equal(t, partnership.StageCancelled, st.Stage)
}

// TestCancelAckAfterWriteBeforeVersion: on the old branch of cancel-ack-after-write the cancel
// Update answers as soon as the stage reads cancelled, before the read model holds it (with no
// version to read), as the histories recorded before the change did.
func TestCancelAckAfterWriteBeforeVersion(t *testing.T) {
	f := cancelWhileWriteFails(t)
	f.oldBranch("cancel-ack-after-write")
	st := f.runOK()

	require.Equal(t, 1, f.failedWrites(), "the cancellation's first write must have failed")
	o := f.upd("cancel")
	require.True(t, o.accepted)
	require.True(t, o.completed)
	require.NoError(t, o.err)
	ack := decodeResult[partnership.Ack](t, o)
	require.Equal(t, partnership.StageCancelled, ack.Stage)
	require.Zero(t, ack.Version, "the old branch acknowledges no read-model version")
	for v, s := range o.written {
		require.NotEqual(t, partnership.StageCancelled, s.Stage, "version %d read cancelled before the Update answered", v)
	}
	require.Equal(t, partnership.StageCancelled, st.Stage, "the cancellation is written afterwards")
}

// killFeePaidAfterWorkflowCancel: the brand cancels after signing (minute 3), finance
// triggers the kill fee (4), an operator cancels the workflow execution while its transfer is
// out (5), and the provider reports it paid (6) while the read model refuses, once, the write
// that records it: that write, the partnership's last, is still to be made when it ends (a
// write under way as the old branch closes would race the test's reads instead).
func killFeePaidAfterWorkflowCancel(t *testing.T) *fixture {
	f := newFixture(t, baseInput())
	f.toContent()
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	f.trigger(minute(4), "kill-fee", finance1, partnership.PayoutKindKillFee)
	f.at(minute(5), func() { f.env.CancelWorkflow() })
	f.readModelDownAt(6, func() {
		f.signalPayment(paymentEvent("pay-evt-1", "po_1", "paid", ""))
	})
	return f
}

// TestFlushAfterCancel: an execution cancelled by an operator while the brand's cancellation
// settles its kill fee still makes its last writes before it closes as Canceled, so the read
// model shows the kill fee paid.
func TestFlushAfterCancel(t *testing.T) {
	f := killFeePaidAfterWorkflowCancel(t)
	f.run()

	require.True(t, temporal.IsCanceledError(f.resultErr), "the execution closes as Canceled: %v", f.resultErr)
	f.requireAccepted("kill-fee")
	require.Equal(t, 1, f.failedWrites(), "the last write must have failed once")
	last := f.finalRecord()
	require.Equal(t, partnership.StageCancelled, last.Stage)
	require.Equal(t, partnership.PayoutPaid, last.Payouts[0].Status, "the last write is made again before the execution closes")
	require.Equal(t, 1, f.countEvents("payout_paid"))
}

// TestFlushAfterCancelBeforeVersion: on the old branch of flush-after-cancel the execution
// closes as Canceled at once, and the write still to be made is lost: the read model keeps
// the kill fee on its way, as the histories recorded before the change did.
func TestFlushAfterCancelBeforeVersion(t *testing.T) {
	f := killFeePaidAfterWorkflowCancel(t)
	f.oldBranch("flush-after-cancel")
	f.run()

	require.True(t, temporal.IsCanceledError(f.resultErr), "the execution closes as Canceled: %v", f.resultErr)
	f.requireAccepted("kill-fee")
	// The workflow knew the kill fee paid; its write was never made (at most tried after the
	// execution closed, and refused).
	v, err := f.env.QueryWorkflow(partnership.QueryState)
	require.NoError(t, err)
	var st partnership.State
	require.NoError(t, v.Get(&st))
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	last := f.finalRecord()
	require.Equal(t, partnership.StageCancelled, last.Stage)
	require.Equal(t, partnership.PayoutProcessing, last.Payouts[0].Status, "the write that would record it paid is never made")
	require.Zero(t, f.countEvents("payout_paid"))
}
