package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

var worldSeq atomic.Int64

// world is one brand, its manager, one creator with a social account and payout profile, and
// a campaign — isolated from every other test's world.
type world struct {
	t                  *testing.T
	brandID, creatorID string
	campaignID         string
	handle             string
	admin, bm, creator *client
	finance, finance2  *client
}

type campaignOpts struct {
	autoApprove  bool
	dualApproval int64
	recheck      int64
	attribution  int64
	offerTTL     int64
	// reminderBefore is the campaign's reminder_before_seconds (default 3600).
	reminderBefore int64
}

// The world's handle is its own (a sequence number and the test's name), so no two worlds'
// creators register the same account, which vetting would flag account_shared.
func newWorld(t *testing.T, opts campaignOpts) *world {
	t.Helper()
	return newWorldWithHandle(t, opts, newHandle(t))
}

// newHandle is an Instagram handle no other world has.
func newHandle(t *testing.T) string {
	return fmt.Sprintf("maya%d_%s", worldSeq.Add(1), strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")))
}

// newWorldWithHandle is newWorld whose creator registers handle on Instagram, an engaged
// running audience there (defineInstagram).
func newWorldWithHandle(t *testing.T, opts campaignOpts, handle string) *world {
	t.Helper()
	w := &world{t: t, handle: handle}
	w.admin = as(t, auth.Identity{Sub: "admin-1", Role: "admin"})
	brand := must(t, w.admin.post("/v1/brands", map[string]any{"name": "Acme", "handles": []string{"@acme"}}), http.StatusCreated)
	w.brandID = brand["id"].(string)
	w.bm = as(t, auth.Identity{Sub: "ann", Role: "brand_manager", BrandID: w.brandID})

	w.defineInstagram()
	cr := must(t, w.bm.post("/v1/creators", map[string]any{"name": "Maya", "email": "maya@example.com", "country": "US",
		"accounts": []map[string]string{{"platform": "instagram", "handle": w.handle}}}), http.StatusCreated)
	w.creatorID = cr["id"].(string)
	w.creator = as(t, auth.Identity{Sub: "maya", Role: "creator", CreatorID: w.creatorID})
	w.setPayoutAccount("acct_"+w.handle, "W-9")

	camp := must(t, w.bm.post("/v1/campaigns", map[string]any{
		"brand_id": w.brandID, "name": "Spring run", "brief": "running shoes", "jurisdiction": "US",
		"keywords": []string{"running"}, "auto_approve_vetting": opts.autoApprove,
		"offer_ttl_seconds": orDefault(opts.offerTTL, 86400), "reminder_before_seconds": orDefault(opts.reminderBefore, 3600), "draft_due_seconds": 86400,
		"review_sla_seconds": 86400, "max_revision_rounds": 2, "max_negotiation_rounds": 3,
		"attribution_window_seconds": opts.attribution, "dual_approval_threshold_minor": opts.dualApproval, "recheck_after_seconds": opts.recheck,
	}), http.StatusCreated)
	w.campaignID = camp["id"].(string)
	w.finance = as(t, auth.Identity{Sub: "fin-1", Role: "finance"})
	w.finance2 = as(t, auth.Identity{Sub: "fin-2", Role: "finance"})
	return w
}

// defineInstagram makes the sandbox serve w.handle on Instagram as an engaged running
// audience: 12,000 followers and three posts whose vetting is clean.
func (w *world) defineInstagram() {
	w.t.Helper()
	must(w.t, sandbox(w.t).post("/sandbox/social/accounts", map[string]any{
		"platform": "instagram", "handle": w.handle, "followers": 12000, "following": 310,
		"posts": []map[string]any{
			{"caption": "trail running at dawn #running", "likes": 900, "comments": 41, "posted_at": "2026-11-01T08:00:00Z"},
			{"caption": "marathon shoes review #running", "likes": 820, "comments": 35, "posted_at": "2026-11-05T08:00:00Z"},
			{"caption": "recovery day, stretching for runners", "likes": 760, "comments": 30, "posted_at": "2026-11-09T08:00:00Z"},
		},
	}), http.StatusCreated)
}

func (w *world) offer(fee int64) map[string]any {
	return map[string]any{"kind": "one_off", "fee": map[string]any{"amount_minor": fee, "currency": "USD"},
		"kill_fee": map[string]any{"amount_minor": fee / 5, "currency": "USD"}, "usage_rights_days": 90, "exclusivity_days": 30,
		"deliverables": []map[string]string{{"platform": "instagram", "format": "post"}}}
}

func (w *world) createPartnership(fee int64) string {
	w.t.Helper()
	p := must(w.t, w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
		"offer": w.offer(fee)}), http.StatusCreated)
	require.Equal(w.t, "vetting", p["stage"])
	return p["id"].(string)
}

