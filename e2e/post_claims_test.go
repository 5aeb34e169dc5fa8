package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPostCountsForOnePartnership is the fault found in testing: two partnerships of the same
// brand and creator; the first one's post is verified; the creator adds the second one's
// code to that same post and submits it for the second one. It fails verification with
// post_used_for_another_deliverable (the brand would have paid twice for one post), and a
// post of its own verifies it.
func TestPostCountsForOnePartnership(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	sb := sandbox(t)
	p9, p8 := w.createPartnership(30000), w.createPartnership(20000)
	code9 := path(w.toContent(p9), "tracking", "discount_code").(string)
	code8 := path(w.toContent(p8), "tracking", "discount_code").(string)
	const caption = "#ad My new @acme running shoes"

	post := w.publish(p9, caption+", code "+code9)
	st := w.waitStage(p9, "payout")
	require.Equal(t, "verified", path(st, "deliverables", 0, "status"))

	both := caption + ", code " + code9 + ", " + code8
	w.approveDraft(p8, both) // the post P8's brand approved carries both codes
	must(t, sb.do(http.MethodPatch, "/sandbox/social/posts/"+post["id"].(string), map[string]any{"caption": both}), http.StatusOK)
	must(t, w.creator.post("/v1/partnerships/"+p8+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)
	st = w.waitFor(p8, "d1 verified or failed", func(s map[string]any) bool {
		status := path(s, "deliverables", 0, "status")
		return status == "verified" || status == "verification_failed"
	})
	require.Equal(t, "verification_failed", path(st, "deliverables", 0, "status"))
	require.Equal(t, []any{"post_used_for_another_deliverable"}, path(st, "deliverables", 0, "publication", "report", "reasons"))

	own := must(t, sb.post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": both}), http.StatusCreated)
	must(t, w.creator.post("/v1/partnerships/"+p8+"/deliverables/d1/publication", map[string]any{"url": own["url"]}), http.StatusAccepted)
	st = w.waitStage(p8, "payout")
	require.Equal(t, "verified", path(st, "deliverables", 0, "status"))
}
