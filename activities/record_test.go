package activities

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

func TestChildRowsProjectTheCurrentCycle(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	paid := at.Add(time.Hour)
	st := partnership.State{ID: "p1", BrandID: "b1", CampaignID: "c1", CreatorID: "k1", Cycle: 3, UpdatedAt: at,
		Deliverables: []partnership.Deliverable{{ID: "d1", Platform: "instagram", Format: "reel", Status: "verified",
			Publication: &partnership.Publication{URL: "https://x/p/1", Status: "verified"},
			Drafts: []partnership.Draft{
				{Version: 1, Caption: "hi", Disclosure: json.RawMessage(`{"compliant":false}`), SubmittedAt: at,
					Review: &partnership.Review{Decision: "request_changes", By: "ann", At: at}},
				{Version: 2, Caption: "#ad hi", Disclosure: json.RawMessage(`{"compliant":true}`), SubmittedAt: at},
			}}},
		Payouts: []partnership.Payout{{ID: "c3-po_1", Kind: "fee", Amount: partnership.Money{AmountMinor: 900, Currency: "EUR"},
			Status: "paid", TriggeredBy: "fin-1", ApprovedBy: "fin-2", PaidAt: &paid}},
	}
	dels, drafts, pays := childRows(st)
	require.Len(t, dels, 1)
	require.Equal(t, 3, dels[0].Cycle)
	require.Equal(t, "https://x/p/1", dels[0].PostURL)
	require.Len(t, drafts, 2)
	require.False(t, drafts[0].Compliant)
	require.Equal(t, "request_changes", drafts[0].ReviewDecision)
	require.True(t, drafts[1].Compliant, "the verdict is read from the disclosure report")
	require.Nil(t, drafts[1].ReviewedAt)
	require.Len(t, pays, 1)
	require.Equal(t, "b1", pays[0].BrandID)
	require.EqualValues(t, 900, pays[0].AmountMinor)
	require.Equal(t, "EUR", pays[0].Currency)
	require.Equal(t, 3, pays[0].Cycle)

	st.Cycle = 0 // a snapshot from before cycles were recorded counts as the first
	dels, _, _ = childRows(st)
	require.Equal(t, 1, dels[0].Cycle)
}