// state reads the partnership as the brand manager sees it.
func (w *world) state(pid string) map[string]any {
	w.t.Helper()
	return must(w.t, w.bm.get("/v1/partnerships/"+pid), http.StatusOK)
}

// creatorSigningURL is the creator's signing URL, which only the creator and admins are shown.
func (w *world) creatorSigningURL(pid string) string {
	w.t.Helper()
	u, _ := path(must(w.t, w.creator.get("/v1/partnerships/"+pid), http.StatusOK), "contract", "signing_urls", "creator").(string)
	require.NotEmpty(w.t, u, "the creator is shown their signing URL")
	return u
}

func (w *world) waitStage(pid, stage string) map[string]any {
	w.t.Helper()
	return w.waitFor(pid, "stage "+stage, func(st map[string]any) bool { return st["stage"] == stage })
}

// waitFor polls the partnership until ok; on timeout it shows the last state seen.
func (w *world) waitFor(pid, what string, ok func(map[string]any) bool) map[string]any {
	w.t.Helper()
	var st map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		st = w.state(pid)
		if ok(st) {
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
	raw, _ := json.MarshalIndent(map[string]any{"stage": st["stage"], "next_action": st["next_action"],
		"contract": st["contract"], "negotiation": st["negotiation"], "updated_at": st["updated_at"]}, "", "  ")
	w.t.Fatalf("timed out waiting for %s; last state: %s", what, raw)
	return nil
}

func path(m map[string]any, keys ...any) any {
	var cur any = m
	for _, k := range keys {
		switch key := k.(type) {
		case string:
			mm, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = mm[key]
		case int:
			arr, ok := cur.([]any)
			if !ok || key >= len(arr) {
				return nil
			}
			cur = arr[key]
		}
	}
	return cur
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// toContent takes a new partnership through acceptance and both signatures.
// setPayoutAccount sets the creator's payout profile to a payments account (a sandbox
// destination such as acct_closed or acct_silent, say) and tax form.
func (w *world) setPayoutAccount(account, taxForm string) {
	w.t.Helper()
	must(w.t, w.creator.do(http.MethodPut, "/v1/creators/"+w.creatorID+"/payout-profile",
		map[string]string{"payments_account_id": account, "tax_form": taxForm}), http.StatusOK)
}

// toPublished creates a partnership for fee and runs it until its one post, with the
// disclosure and the discount code, is submitted; it returns the partnership's id.
func (w *world) toPublished(fee int64) string {
	w.t.Helper()
	pid := w.createPartnership(fee)
	st := w.toContent(pid)
	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	return pid
}

func (w *world) toContent(pid string) map[string]any {
	w.t.Helper()
	w.waitStage(pid, "negotiation")
	must(w.t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	must(w.t, sandbox(w.t).post(w.creatorSigningURL(pid), map[string]any{}), http.StatusOK)
	must(w.t, sandbox(w.t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	return w.waitStage(pid, "content")
}

// approveDraft submits a draft of d1 with caption and approves it (its first version).
func (w *world) approveDraft(pid, caption string) {
	w.t.Helper()
	must(w.t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{"caption": caption}), http.StatusCreated)
	must(w.t, w.bm.post("/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}), http.StatusOK)
}

// publish approves a compliant draft and submits a live post with caption; it returns the post.
func (w *world) publish(pid, caption string) map[string]any {
	w.t.Helper()
	w.approveDraft(pid, caption)
	post := must(w.t, sandbox(w.t).post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}), http.StatusCreated)
	must(w.t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)
	return post
}
