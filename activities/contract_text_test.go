package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// TestRenderContract: the agreement states every agreed term for people (amounts in the
// currency's major units, the commission as a percentage) and the dates that bind the parties.
func TestRenderContract(t *testing.T) {
	date := time.Date(2026, 11, 24, 9, 4, 0, 0, time.UTC)
	oneOff := activities.RenderContract(activities.Contract{
		Brand: "Acme", Creator: "Maya", Jurisdiction: "US",
		Terms: partnership.Terms{Kind: "one_off", Fee: partnership.Money{AmountMinor: 150000, Currency: "USD"}, CommissionBps: 1250,
			KillFee: partnership.Money{AmountMinor: 30000, Currency: "USD"}, UsageRightsDays: 90, ExclusivityDays: 30,
			Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "post"}, {Platform: "tiktok", Format: "video"}}},
		Date: date, SignWithinSeconds: 3 * 86400, DraftDueSeconds: 7 * 86400,
	})
	require.Equal(t, `PARTNERSHIP AGREEMENT

Between Acme (the Brand) and Maya (the Creator).
Dated 24 November 2026.

Kind: one-off
Fee: USD 1,500.00
Commission: 12.5% (1250 basis points) of the revenue attributed to the Creator's discount code and link
Kill fee: USD 300.00, payable if the Brand cancels after both parties have signed
Usage rights: 90 days from the verification of the last post
Exclusivity: 30 days
Deliverables:
  1. instagram post
  2. tiktok video
Drafts: each deliverable's draft is due within 7 days of the last signature.

Disclosure: every post must carry a clear advertising label as required in US.

This agreement lapses unless both parties sign it within 3 days of its sending.
`, oneOff)

	ends := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	ambassador := activities.RenderContract(activities.Contract{
		Brand: "Acme", Creator: "Maya", Jurisdiction: "GB",
		Terms: partnership.Terms{Kind: partnership.KindAmbassador, Fee: partnership.Money{AmountMinor: 80000, Currency: "JPY"},
			KillFee: partnership.Money{Currency: "JPY"}, Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "story"}},
			PeriodSeconds: 30 * 86400, EndsAt: &ends},
		Date: date, DraftDueSeconds: 5 * 86400,
	})
	require.Contains(t, ambassador, "Fee: JPY 80,000\n")
	require.Contains(t, ambassador, "Kill fee: JPY 0,")
	require.Contains(t, ambassador, "Drafts: each deliverable's draft is due within 5 days of the last signature, and of the start of each period.\n")
	require.Contains(t, ambassador, "Period: the deliverables and the fee repeat every 30 days until 1 March 2027.\n")
	require.NotContains(t, ambassador, "Commission")
	require.NotContains(t, ambassador, "lapses", "no signing deadline given, none written")
}
