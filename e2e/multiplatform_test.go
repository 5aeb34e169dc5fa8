package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

// TestMultiPlatformPublishing: a creator who is one handle on Instagram and another on TikTok
// publishes an Instagram post and a TikTok video for one partnership. Each post is verified
// against the creator's account on its own deliverable's platform; one post cannot count for
// two deliverables (the same URL is refused, the same post under another URL fails
// verification), nor a TikTok post for an Instagram deliverable; and an offer with a
// deliverable on a platform the creator is not on is refused at creation.
func TestMultiPlatformPublishing(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	sb := sandbox(t)
	onlyInstagram := w.creatorID
	ttHandle := w.twoPlatformCreator(engagedTikTok)

	offer := w.twoPlatformOffer(30000)
	p := must(t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": offer}), http.StatusCreated)
	pid := p["id"].(string)
	st := w.toContent(pid)
	code := path(st, "tracking", "discount_code").(string)
	igCaption := "#ad My new @acme running shoes, code " + code
	ttCaption := "#ad Running in my new @acme shoes, code " + code
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{"caption": igCaption}), http.StatusCreated)
	d := must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d2/drafts", map[string]any{"caption": ttCaption,
		"onscreen_disclosure": true, "spoken_disclosure": true}), http.StatusCreated)
	require.Equal(t, true, path(d, "disclosure", "compliant"), "%v", d)
	for _, did := range []string{"d1", "d2"} {
		must(t, w.bm.post("/v1/partnerships/"+pid+"/deliverables/"+did+"/review", map[string]any{"version": 1, "decision": "approve"}), http.StatusOK)
	}
	ig := must(t, sb.post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": igCaption}), http.StatusCreated)
	tt := must(t, sb.post("/sandbox/social/posts", map[string]any{"platform": "tiktok", "handle": ttHandle, "caption": ttCaption}), http.StatusCreated)
	settled := func(did int) func(map[string]any) bool {
		return func(s map[string]any) bool {
			status := path(s, "deliverables", did, "status")
			return status == "verified" || status == "verification_failed"
		}
	}

	// The TikTok video, posted from the TikTok account, verifies the TikTok deliverable.
	publish := func(did, url string) response {
		return w.creator.post("/v1/partnerships/"+pid+"/deliverables/"+did+"/publication", map[string]any{"url": url})
	}
	must(t, publish("d2", tt["url"].(string)), http.StatusAccepted)
	st = w.waitFor(pid, "d2 verified or failed", settled(1))
	require.Equal(t, "verified", path(st, "deliverables", 1, "status"), "reasons: %v", path(st, "deliverables", 1, "publication", "report", "reasons"))

	// It cannot count for the Instagram deliverable too: not under the same URL, and not under
	// another URL of the same post (the sandbox ignores the query), which is also on TikTok.
	r := publish("d1", tt["url"].(string))
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
	require.Contains(t, r.JSON(t)["detail"], "already the publication of deliverable d2")
	must(t, publish("d1", tt["url"].(string)+"?utm_source=share"), http.StatusAccepted)
	st = w.waitFor(pid, "d1 verified or failed", settled(0))
	require.Equal(t, "verification_failed", path(st, "deliverables", 0, "status"))
	reasons := path(st, "deliverables", 0, "publication", "report", "reasons")
	require.Contains(t, reasons, "wrong_platform")
	require.Contains(t, reasons, "post_used_for_another_deliverable")

	// The Instagram post verifies it; the fee is paid and the partnership completes.
	must(t, publish("d1", ig["url"].(string)), http.StatusAccepted)
	st = w.waitStage(pid, "payout")
	require.Equal(t, "verified", path(st, "deliverables", 0, "status"))
	require.Equal(t, "verified", path(st, "deliverables", 1, "status"))
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")

	// A creator who is on Instagram only cannot be offered a TikTok deliverable.
	r = w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": onlyInstagram, "offer": offer})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, map[string]any{"offer.deliverables[1].platform": "the creator has no tiktok account"}, r.JSON(t)["errors"])
}

// engagedTikTok is a TikTok audience that reacts to the creator's running posts: vetting
// finds nothing wrong with it.
var engagedTikTok = map[string]any{"followers": 15000, "following": 280, "posts": []map[string]any{
	{"caption": "hill sprints #running", "likes": 1100, "comments": 52},
	{"caption": "my marathon playlist #running", "likes": 980, "comments": 47},
	{"caption": "running form tips", "likes": 1040, "comments": 50},
}}

// twoPlatformCreator makes the world's creator one who is w.handle on Instagram and
// w.handle+".tt" on TikTok, with a token and a payout profile, and returns the TikTok handle.
// tiktok is the TikTok account the sandbox serves for vetting (platform and handle added).
// w.handle is a new one, served with the same figures: the world's first creator keeps the
// old one, and an account two creators registered is flagged account_shared.
func (w *world) twoPlatformCreator(tiktok map[string]any) string {
	w.t.Helper()
	w.handle = newHandle(w.t)
	w.defineInstagram()
	ttHandle := w.handle + ".tt"
	account := map[string]any{"platform": "tiktok", "handle": ttHandle}
	for k, v := range tiktok {
		account[k] = v
	}
	must(w.t, sandbox(w.t).post("/sandbox/social/accounts", account), http.StatusCreated)
	cr := must(w.t, w.bm.post("/v1/creators", map[string]any{"name": "Maya", "email": "maya@example.com", "country": "US",
		"accounts": []map[string]string{{"platform": "instagram", "handle": w.handle}, {"platform": "tiktok", "handle": ttHandle}}}), http.StatusCreated)
	w.creatorID = cr["id"].(string)
	w.creator = as(w.t, auth.Identity{Sub: "maya-mp", Role: "creator", CreatorID: w.creatorID})
	w.setPayoutAccount("acct_"+w.handle, "W-9")
	return ttHandle
}

// twoPlatformOffer is the world's offer with an Instagram post and a TikTok video.
func (w *world) twoPlatformOffer(fee int64) map[string]any {
	offer := w.offer(fee)
	offer["deliverables"] = []map[string]string{{"platform": "instagram", "format": "post"}, {"platform": "tiktok", "format": "video"}}
	return offer
}
