package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestComplianceHoldAfterRecheck: the creator edits the disclosure out of a verified post; the
// re-check after recheck_after_seconds puts the partnership on compliance hold, no payout can
// be triggered, and fixing the post and resubmitting lifts the hold.
func TestComplianceHoldAfterRecheck(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, recheck: 3})
	pid := w.createPartnership(30000)
	st := w.toContent(pid)
	sb := sandbox(t)
	caption := "#ad My new @acme running shoes, code " + path(st, "tracking", "discount_code").(string)
	post := w.publish(pid, caption)
	st = w.waitFor(pid, "verified, waiting for the re-check", func(s map[string]any) bool {
		return path(s, "deliverables", 0, "status") == "verified"
	})
	require.Equal(t, "publishing", st["stage"])
	// The fee is payable from verification: finance's move while the re-check is due.
	require.Equal(t, "trigger_payout", path(st, "next_action", "action"))
	require.Equal(t, "finance", path(st, "next_action", "role"))

	// The disclosure is edited out after verification.
	postID := post["id"].(string)
	must(t, sb.do(http.MethodPatch, "/sandbox/social/posts/"+postID, map[string]any{"caption": "My new running shoes, code " + path(st, "tracking", "discount_code").(string)}), http.StatusOK)
	st = w.waitFor(pid, "compliance hold", func(s map[string]any) bool { return s["compliance_hold"] != nil })
	require.Equal(t, "verification_failed", path(st, "deliverables", 0, "status"))
	require.Contains(t, path(st, "compliance_hold", "reasons"), "disclosure_not_compliant")
	r := w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"})
	require.Equal(t, http.StatusConflict, r.Status, "no payout while on hold: %s", r.Body)
	require.Contains(t, r.JSON(t)["detail"], "compliance hold")

	// The creator fixes the post and submits it again: the hold lifts and payout proceeds.
	must(t, sb.do(http.MethodPatch, "/sandbox/social/posts/"+postID, map[string]any{"caption": caption}), http.StatusOK)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)
	st = w.waitStage(pid, "payout")
	require.Nil(t, st["compliance_hold"])
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")
	types := map[string]int{}
	for _, e := range events(t, w.bm, pid) {
		types[e["type"].(string)]++
	}
	require.Equal(t, 1, types["compliance_hold"])
	require.Equal(t, 1, types["compliance_hold_lifted"])
	saveHistory(t, pid, "compliance_hold_after_recheck")
}
