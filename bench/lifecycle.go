package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/partnerflow/partnerflow/auth"
)

// Target says where a running stack serves and how to mint its tokens.
type Target struct {
	APIURL          string
	SandboxURL      string
	TemporalAddress string
	Namespace       string
	JWTSecret       []byte
}

// restDriver runs partnership lifecycles through the REST API the way people do: every human
// action is one request, provider-side steps (signing, publishing) go to the sandbox, and the
// asynchronous steps are awaited by polling the partnership.
type restDriver struct {
	target Target
	http   *httpDoer
	run    string // distinguishes this run's handles and subjects from earlier runs
	poll   time.Duration
	// actions records every human-action request (the Updates and the creation).
	actions Latencies
	seq     atomic.Int64
}

// world is one brand, its campaign and one creator; a client runs all its lifecycles in its
// own world so that clients share nothing but the engine.
type world struct {
	brandID, creatorID, campaignID string
	handle                         string
}

const benchFee = 50000

func (d *restDriver) token(id auth.Identity) (string, error) {
	return auth.Issue(d.target.JWTSecret, id, 2*time.Hour, time.Now())
}

// newWorld creates the brand, the creator's social account, the creator with a payout
// profile, and a campaign that auto-approves clean vetting and pays the fee on one approval.
func (d *restDriver) newWorld(ctx context.Context, n int) (world, error) {
	w := world{handle: fmt.Sprintf("bench%s_%d", d.run, n)}
	admin, err := d.token(auth.Identity{Sub: "bench-admin", Role: "admin"})
	if err != nil {
		return w, err
	}
	var brand struct {
		ID string `json:"id"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/brands", admin, map[string]any{
		"name": "Acme " + strconv.Itoa(n), "handles": []string{"@acme"}, "contact_email": "partners@acme.example"}, &brand, http.StatusCreated); err != nil {
		return w, err
	}
	w.brandID = brand.ID
	bm, err := d.token(identityBM(w))
	if err != nil {
		return w, err
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.SandboxURL+"/sandbox/social/accounts", "", socialAccount(w.handle), nil, http.StatusCreated); err != nil {
		return w, err
	}
	var cr struct {
		ID string `json:"id"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/creators", bm, map[string]any{"name": "Maya", "email": "maya@example.com",
		"country": "US", "accounts": []map[string]string{{"platform": "instagram", "handle": w.handle}}}, &cr, http.StatusCreated); err != nil {
		return w, err
	}
	w.creatorID = cr.ID
	creator, err := d.token(identityCreator(w))
	if err != nil {
		return w, err
	}
	if err := d.http.call(ctx, http.MethodPut, d.target.APIURL+"/v1/creators/"+w.creatorID+"/payout-profile", creator,
		map[string]string{"payments_account_id": "acct_" + w.handle, "tax_form": "W-9"}, nil, http.StatusOK); err != nil {
		return w, err
	}
	var camp struct {
		ID string `json:"id"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.APIURL+"/v1/campaigns", bm, campaign(w.brandID, 3), &camp, http.StatusCreated); err != nil {
		return w, err
	}
	w.campaignID = camp.ID
	return w, nil
}

// identityBM and identityCreator are a world's brand manager and creator. They are used for
// setup only; lifecycles use their own subjects (see people).
func identityBM(w world) auth.Identity {
	return auth.Identity{Sub: "bench-bm-" + w.handle, Role: "brand_manager", BrandID: w.brandID}
}

func identityCreator(w world) auth.Identity {
	return auth.Identity{Sub: "bench-creator-" + w.handle, Role: "creator", CreatorID: w.creatorID}
}

// socialAccount is a clean creator account: vetting auto-approves it.
func socialAccount(handle string) map[string]any {
	return map[string]any{"platform": "instagram", "handle": handle, "followers": 12000, "following": 310,
		"posts": []map[string]any{
			{"caption": "trail running at dawn #running", "likes": 900, "comments": 41, "posted_at": "2026-11-01T08:00:00Z"},
			{"caption": "marathon shoes review #running", "likes": 820, "comments": 35, "posted_at": "2026-11-05T08:00:00Z"},
			{"caption": "recovery day, stretching for runners", "likes": 760, "comments": 30, "posted_at": "2026-11-09T08:00:00Z"},
		}}
}

// Waits are a day with a reminder an hour before the deadline, as in the walk-through; no
// deadline passes during a run.
const (
	waitSeconds   = 86400
	remindSeconds = 3600
)

func campaign(brandID string, maxNegotiationRounds int) map[string]any {
	return map[string]any{"brand_id": brandID, "name": "Bench", "brief": "running shoes", "jurisdiction": "US",
		"keywords": []string{"running"}, "auto_approve_vetting": true, "offer_ttl_seconds": waitSeconds,
		"reminder_before_seconds": remindSeconds, "draft_due_seconds": waitSeconds, "review_sla_seconds": waitSeconds,
		"max_revision_rounds": 2, "max_negotiation_rounds": maxNegotiationRounds, "attribution_window_seconds": 0,
		"dual_approval_threshold_minor": 0, "recheck_after_seconds": 0}
}

func offer(fee int64) map[string]any {
	return map[string]any{"kind": "one_off", "fee": map[string]any{"amount_minor": fee, "currency": "USD"},
		"kill_fee": map[string]any{"amount_minor": fee / 5, "currency": "USD"}, "usage_rights_days": 90, "exclusivity_days": 30,
		"deliverables": []map[string]string{{"platform": "instagram", "format": "post"}}}
}

// people are one lifecycle's users. Each lifecycle has its own subjects so the API's
// per-subject rate limit (a guard against one runaway client) never paces the benchmark.
type people struct {
	bm, creator, finance, poller string
}

func (d *restDriver) people(w world, n int64) (people, error) {
	var p people
	var err error
	suffix := strconv.FormatInt(n, 10)
	ids := []struct {
		dst *string
		id  auth.Identity
	}{
		{&p.bm, auth.Identity{Sub: "bm-" + suffix, Role: "brand_manager", BrandID: w.brandID}},
		{&p.creator, auth.Identity{Sub: "creator-" + suffix, Role: "creator", CreatorID: w.creatorID}},
		{&p.finance, auth.Identity{Sub: "fin-" + suffix, Role: "finance"}},
		{&p.poller, auth.Identity{Sub: "viewer-" + suffix, Role: "brand_manager", BrandID: w.brandID}},
	}
	for _, x := range ids {
		if *x.dst, err = d.token(x.id); err != nil {
			return p, err
		}
	}
	return p, nil
}

// partnershipView is the part of GET /v1/partnerships/{id} the driver waits on.
type partnershipView struct {
	ID       string `json:"id"`
	Stage    string `json:"stage"`
	Contract struct {
		SigningURLs map[string]string `json:"signing_urls"`
	} `json:"contract"`
	Tracking struct {
		DiscountCode string `json:"discount_code"`
	} `json:"tracking"`
}

// action sends one human action and records its latency.
func (d *restDriver) action(ctx context.Context, method, path, token string, body, out any, want int) error {
	start := time.Now()
	err := d.http.call(ctx, method, d.target.APIURL+path, token, body, out, want)
	if err == nil {
		d.actions.Add(time.Since(start))
	}
	return err
}

// waitFor polls the partnership until ok, for at most a minute.
// It polls like a well-behaved client: with the ETag of the last answer in If-None-Match,
// so an unchanged partnership costs a 304 without a body.
func (d *restDriver) waitFor(ctx context.Context, token, pid, what string, ok func(partnershipView) bool) (partnershipView, error) {
	var last partnershipView
	var etag string
	return pollUntil(ctx, d.poll, "partnership "+pid+": "+what, func() (partnershipView, error) {
		var v partnershipView
		tag, changed, err := d.http.getIfChanged(ctx, d.target.APIURL+"/v1/partnerships/"+pid, token, etag, &v)
		if err != nil || !changed {
			return last, err
		}
		last, etag = v, tag
		return v, nil
	}, ok, func(v partnershipView) string { return v.Stage })
}

func stageIs(s string) func(partnershipView) bool {
	return func(v partnershipView) bool { return v.Stage == s }
}

// lifecycle runs one partnership from creation to the paid fee: vetting (auto-approved),
// a counter-offer and its acceptance, both signatures at the e-signature sandbox, a draft
// without disclosure sent back and a compliant revision approved, the live post published at
// the social sandbox and submitted, and the fee triggered and paid. It returns the
// partnership id.
func (d *restDriver) lifecycle(ctx context.Context, w world) (string, error) {
	n := d.seq.Add(1)
	p, err := d.people(w, n)
	if err != nil {
		return "", err
	}
	var created partnershipView
	if err := d.action(ctx, http.MethodPost, "/v1/partnerships", p.bm, map[string]any{"campaign_id": w.campaignID,
		"creator_id": w.creatorID, "offer": offer(benchFee)}, &created, http.StatusCreated); err != nil {
		return "", err
	}
	pid := created.ID
	base := "/v1/partnerships/" + pid
	if _, err := d.waitFor(ctx, p.poller, pid, "negotiation", stageIs("negotiation")); err != nil {
		return pid, err
	}
	if err := d.action(ctx, http.MethodPost, base+"/negotiation", p.creator, map[string]any{"action": "counter", "terms": offer(benchFee + 10000)}, nil, http.StatusOK); err != nil {
		return pid, err
	}
	if err := d.action(ctx, http.MethodPost, base+"/negotiation", p.bm, map[string]any{"action": "accept"}, nil, http.StatusOK); err != nil {
		return pid, err
	}
	// Each party is shown only its own signing URL: the brand's viewer waits for the envelope,
	// then the creator reads theirs.
	v, err := d.waitFor(ctx, p.poller, pid, "signing URLs", func(v partnershipView) bool { return v.Contract.SigningURLs["brand"] != "" })
	if err != nil {
		return pid, err
	}
	mine, err := d.waitFor(ctx, p.creator, pid, "the creator's signing URL", func(v partnershipView) bool { return v.Contract.SigningURLs["creator"] != "" })
	if err != nil {
		return pid, err
	}
	for _, u := range []string{mine.Contract.SigningURLs["creator"], v.Contract.SigningURLs["brand"]} {
		if err := d.http.call(ctx, http.MethodPost, u, "", map[string]any{}, nil, http.StatusOK); err != nil {
			return pid, err
		}
	}
	v, err = d.waitFor(ctx, p.poller, pid, "content", stageIs("content"))
	if err != nil {
		return pid, err
	}
	code := v.Tracking.DiscountCode
	drafts := base + "/deliverables/d1/drafts"
	review := base + "/deliverables/d1/review"
	if err := d.action(ctx, http.MethodPost, drafts, p.creator, map[string]any{"caption": "Loving my new Acme sneakers, code " + code}, nil, http.StatusCreated); err != nil {
		return pid, err
	}
	if err := d.action(ctx, http.MethodPost, review, p.bm, map[string]any{"version": 1, "decision": "request_changes", "comments": "add #ad at the start"}, nil, http.StatusOK); err != nil {
		return pid, err
	}
	caption := "#ad Loving my new @acme sneakers for morning runs, code " + code
	if err := d.action(ctx, http.MethodPost, drafts, p.creator, map[string]any{"caption": caption}, nil, http.StatusCreated); err != nil {
		return pid, err
	}
	if err := d.action(ctx, http.MethodPost, review, p.bm, map[string]any{"version": 2, "decision": "approve"}, nil, http.StatusOK); err != nil {
		return pid, err
	}
	var post struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.target.SandboxURL+"/sandbox/social/posts", "",
		map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}, &post, http.StatusCreated); err != nil {
		return pid, err
	}
	if err := d.action(ctx, http.MethodPost, base+"/deliverables/d1/publication", p.creator, map[string]any{"url": post.URL}, nil, http.StatusAccepted); err != nil {
		return pid, err
	}
	if _, err := d.waitFor(ctx, p.poller, pid, "payout", stageIs("payout")); err != nil {
		return pid, err
	}
	if err := d.action(ctx, http.MethodPost, base+"/payouts", p.finance, map[string]any{"kind": "fee"}, nil, http.StatusAccepted); err != nil {
		return pid, err
	}
	if _, err := d.waitFor(ctx, p.poller, pid, "completed", stageIs("completed")); err != nil {
		return pid, err
	}
	return pid, archivePost(ctx, d.http, d.target.SandboxURL, post.ID)
}

// archivePost deletes the lifecycle's live post once it is paid, so the creator's recent posts
// never fill up with sponsored ones (vetting would flag the account and wait for the brand).
func archivePost(ctx context.Context, h *httpDoer, sandboxURL, id string) error {
	return h.call(ctx, http.MethodPatch, sandboxURL+"/sandbox/social/posts/"+id, "", map[string]any{"deleted": true}, nil, http.StatusOK)
}
