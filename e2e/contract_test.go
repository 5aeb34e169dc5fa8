package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/webhooksig"
)

// TestBadInputGetsProblemJSON: malformed, invalid, unauthenticated, out-of-scope and
// out-of-stage requests on the lifecycle routes get a problem+json 4xx and change nothing.
func TestBadInputGetsProblemJSON(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(20000)
	w.waitStage(pid, "negotiation")
	before := len(events(t, w.bm, pid))

	other := newWorld(t, campaignOpts{autoApprove: true})
	anon := as(t, auth.Identity{})
	expired, err := auth.Issue([]byte(stack.Secrets.JWTSecret), auth.Identity{Sub: "ann", Role: "admin"}, time.Minute, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	expiredClient := &client{t: t, base: stack.APIURL, token: expired}
	forged := &client{t: t, base: stack.APIURL, token: mustForge(t)}

	cases := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"no token", anon, "GET", "/v1/partnerships/" + pid, nil, 401, ""},
		{"expired token", expiredClient, "GET", "/v1/partnerships", nil, 401, ""},
		{"token signed with another key", forged, "GET", "/v1/partnerships", nil, 401, ""},
		{"malformed JSON", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", `{"action": "accept"`, 400, ""},
		{"two JSON values", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", `{"action":"accept"} {}`, 400, ""},
		{"empty body", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", "", 400, ""},
		{"wrong type", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", `{"action": 7}`, 422, "action"},
		{"unknown action", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", map[string]any{"action": "haggle"}, 422, "action"},
		{"counter without terms", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", map[string]any{"action": "counter"}, 422, "terms"},
		{"negative fee", w.bm, "POST", "/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
			"offer": map[string]any{"kind": "one_off", "fee": map[string]any{"amount_minor": -5, "currency": "USD"},
				"deliverables": []map[string]string{{"platform": "instagram", "format": "post"}}}}, 422, "offer.fee.amount_minor"},
		{"bad currency", w.bm, "POST", "/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
			"offer": map[string]any{"kind": "one_off", "fee": map[string]any{"amount_minor": 5, "currency": "XXZ"},
				"deliverables": []map[string]string{{"platform": "instagram", "format": "post"}}}}, 422, "offer.fee.currency"},
		{"no deliverables", w.bm, "POST", "/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID,
			"offer": map[string]any{"kind": "one_off", "fee": map[string]any{"amount_minor": 5, "currency": "USD"}}}, 422, "offer.deliverables"},
		{"missing campaign", w.bm, "POST", "/v1/partnerships", map[string]any{"creator_id": w.creatorID, "offer": w.offer(100)}, 422, "campaign_id"},
		{"wrong role", w.creator, "POST", "/v1/partnerships/" + pid + "/payouts", map[string]any{"kind": "fee"}, 403, ""},
		{"other brand's manager", other.bm, "GET", "/v1/partnerships/" + pid, nil, 404, ""},
		{"other creator", other.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", map[string]any{"action": "accept"}, 404, ""},
		{"other brand's campaign", other.bm, "POST", "/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": other.creatorID,
			"offer": w.offer(100)}, 404, ""},
		{"unknown partnership", w.bm, "GET", "/v1/partnerships/00000000-0000-0000-0000-000000000000", nil, 404, ""},
		{"unknown route", w.bm, "GET", "/v1/nothing-here", nil, 404, ""},
		{"wrong method", w.bm, "DELETE", "/healthz", nil, 405, ""},
		{"action out of stage", w.creator, "POST", "/v1/partnerships/" + pid + "/deliverables/d1/drafts", map[string]any{"caption": "#ad hi"}, 409, ""},
		{"review by creator", w.creator, "POST", "/v1/partnerships/" + pid + "/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}, 403, ""},
		{"limit out of range", w.bm, "GET", "/v1/partnerships?limit=500", nil, 422, "limit"},
		{"bad cursor", w.bm, "GET", "/v1/partnerships?cursor=bm90LWEtY3Vyc29y", nil, 422, "cursor"},
		{"body over 1 MiB", w.creator, "POST", "/v1/partnerships/" + pid + "/negotiation", `{"action":"` + strings.Repeat("a", 1<<20+10) + `"}`, 413, ""},
		{"unknown jurisdiction", w.creator, "POST", "/v1/disclosure/check", map[string]any{"caption": "#ad", "platform": "instagram", "format": "post", "jurisdiction": "EU"}, 422, "jurisdiction"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			r := tc.c.do(tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			require.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json"), r.Header.Get("Content-Type"))
			p := r.JSON(t)
			require.EqualValues(t, tc.status, p["status"])
			require.NotEmpty(t, p["title"])
			require.NotContains(t, string(r.Body), "goroutine")
			if tc.field != "" {
				require.Contains(t, p["errors"], tc.field, "field errors: %v", p["errors"])
			}
			if tc.status == http.StatusConflict {
				require.Equal(t, "negotiation", p["stage"])
			}
		})
	}
	w.creator.t, w.bm.t = t, t
	require.Len(t, events(t, w.bm, pid), before, "refused requests changed nothing")
	require.Equal(t, "negotiation", w.state(pid)["stage"])
}

func mustForge(t *testing.T) string {
	tok, err := auth.Issue([]byte("not-the-server-secret-not-the-server-secret"), auth.Identity{Sub: "x", Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}

// TestIdempotencyKey: the same key and body replays the first response; another body is a 422;
// an action retried with its key is applied once.
func TestIdempotencyKey(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	body := map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": w.offer(10000)}
	first := must(t, w.bm.post("/v1/partnerships", body, "Idempotency-Key", "create-"+w.handle), http.StatusCreated)
	again := w.bm.post("/v1/partnerships", body, "Idempotency-Key", "create-"+w.handle)
	require.Equal(t, http.StatusCreated, again.Status)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first["id"], again.JSON(t)["id"], "no second partnership")
	r := w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": w.offer(99)},
		"Idempotency-Key", "create-"+w.handle)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)

	var list struct {
		Items []map[string]any `json:"items"`
	}
	w.bm.get("/v1/partnerships?campaign_id="+w.campaignID).Decode(t, &list)
	require.Len(t, list.Items, 1)

	pid := first["id"].(string)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}, "Idempotency-Key", "accept-"+pid), http.StatusOK)
	r = w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}, "Idempotency-Key", "accept-"+pid)
	require.Equal(t, http.StatusOK, r.Status)
	accepts := 0
	for _, e := range events(t, w.bm, pid) {
		if e["type"] == "negotiation_accept" {
			accepts++
		}
	}
	require.Equal(t, 1, accepts)
}

