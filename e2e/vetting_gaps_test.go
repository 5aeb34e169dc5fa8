package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// refuseAccount makes the social provider answer status to every read of one account (its
// profile and its media), until the test ends.
func refuseAccount(t *testing.T, platform, handle string, status int) {
	t.Helper()
	setFaults(t, map[string]any{"social": map[string]any{"error_rate": 1, "status": status,
		"path_prefix": "/social/v1/accounts/" + platform + "/" + handle}})
	t.Cleanup(func() { setFaults(t, map[string]any{}) })
}

// TestVettingSecondAccountRefused: the social provider refuses the creator's TikTok account for
// good (403). The report keeps the Instagram figures and shows the TikTok account as not
// vetted, with the refusal as its reason, so the brand manager decides on it; once they
// approve despite the flag, TikTok counts as vetted and a counter-offer may keep its video.
func TestVettingSecondAccountRefused(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	ttHandle := w.twoPlatformCreator(engagedTikTok)
	refuseAccount(t, "tiktok", ttHandle, http.StatusForbidden)
	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
		"offer": w.twoPlatformOffer(30000)}), http.StatusCreated)
	pid := p["id"].(string)

	st := w.waitFor(pid, "vetting decision pending", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "decide_vetting"
	})
	report := path(st, "vetting", "report").(map[string]any)
	require.Equal(t, false, report["clean"], "not auto-approved")
	require.Nil(t, report["error"], "the primary account was read: %v", report)
	require.Equal(t, "instagram", report["platform"])
	require.EqualValues(t, 12000, report["followers"], "the Instagram figures survive the TikTok refusal")
	accounts, _ := report["accounts"].([]any)
	require.Len(t, accounts, 2, "report: %v", report)
	ig, tt := accounts[0].(map[string]any), accounts[1].(map[string]any)
	require.Equal(t, true, ig["clean"])
	require.Equal(t, []any{"tiktok", ttHandle, false}, []any{tt["platform"], tt["handle"], tt["clean"]})
	require.Contains(t, tt["error"], `the social provider refused the tiktok account "`+ttHandle+`"`)
	require.Contains(t, tt["error"], "403 Forbidden")
	var codes []any
	for _, f := range report["flags"].([]any) {
		codes = append(codes, f.(map[string]any)["code"])
	}
	require.Equal(t, []any{"account_unavailable"}, codes, "the account may exist: the provider would not show it")

	must(t, w.bm.post("/v1/partnerships/"+pid+"/vetting/decision", map[string]any{"decision": "approve", "note": "TikTok checked by hand"}), http.StatusOK)
	w.waitFor(pid, "the creator's turn", func(s map[string]any) bool { return path(s, "next_action", "action") == "answer_offer" })
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "counter", "terms": w.twoPlatformOffer(36000)}), http.StatusOK)
	must(t, w.bm.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "withdraw"}), http.StatusOK)
	w.waitStage(pid, "cancelled")
}

// TestVettingSecondAccountFailingRetried: the TikTok account's reads fail with 503 a few times,
// more than the client's own retries: the vetting activity fails and Temporal retries it, so
// the report has the TikTok figures (a failure worth retrying is not turned into a refusal).
func TestVettingSecondAccountFailingRetried(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	ttHandle := w.twoPlatformCreator(engagedTikTok)
	setFaults(t, map[string]any{"social": map[string]any{"fail_next": 4, "status": 503,
		"path_prefix": "/social/v1/accounts/tiktok/" + ttHandle}})
	t.Cleanup(func() { setFaults(t, map[string]any{}) })
	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
		"offer": w.twoPlatformOffer(30000)}), http.StatusCreated)
	pid := p["id"].(string)

	st := w.waitStage(pid, "negotiation")
	require.Equal(t, "auto_approved", path(st, "vetting", "decision"))
	require.EqualValues(t, 15000, path(st, "vetting", "report", "accounts", 1, "followers"))
	var faults map[string]map[string]any
	sandbox(t).get("/sandbox/faults").Decode(t, &faults)
	require.EqualValues(t, 0, faults["social"]["fail_next"], "every injected failure was met, so the activity was retried")
}

// TestNegotiationCounterOnUnvettedPlatform: vetting covered the platforms of the offer (here
// Instagram only). A counter-offer that adds a TikTok video, although the creator is on
// TikTok, is refused with a 422 on that deliverable's platform and changes nothing; one that
// stays on Instagram goes through.
func TestNegotiationCounterOnUnvettedPlatform(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	w.twoPlatformCreator(engagedTikTok)
	pid := w.createPartnership(30000)
	st := w.waitStage(pid, "negotiation")
	require.Len(t, path(st, "vetting", "report", "accounts"), 1, "only Instagram was vetted")
	before := len(events(t, w.bm, pid))

	r := w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "counter", "terms": w.twoPlatformOffer(36000)})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	problem := r.JSON(t)
	msg, _ := path(problem, "errors", "terms.deliverables[1].platform").(string)
	require.Contains(t, msg, "tiktok was not vetted", "errors: %v", problem["errors"])
	require.Contains(t, msg, "whose accounts were vetted (instagram)")
	require.Equal(t, msg, problem["detail"])
	require.Len(t, events(t, w.bm, pid), before, "the refused counter changed nothing")
	st = w.state(pid)
	require.EqualValues(t, 1, path(st, "negotiation", "round"))
	require.Equal(t, "creator", path(st, "negotiation", "turn"))

	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "counter", "terms": w.offer(36000)}), http.StatusOK)
	must(t, w.bm.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	w.waitStage(pid, "contracting")
}
