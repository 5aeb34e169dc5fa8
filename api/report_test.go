package api

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestReportCommitsWhatACancellationLeftOwed: a cancelled partnership commits what its
// compensation made payable, not always its kill fee: the fee when its posts were delivered
// and verified or its fee already sent, the kill fee otherwise when the brand cancelled,
// nothing for a creator's withdrawal or an unsigned contract; an ambassador's finished
// cycles keep their fees. What compensation decided and kept (cancellation.owed) comes first:
// a fee payout that failed after the cancellation does not turn the fee into the kill fee.
func TestReportCommitsWhatACancellationLeftOwed(t *testing.T) {
	usd := func(minor int64) partnership.Money { return partnership.Money{AmountMinor: minor, Currency: "USD"} }
	base := func(stage partnership.Stage, cycle int, by string, dels ...string) partnership.State {
		st := partnership.State{Stage: stage, Cycle: cycle, Contract: partnership.Contract{Status: "completed"},
			Terms: partnership.Terms{Fee: usd(30_000), KillFee: usd(10_000)}}
		for _, s := range dels {
			st.Deliverables = append(st.Deliverables, partnership.Deliverable{Status: s})
		}
		if by != "" {
			st.Cancellation = &partnership.Cancellation{Role: by}
		}
		return st
	}
	sentFee := base(partnership.StageCancelled, 1, partnership.RoleBrandManager, partnership.DeliverableVerified, "verification_failed")
	sentFee.Payouts = []partnership.Payout{{Kind: partnership.PayoutKindFee, Amount: usd(30_000), Status: partnership.PayoutProcessing}}
	paidFee := base(partnership.StageCancelled, 1, partnership.RoleBrandManager, partnership.DeliverableVerified)
	paidFee.Payouts = []partnership.Payout{{Kind: partnership.PayoutKindFee, Amount: usd(30_000), Status: partnership.PayoutPaid}}
	// The fee was sent before the cancellation (so owed, as compensation decided and kept)
	// and failed afterwards: still the fee, not the kill fee.
	failedSince := base(partnership.StageCancelled, 1, partnership.RoleBrandManager, "verification_failed")
	failedSince.Cancellation.Owed = partnership.PayoutKindFee
	failedSince.Payouts = []partnership.Payout{{Kind: partnership.PayoutKindFee, Amount: usd(30_000), Status: partnership.PayoutFailed}}
	keptKillFee := base(partnership.StageCancelled, 1, partnership.RoleBrandManager, partnership.DeliverableVerified)
	keptKillFee.Cancellation.Owed = partnership.PayoutKindKillFee
	unsigned := base(partnership.StageCancelled, 1, partnership.RoleBrandManager)
	unsigned.Contract.Status = "voided"
	for name, tc := range map[string]struct {
		st                   partnership.State
		fees, killFees, paid int64
	}{
		"running":                           {st: base(partnership.StageContent, 1, "", "awaiting_draft"), fees: 30_000},
		"cancelled before the posts":        {st: base(partnership.StageCancelled, 1, partnership.RoleBrandManager, "awaiting_draft"), killFees: 10_000},
		"cancelled in tracking, delivered":  {st: base(partnership.StageCancelled, 1, partnership.RoleAdmin, partnership.DeliverableVerified), fees: 30_000},
		"cancelled, fee paid":               {st: paidFee, fees: 30_000, paid: 30_000},
		"cancelled on hold, fee sent":       {st: sentFee, fees: 30_000},
		"ambassador cancelled in cycle 2":   {st: base(partnership.StageCancelled, 2, partnership.RoleBrandManager, "awaiting_draft"), fees: 30_000, killFees: 10_000},
		"creator withdrew":                  {st: base(partnership.StageCancelled, 1, partnership.RoleCreator, "awaiting_draft")},
		"fee owed, its payout failed since": {st: failedSince, fees: 30_000},
		"the kept decision comes first":     {st: keptKillFee, killFees: 10_000},
		"unsigned":                          {st: unsigned},
	} {
		t.Run(name, func(t *testing.T) {
			r := &currencyReport{Currency: "USD"}
			addState(func(string) *currencyReport { return r }, tc.st)
			require.Equal(t, tc.fees, r.CommittedFees, "committed fees")
			require.Equal(t, tc.killFees, r.CommittedKillFees, "committed kill fees")
			require.Equal(t, tc.paid, r.PaidFees)
		})
	}
}
