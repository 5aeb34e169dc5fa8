package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestReadModelOutageDelaysButNeverFailsThePartnership: writes that keep failing past the
// local activity's own retries are tried again after a timer, with the events they carried,
// and the partnership goes on to its paid end instead of failing its workflow.
func TestReadModelOutageDelaysButNeverFailsThePartnership(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   float64 // minutes: when the read model goes down
	}{
		{"from the start", 0},
		{"while the fee is triggered", 5.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.at(minute(tc.at), func() {
				f.mu.Lock()
				defer f.mu.Unlock()
				f.recordFailures = 6 // 30 s + 1 + 2 + 4 + 8 + 10 min of timers
			})
			f.toPayout()
			f.trigger(minute(6), "trigger-1", finance1, partnership.PayoutKindFee)
			f.payment(minute(60), "pay-evt-1", "po_1", "paid", "")

			st := f.runOK() // checkAudit: every event written once, in order, none lost
			require.Equal(t, partnership.StageCompleted, st.Stage)
			require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
			require.Len(t, f.failedVersions, 6, "the outage must have been hit")
			f.requireAccepted("trigger-1")
			for _, typ := range []string{"payout_triggered", "transfer_created", "payout_paid"} {
				require.Equal(t, 1, f.countEvents(typ), typ)
			}
		})
	}
}
