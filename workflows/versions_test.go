package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// TestFoldedChangesTakenWithoutAsking: a partnership started at the base version of
// record-once-per-task takes the new branch of every change foldedAt lists without asking its
// id (asked, each answers the old branch here); one started at version 4 asks, and takes the
// old branch it is given. Checked on fee-on-verification: the new branch makes the fee payable
// when the post is verified, the old only after the re-check.
func TestFoldedChangesTakenWithoutAsking(t *testing.T) {
	for _, tc := range []struct {
		name        string
		base        workflow.Version
		feeAtVerify bool
	}{
		{"the base version does not ask", workflows.BaseVersion, true},
		{"version 4 asks", 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput()
			in.Campaign.RecheckAfterSeconds = 14 * 86400
			f := newFixture(t, in)
			f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(tc.base)
			for _, id := range workflows.FoldedChanges() {
				if tc.feeAtVerify {
					// The base version must not ask at all: asking would fail the test.
					f.env.OnGetVersion(id, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion).Never()
				} else {
					f.env.OnGetVersion(id, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
				}
			}
			f.toPayout() // verified at minute 5
			f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
			f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
			f.snapshot(minute(8), "after")
			recheck := minute(5) + 14*day
			if !tc.feeAtVerify {
				f.trigger(recheck+minute(1), "trigger-after-recheck", finance1, partnership.PayoutKindFee)
				f.payment(recheck+minute(2), "pay-evt-2", "po_1", "paid", "")
			}
			st := f.runOK()
			require.Equal(t, partnership.StageCompleted, st.Stage)
			require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
			p := f.snap("after")
			if !tc.feeAtVerify {
				f.requireRejected("trigger", partnership.ErrTypeConflict)
				require.Empty(t, p.Payouts)
				return
			}
			f.requireAccepted("trigger")
			require.Equal(t, partnership.StagePublishing, p.Stage, "the re-check is still to come")
			require.Equal(t, partnership.PayoutPaid, p.Payouts[0].Status)
		})
	}
}