// TestWebhooks: bad and stale signatures are refused; an event for an unknown envelope is
// acknowledged and recorded; a duplicate delivery is acknowledged as such.
func TestWebhooks(t *testing.T) {
	c := &client{t: t, base: stack.APIURL}
	body := []byte(`{"event_id":"evt_unknown_1","event":"envelope-completed","data":{"envelope_id":"env-nobody","status":"completed"}}`)
	secret := []byte(stack.Secrets.ESignWebhookSecret)

	r := c.post("/v1/webhooks/esign", body)
	require.Equal(t, http.StatusUnauthorized, r.Status, "unsigned")
	r = c.post("/v1/webhooks/esign", body, webhooksig.Header, webhooksig.Sign([]byte("wrong"), time.Now(), body))
	require.Equal(t, http.StatusUnauthorized, r.Status, "wrong secret")
	r = c.post("/v1/webhooks/esign", body, webhooksig.Header, webhooksig.Sign(secret, time.Now().Add(-10*time.Minute), body))
	require.Equal(t, http.StatusUnauthorized, r.Status, "stale")

	r = c.post("/v1/webhooks/esign", body, webhooksig.Header, webhooksig.Sign(secret, time.Now(), body))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "unknown_object", r.JSON(t)["outcome"])
	r = c.post("/v1/webhooks/esign", body, webhooksig.Header, webhooksig.Sign(secret, time.Now(), body))
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, true, r.JSON(t)["duplicate"])
}

// TestHealthAndDocs: liveness, readiness against the real dependencies, the OpenAPI document
// and Prometheus metrics are served.
func TestHealthAndDocs(t *testing.T) {
	c := &client{t: t, base: stack.APIURL}
	require.Equal(t, http.StatusOK, c.get("/healthz").Status)
	r := c.get("/readyz")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, true, r.JSON(t)["ready"])
	r = c.get("/openapi.yaml")
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), "openapi: 3")
	r = c.get("/metrics")
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), "partnerflow_echo_request_duration_seconds")
}
