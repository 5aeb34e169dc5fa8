package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVettingEveryAccount: an offer with an Instagram post and a TikTok video vets the
// creator's account on both platforms. The Instagram audience is engaged, but the TikTok one
// has 300k followers who hardly react (bought), so a campaign that auto-approves clean reports
// leaves this one to the brand manager, whose GET shows both accounts and whose TikTok the
// flags are about.
func TestVettingEveryAccount(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	ttHandle := w.twoPlatformCreator(map[string]any{"followers": 300000, "following": 250, "posts": []map[string]any{
		{"caption": "hill sprints #running", "likes": 28, "comments": 2},
		{"caption": "my marathon playlist #running", "likes": 25, "comments": 1},
		{"caption": "running form tips", "likes": 31, "comments": 2},
	}})
	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
		"offer": w.twoPlatformOffer(30000)}), http.StatusCreated)
	pid := p["id"].(string)

	st := w.waitFor(pid, "vetting decision pending", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "decide_vetting"
	})
	require.Equal(t, "vetting", st["stage"], "not auto-approved")
	require.Equal(t, false, path(st, "vetting", "clean"))
	require.Equal(t, "", path(st, "vetting", "decision"))
	report := path(st, "vetting", "report").(map[string]any)
	require.Equal(t, false, report["clean"])
	require.Equal(t, "instagram", report["platform"], "the top of the report is the first deliverable's account")
	require.Equal(t, w.handle, report["handle"])
	require.EqualValues(t, 12000, report["followers"])

	accounts := report["accounts"].([]any)
	require.Len(t, accounts, 2, "both accounts are in the report")
	ig, tt := accounts[0].(map[string]any), accounts[1].(map[string]any)
	require.Equal(t, []any{"instagram", w.handle, true}, []any{ig["platform"], ig["handle"], ig["clean"]})
	require.Equal(t, []any{"tiktok", ttHandle, false}, []any{tt["platform"], tt["handle"], tt["clean"]})
	require.EqualValues(t, 300000, tt["followers"])
	require.Equal(t, "mid", tt["tier"])
	require.Empty(t, ig["flags"])

	var tiktokCodes []any
	for _, f := range report["flags"].([]any) {
		flag := f.(map[string]any)
		require.Equal(t, "tiktok", flag["platform"], "only the TikTok account is flagged: %v", flag)
		require.Equal(t, ttHandle, flag["handle"])
		require.Contains(t, flag["message"], "tiktok @"+ttHandle+": ")
		tiktokCodes = append(tiktokCodes, flag["code"])
	}
	require.Contains(t, tiktokCodes, "engagement_far_below_tier")

	must(t, w.bm.post("/v1/partnerships/"+pid+"/vetting/decision", map[string]any{"decision": "reject", "note": "bought TikTok audience"}), http.StatusOK)
	w.waitStage(pid, "rejected")
	saveHistory(t, pid, "vetting_second_account_flagged")
}
