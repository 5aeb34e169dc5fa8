package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAuthorizationMatrix runs every /v1 route for every role, as owner and as non-owner: a
// wrong role gets 403, a resource outside the caller's scope 404 (existence is not
// confirmed), everyone else gets through authorization. Bodies are invalid where the route
// changes state, so allowed callers get a 4xx from validation and nothing changes.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(10000)
	w.waitStage(pid, "negotiation")
	other := newWorld(t, campaignOpts{autoApprove: true})
	before := len(events(t, w.bm, pid))

	callers := map[string]*client{
		"admin":         w.admin,
		"finance":       w.finance,
		"brand owner":   w.bm,
		"other brand":   other.bm,
		"creator owner": w.creator,
		"other creator": other.creator,
	}
	roleOf := map[string]string{"admin": "admin", "finance": "finance", "brand owner": "brand_manager",
		"other brand": "brand_manager", "creator owner": "creator", "other creator": "creator"}
	owner := map[string]bool{"brand owner": true, "creator owner": true}

	type route struct {
		method, path string
		body         any
		roles        []string // roles allowed at all
		scoped       bool     // non-owners of an allowed role get 404
		creatorsOK   bool     // creators are in scope (their own partnership's resources)
	}
	p := "/v1/partnerships/" + pid
	routes := []route{
		{"POST", "/v1/brands", map[string]any{}, []string{"admin"}, false, false},
		{"POST", "/v1/creators", map[string]any{}, []string{"admin", "brand_manager"}, false, false},
		{"GET", "/v1/creators", nil, []string{"admin", "brand_manager"}, false, false},
		{"GET", "/v1/brands/" + w.brandID, nil, []string{"admin", "brand_manager"}, true, false},
		{"PATCH", "/v1/brands/" + w.brandID, map[string]any{"name": ""}, []string{"admin", "brand_manager"}, true, false},
		{"GET", "/v1/brands/" + w.brandID + "/changes", nil, []string{"admin", "brand_manager"}, true, false},
		{"GET", "/v1/creators/" + w.creatorID, nil, []string{"admin", "brand_manager", "creator"}, true, true},
		{"PATCH", "/v1/creators/" + w.creatorID, map[string]any{"email": "bad"}, []string{"creator", "admin"}, true, true},
		{"PUT", "/v1/creators/" + w.creatorID + "/payout-profile", map[string]any{}, []string{"creator", "admin"}, true, true},
		{"GET", "/v1/creators/" + w.creatorID + "/changes", nil, []string{"admin", "brand_manager", "creator"}, true, true},
		{"POST", "/v1/campaigns", map[string]any{"brand_id": w.brandID}, []string{"brand_manager", "admin"}, true, false},
		{"GET", "/v1/campaigns", nil, []string{"admin", "finance", "brand_manager", "creator"}, false, false},
		{"GET", "/v1/campaigns/" + w.campaignID, nil, []string{"admin", "finance", "brand_manager", "creator"}, true, true},
		{"GET", "/v1/campaigns/" + w.campaignID + "/report", nil, []string{"admin", "finance", "brand_manager"}, true, false},
		{"POST", "/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": map[string]any{}},
			[]string{"brand_manager", "admin"}, true, false},
		{"GET", "/v1/partnerships", nil, []string{"admin", "finance", "brand_manager", "creator"}, false, false},
		{"GET", p, nil, []string{"admin", "finance", "brand_manager", "creator"}, true, true},
		{"GET", p + "/events", nil, []string{"admin", "finance", "brand_manager", "creator"}, true, true},
		{"POST", p + "/vetting/decision", map[string]any{}, []string{"brand_manager", "admin"}, true, false},
		{"POST", p + "/negotiation", map[string]any{}, []string{"brand_manager", "creator"}, true, true},
		{"POST", p + "/deliverables/d1/drafts", map[string]any{}, []string{"creator"}, true, true},
		{"POST", p + "/deliverables/d1/review", map[string]any{}, []string{"brand_manager", "admin"}, true, false},
		{"POST", p + "/deliverables/d1/publication", map[string]any{}, []string{"creator"}, true, true},
		{"POST", p + "/payouts", map[string]any{}, []string{"finance", "admin"}, true, false},
		{"POST", p + "/payouts/po_1/approve", nil, []string{"finance", "admin"}, true, false},
		{"POST", p + "/cancel", map[string]any{}, []string{"brand_manager", "admin", "creator"}, true, true},
		{"POST", p + "/retry", map[string]any{}, []string{"admin"}, true, false},
		{"GET", "/v1/payouts", nil, []string{"admin", "finance", "brand_manager", "creator"}, false, false},
		{"POST", "/v1/disclosure/check", map[string]any{}, []string{"admin", "finance", "brand_manager", "creator"}, false, false},
	}
	// Routes no brand manager is in scope of, whatever its brand: a creator's trail tells of
	// the e-mail and payout profile, which brand managers are never shown.
	brandsOut := map[string]bool{"/v1/creators/" + w.creatorID + "/changes": true}
	for _, rt := range routes {
		for name, c := range callers {
			t.Run(rt.method+" "+strings.ReplaceAll(rt.path, pid, "{id}")+" as "+name, func(t *testing.T) {
				cc := *c
				cc.t = t
				r := cc.do(rt.method, rt.path, rt.body)
				role := roleOf[name]
				allowed := false
				for _, a := range rt.roles {
					allowed = allowed || a == role
				}
				inScope := !rt.scoped || role == "admin" || role == "finance" || owner[name]
				if role == "creator" && rt.scoped && !rt.creatorsOK || role == "brand_manager" && brandsOut[rt.path] {
					inScope = false
				}
				switch {
				case !allowed:
					require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
				case !inScope:
					require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
				default:
					require.NotContains(t, []int{401, 403}, r.Status, "%s", r.Body)
					if r.Status == http.StatusNotFound {
						detail := r.JSON(t)["detail"].(string)
						require.NotRegexp(t, `^(partnership|campaign|creator|brand) not found$`, detail, "an owner was treated as out of scope")
					}
				}
			})
		}
	}
	require.Len(t, events(t, w.bm, pid), before, "the matrix changed nothing")
	require.Equal(t, "negotiation", w.state(pid)["stage"])
}
