package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/internal/testdb"
	"github.com/partnerflow/partnerflow/store"
)

var (
	profileAdmin   = auth.Identity{Sub: "admin-1", Role: "admin"}
	profileFinance = auth.Identity{Sub: "fin-1", Role: "finance"}
	managerB1      = auth.Identity{Sub: "bm-1", Role: "brand_manager", BrandID: "b1"}
	managerB2      = auth.Identity{Sub: "bm-2", Role: "brand_manager", BrandID: "b2"}
	creatorC1      = auth.Identity{Sub: "maya", Role: "creator", CreatorID: "c1"}
	creatorC2      = auth.Identity{Sub: "lee", Role: "creator", CreatorID: "c2"}
)

// profileServer is the API over a real database holding two brands and three creators: c1,
// added by brand b1, with a payout profile; c2, added by an admin, in a partnership with b2;
// c3, added by an admin, in none. Every response it gives is checked against the document.
type profileServer struct {
	*actionServer
	router routers.Router
}

// forEachDialect runs test against a server on embedded SQLite and one on a fresh PostgreSQL
// database (skipped, alone, when there is no PostgreSQL to test against).
func forEachDialect(t *testing.T, test func(t *testing.T, s *profileServer)) {
	t.Helper()
	router, err := gorillamux.NewRouter(loadOpenAPI(t))
	require.NoError(t, err)
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			cfg := store.Config{SQLitePath: filepath.Join(t.TempDir(), "app.db")}
			if name == "postgres" {
				cfg = store.Config{URL: testdb.PostgresURL(t)}
			}
			ctx := context.Background()
			st, err := store.Open(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			require.NoError(t, st.Migrate(ctx))
			seedProfiles(t, st)
			wf := &fakeWorkflows{}
			srv := New(Config{JWTSecret: mwSecret, Registry: prometheus.NewRegistry()}, st, wf, slog.New(slog.DiscardHandler))
			test(t, &profileServer{actionServer: &actionServer{Server: srv, st: st, wf: wf}, router: router})
		})
	}
}

func seedProfiles(t *testing.T, st *store.Store) {
	t.Helper()
	ctx, now := context.Background(), time.Now().UTC()
	require.NoError(t, st.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", ContactEmail: "partners@acme.example",
		Handles: store.JSON(`["@acme"]`), TurnEmails: true, CreatedAt: now}, seedActor))
	require.NoError(t, st.CreateBrand(ctx, &store.Brand{ID: "b2", Name: "Globex", Handles: store.JSON(`[]`), TurnEmails: true, CreatedAt: now}, seedActor))
	for _, c := range []store.Creator{
		{ID: "c1", Name: "Maya", Email: "maya@exmaple.com", Country: "US", CreatedByBrandID: "b1",
			Accounts: store.JSON(`[{"platform":"instagram","handle":"maya"}]`)},
		{ID: "c2", Name: "Lee", Email: "lee@example.com", Country: "GB", Accounts: store.JSON(`[{"platform":"tiktok","handle":"lee"}]`)},
		{ID: "c3", Name: "Ana", Email: "ana@example.com", Country: "ES", Accounts: store.JSON(`[{"platform":"youtube","handle":"ana"}]`)},
	} {
		c.CreatedAt, c.UpdatedAt = now, now
		require.NoError(t, st.CreateCreator(ctx, &c, seedActor))
	}
	require.NoError(t, st.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", seedActor))
	require.NoError(t, st.CreateCampaign(ctx, &store.Campaign{ID: "camp2", BrandID: "b2", Name: "Fall", Settings: campaignSettings(t, "camp2", "b2"), CreatedAt: now}))
	require.NoError(t, st.CreatePartnership(ctx, &store.Partnership{ID: "p2", BrandID: "b2", CampaignID: "camp2", CreatorID: "c2",
		Stage: "vetting", State: store.JSON(`{"id":"p2"}`), CreatedAt: now, UpdatedAt: now}))
}

// call sends a request as id with a JSON body (none when empty) and checks the response, and
// a request that succeeded, against the OpenAPI document.
func (s *profileServer) call(t *testing.T, id auth.Identity, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.callAs(t, id, method, path, "application/json", body)
}

func (s *profileServer) callAs(t *testing.T, id auth.Identity, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	newReq := func() *http.Request {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return req
	}
	tok, err := auth.Issue(mwSecret, id, time.Hour, time.Now())
	require.NoError(t, err)
	req := newReq()
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)

	req = newReq() // the handler read the first one's body
	route, params, err := s.router.FindRoute(req)
	require.NoError(t, err)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if rec.Code < 400 && body != "" {
		require.NoError(t, openapi3filter.ValidateRequest(context.Background(), in), "request %s %s %s", method, path, body)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes()))}
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), out), "response to %s %s: %d %s", method, path, rec.Code, rec.Body)
	return rec
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), rec.Body.String())
	return m
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestBrandAccess: admins and the brand's own managers read and edit a brand; another
// brand's manager gets 404 whatever the body, other roles 403.
func TestBrandAccess(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		for _, c := range []struct {
			id   auth.Identity
			want int
		}{
			{profileAdmin, http.StatusOK},
			{managerB1, http.StatusOK},
			{managerB2, http.StatusNotFound},
			{profileFinance, http.StatusForbidden},
			{creatorC1, http.StatusForbidden},
		} {
			rec := s.call(t, c.id, http.MethodGet, "/v1/brands/b1", "")
			require.Equal(t, c.want, rec.Code, "GET as %s: %s", c.id.Sub, rec.Body)
			rec = s.call(t, c.id, http.MethodPatch, "/v1/brands/b1", `{"name":"Acme"}`)
			require.Equal(t, c.want, rec.Code, "PATCH as %s: %s", c.id.Sub, rec.Body)
		}
		rec := s.call(t, managerB2, http.MethodPatch, "/v1/brands/b1", `{"name":""}`)
		require.Equal(t, http.StatusNotFound, rec.Code, "an outsider learns nothing of the body: %s", rec.Body)
		require.Equal(t, http.StatusNotFound, s.call(t, profileAdmin, http.MethodGet, "/v1/brands/nope", "").Code)
		require.Equal(t, http.StatusNotFound, s.call(t, profileAdmin, http.MethodPatch, "/v1/brands/nope", `{"name":"x"}`).Code)

		got := decodeBody(t, s.call(t, managerB1, http.MethodGet, "/v1/brands/b1", ""))
		require.Equal(t, "b1", got["id"])
		require.Equal(t, "Acme", got["name"])
		require.Equal(t, "partners@acme.example", got["contact_email"])
		require.Equal(t, []any{"@acme"}, got["handles"])
		require.Equal(t, true, got["turn_emails"])
		require.NotEmpty(t, got["created_at"])
		require.Equal(t, got["created_at"], got["updated_at"], "a brand never edited was last changed when created")
	})
}

// TestBrandUpdatedAt: the brand says when it was last edited; an edit moves it, not created_at.
func TestBrandUpdatedAt(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		then := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		require.NoError(t, s.st.CreateBrand(context.Background(), &store.Brand{ID: "b3", Name: "Initech", Handles: store.JSON(`[]`),
			TurnEmails: true, CreatedAt: then}, seedActor))
		got := decodeBody(t, s.call(t, profileAdmin, http.MethodGet, "/v1/brands/b3", ""))
		require.Equal(t, then.Format(time.RFC3339), got["updated_at"])

		rec := s.call(t, profileAdmin, http.MethodPatch, "/v1/brands/b3", `{"name":"Initech 2"}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		got = decodeBody(t, rec)
		require.Equal(t, then.Format(time.RFC3339), got["created_at"])
		updated, err := time.Parse(time.RFC3339, got["updated_at"].(string))
		require.NoError(t, err)
		require.True(t, updated.After(then), "updated_at %s", updated)
		require.Equal(t, got, decodeBody(t, s.call(t, profileAdmin, http.MethodGet, "/v1/brands/b3", "")))
	})
}

// TestBrandPatchChangesOnlyWhatItSends: each member sent changes, the others stay; null
// removes the contact e-mail; {} and unknown members change nothing.
func TestBrandPatchChangesOnlyWhatItSends(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		ctx := context.Background()
		patch := func(body string) map[string]any {
			t.Helper()
			rec := s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			return decodeBody(t, rec)
		}
		got := patch(`{"turn_emails": false}`)
		require.Equal(t, false, got["turn_emails"])
		require.Equal(t, "Acme", got["name"])
		require.Equal(t, "partners@acme.example", got["contact_email"])
		require.Equal(t, []any{"@acme"}, got["handles"])
		b, err := s.st.GetBrand(ctx, "b1")
		require.NoError(t, err)
		require.False(t, b.TurnEmails, "stored")

		got = patch(`{"handles": ["acme_eu", " @acme "], "contact_email": "brand@acme.example"}`)
		require.Equal(t, []any{"@acme_eu", "@acme"}, got["handles"], "normalised as on create")
		require.Equal(t, "brand@acme.example", got["contact_email"])
		require.Equal(t, false, got["turn_emails"])
		require.Equal(t, "Acme", got["name"])

		got = patch(`{"contact_email": null, "name": "  Acme Corp "}`)
		require.NotContains(t, got, "contact_email")
		require.Equal(t, "Acme Corp", got["name"])
		require.Equal(t, []any{"@acme_eu", "@acme"}, got["handles"])

		before, err := s.st.GetBrand(ctx, "b1")
		require.NoError(t, err)
		patch(`{}`)
		patch(`{"nickname": "ACME", "id": "b9"}`)
		after, err := s.st.GetBrand(ctx, "b1")
		require.NoError(t, err)
		require.Equal(t, before, after)

		rec := s.callAs(t, profileAdmin, http.MethodPatch, "/v1/brands/b1", "application/merge-patch+json", `{"turn_emails": true, "handles": null}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		got = decodeBody(t, rec)
		require.Equal(t, true, got["turn_emails"])
		require.Equal(t, []any{}, got["handles"])
		require.Equal(t, "Acme Corp", got["name"])
	})
}

// TestBrandPatchInvalidChangesNothing: a member that create would refuse is refused the same
// way, every one named, and nothing of the patch is applied.
func TestBrandPatchInvalidChangesNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		ctx := context.Background()
		before, err := s.st.GetBrand(ctx, "b1")
		require.NoError(t, err)
		tooMany := `["` + strings.Repeat(`a","`, 20) + `a"]`
		for _, c := range []struct {
			body   string
			status int
			fields map[string]string
		}{
			{`{"name": "", "turn_emails": false}`, http.StatusUnprocessableEntity,
				map[string]string{"name": "must have at least 1 character(s)"}},
			{`{"contact_email": "not-an-email", "turn_emails": false}`, http.StatusUnprocessableEntity,
				map[string]string{"contact_email": "must be an e-mail address"}},
			{`{"name": null, "turn_emails": null}`, http.StatusUnprocessableEntity,
				map[string]string{"name": "must not be null", "turn_emails": "must not be null"}},
			{`{"name": "` + strings.Repeat("n", 201) + `", "handles": ` + tooMany + `}`, http.StatusUnprocessableEntity,
				map[string]string{"name": "must have at most 200 character(s)", "handles": "must have at most 20 element(s)"}},
			{`{"handles": ["ok", ""], "turn_emails": true}`, http.StatusUnprocessableEntity,
				map[string]string{"handles[1]": "must have at least 1 character(s)"}},
			{`{"name": "Acme 2", "turn_emails": "no"}`, http.StatusUnprocessableEntity, map[string]string{"turn_emails": "must be a boolean"}},
			{`{"name":`, http.StatusBadRequest, nil},
			{`["name"]`, http.StatusBadRequest, nil},
		} {
			rec := s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", c.body)
			require.Equal(t, c.status, rec.Code, "%s: %s", c.body, rec.Body)
			if c.fields != nil {
				require.Equal(t, c.fields, decodeProblem(t, rec).Errors, c.body)
			}
		}
		rec := s.callAs(t, managerB1, http.MethodPatch, "/v1/brands/b1", "text/plain", `{"turn_emails": false}`)
		require.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
		after, err := s.st.GetBrand(ctx, "b1")
		require.NoError(t, err)
		require.Equal(t, before, after)
	})
}

// TestCreateBrandTurnEmails: a new brand gets the turn e-mails unless it says otherwise.
func TestCreateBrandTurnEmails(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		for body, want := range map[string]bool{`{"name":"Initech"}`: true, `{"name":"Umbrella","turn_emails":false}`: false} {
			rec := s.call(t, profileAdmin, http.MethodPost, "/v1/brands", body)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			got := decodeBody(t, rec)
			require.Equal(t, want, got["turn_emails"], body)
			b, err := s.st.GetBrand(context.Background(), got["id"].(string))
			require.NoError(t, err)
			require.Equal(t, want, b.TurnEmails, body)
		}
	})
}

// TestCreatorReadScopes: admins and the creator see everything the API shows of a creator; a
// brand manager sees the profile of a creator their brand added or works with, without the
// e-mail or payout details; anyone else gets 404 (finance 403).
func TestCreatorReadScopes(t *testing.T) {
	full := []string{"accounts", "country", "created_at", "email", "has_payout_profile", "id", "name", "tax_form"}
	profile := []string{"accounts", "country", "created_at", "has_payout_profile", "id", "name"}
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		for _, c := range []struct {
			id      auth.Identity
			creator string
			status  int
			keys    []string
		}{
			{profileAdmin, "c1", http.StatusOK, full},
			{creatorC1, "c1", http.StatusOK, full},
			{managerB1, "c1", http.StatusOK, profile}, // added by b1
			{managerB2, "c2", http.StatusOK, profile}, // in a partnership with b2
			{managerB2, "c1", http.StatusNotFound, nil},
			{managerB1, "c2", http.StatusNotFound, nil}, // b2's partner, not b1's
			{managerB1, "c3", http.StatusNotFound, nil},
			{creatorC2, "c1", http.StatusNotFound, nil},
			{profileAdmin, "nope", http.StatusNotFound, nil},
			{profileFinance, "c1", http.StatusForbidden, nil},
		} {
			rec := s.call(t, c.id, http.MethodGet, "/v1/creators/"+c.creator, "")
			require.Equal(t, c.status, rec.Code, "%s reads %s: %s", c.id.Sub, c.creator, rec.Body)
			if c.keys == nil {
				continue
			}
			got := decodeBody(t, rec)
			require.Equal(t, c.keys, keys(got), "%s reads %s", c.id.Sub, c.creator)
		}
		got := decodeBody(t, s.call(t, managerB1, http.MethodGet, "/v1/creators/c1", ""))
		require.Equal(t, map[string]any{"id": "c1", "name": "Maya", "country": "US", "has_payout_profile": true,
			"accounts": []any{map[string]any{"platform": "instagram", "handle": "maya"}}, "created_at": got["created_at"]}, got)
		body := s.call(t, managerB1, http.MethodGet, "/v1/creators/c1", "").Body.String()
		require.NotContains(t, body, "exmaple")
		require.NotContains(t, body, "acct_maya")
		require.NotContains(t, body, "W-9")
		got = decodeBody(t, s.call(t, creatorC1, http.MethodGet, "/v1/creators/c1", ""))
		require.Equal(t, "maya@exmaple.com", got["email"])
		require.Equal(t, "W-9", got["tax_form"])
		require.NotContains(t, got, "payments_account_id", "no endpoint shows the account id")
	})
}

// TestCreatorPatch: the creator or an admin corrects the name, e-mail or country, each
// checked as on create; accounts are refused by name; a bad body changes nothing.
func TestCreatorPatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		ctx := context.Background()
		for _, c := range []struct {
			id     auth.Identity
			path   string
			status int
		}{
			{managerB1, "/v1/creators/c1", http.StatusForbidden},
			{profileFinance, "/v1/creators/c1", http.StatusForbidden},
			{creatorC2, "/v1/creators/c1", http.StatusNotFound},
			{profileAdmin, "/v1/creators/nope", http.StatusNotFound},
		} {
			rec := s.call(t, c.id, http.MethodPatch, c.path, `{"email":"x@example.com"}`)
			require.Equal(t, c.status, rec.Code, "%s patches %s: %s", c.id.Sub, c.path, rec.Body)
		}
		require.Equal(t, http.StatusNotFound, s.call(t, creatorC2, http.MethodPatch, "/v1/creators/c1", `{"email":"bad"}`).Code,
			"another creator learns nothing of the body")

		rec := s.call(t, profileAdmin, http.MethodPatch, "/v1/creators/c1", `{"email": "maya@example.com"}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		got := decodeBody(t, rec)
		require.Equal(t, "maya@example.com", got["email"])
		require.Equal(t, "Maya", got["name"])
		require.Equal(t, "US", got["country"])
		require.Equal(t, true, got["has_payout_profile"])

		rec = s.call(t, creatorC1, http.MethodPatch, "/v1/creators/c1", `{"name": " Maya R. ", "country": "DE"}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		got = decodeBody(t, rec)
		require.Equal(t, []any{"Maya R.", "maya@example.com", "DE"}, []any{got["name"], got["email"], got["country"]})
		before, err := s.st.GetCreator(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "acct_maya", before.PaymentsAccountID)
		require.JSONEq(t, `[{"platform":"instagram","handle":"maya"}]`, string(before.Accounts))

		for _, c := range []struct {
			body   string
			status int
			fields map[string]string
		}{
			{`{"accounts": [{"platform":"tiktok","handle":"maya"}]}`, http.StatusUnprocessableEntity, map[string]string{"accounts": accountsFixed}},
			{`{"accounts": null, "name": "Maya"}`, http.StatusUnprocessableEntity, map[string]string{"accounts": accountsFixed}},
			{`{"accounts": [], "email": "maya"}`, http.StatusUnprocessableEntity,
				map[string]string{"accounts": accountsFixed, "email": "must be an e-mail address"}},
			// The document's rules and the tags' (a format it leaves open) in one answer, as on create.
			{`{"email": "maya@", "country": "USA", "name": ""}`, http.StatusUnprocessableEntity,
				map[string]string{"country": "must be an ISO 3166-1 alpha-2 country code such as US", "name": "must have at least 1 character(s)", "email": "must be an e-mail address"}},
			{`{"email": "maya@", "name": "` + strings.Repeat("n", 200) + `"}`, http.StatusUnprocessableEntity,
				map[string]string{"email": "must be an e-mail address"}},
			{`{"country": "ZZ"}`, http.StatusUnprocessableEntity, map[string]string{"country": "must be an ISO 3166-1 alpha-2 country code such as US"}},
			{`{"email": null}`, http.StatusUnprocessableEntity, map[string]string{"email": "must not be null"}},
			{`{"email":`, http.StatusBadRequest, nil},
		} {
			rec := s.call(t, creatorC1, http.MethodPatch, "/v1/creators/c1", c.body)
			require.Equal(t, c.status, rec.Code, "%s: %s", c.body, rec.Body)
			if c.fields != nil {
				require.Equal(t, c.fields, decodeProblem(t, rec).Errors, c.body)
			}
		}
		after, err := s.st.GetCreator(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, before, after)
	})
}

// TestPatchSchemasMirrorCreate: every member a patch may send is bound in the document as on
// create (only null may differ), so an edit can never store what creating would refuse.
func TestPatchSchemasMirrorCreate(t *testing.T) {
	doc := loadOpenAPI(t)
	for patch, create := range map[string]string{"BrandPatch": "BrandInput", "CreatorPatch": "CreatorInput"} {
		p, c := doc.Components.Schemas[patch].Value, doc.Components.Schemas[create].Value
		require.Empty(t, p.Required, patch)
		for name, prop := range p.Properties {
			if patch == "CreatorPatch" && name == "accounts" {
				require.NotNil(t, prop.Value.Not, "accounts are refused, whatever the value")
				continue
			}
			want := c.Properties[name]
			require.NotNil(t, want, "%s.%s is not in %s", patch, name, create)
			got, exp := *prop.Value, *want.Value
			got.Nullable, got.Description, got.Example = false, "", nil
			exp.Description, exp.Example, exp.Default = "", nil, nil
			require.Equal(t, exp, got, "%s.%s", patch, name)
		}
	}
}

// TestHandles: a handle is an optional "@" and 1 to 100 characters without spaces, on brands
// and creators alike; a brand keeps its handles with the "@", a creator's accounts without.
func TestHandles(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		long := strings.Repeat("h", 100)
		rec := s.call(t, profileAdmin, http.MethodPost, "/v1/brands", `{"name":"Initech","handles":["@`+long+`","initech"]}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Equal(t, []any{"@" + long, "@initech"}, decodeBody(t, rec)["handles"])

		rec = s.call(t, profileAdmin, http.MethodPost, "/v1/creators",
			`{"name":"Kim","email":"kim@example.com","country":"US","accounts":[{"platform":"x","handle":"@`+long+`"}]}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		created := decodeBody(t, rec)
		require.Equal(t, long, created["accounts"].([]any)[0].(map[string]any)["handle"])

		const rule = "must be a handle: an optional @ and 1 to 100 characters, none of them a space or another @"
		for body, fields := range map[string]map[string]string{
			`{"name":"Initech","handles":["` + long + `h"]}`:  {"handles[0]": rule},
			`{"name":"Initech","handles":["acme brand"]}`:     {"handles[0]": rule},
			`{"name":"Initech","handles":["@@acme"]}`:         {"handles[0]": rule},
			`{"name":"Initech","handles":["@` + long + `h"]}`: {"handles[0]": rule},
			`{"name":"Initech","handles":["ok", ""]}`:         {"handles[1]": "must have at least 1 character(s)"},
		} {
			rec := s.call(t, profileAdmin, http.MethodPost, "/v1/brands", body)
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, body)
			require.Equal(t, fields, decodeProblem(t, rec).Errors, body)
		}
		rec = s.call(t, profileAdmin, http.MethodPost, "/v1/creators",
			`{"name":"Kim","email":"kim@example.com","country":"US","accounts":[{"platform":"x","handle":"kim lee"}]}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		require.Equal(t, map[string]string{"accounts[0].handle": rule}, decodeProblem(t, rec).Errors)
		// A no-break space passes the schema's \s but is trimmed like any space: no handle is
		// left, and nothing is created (the store would refuse an account without a handle).
		rec = s.call(t, profileAdmin, http.MethodPost, "/v1/creators",
			`{"name":"Kim","email":"kim@example.com","country":"US","accounts":[{"platform":"x","handle":"kim"},{"platform":"tiktok","handle":"@\u00a0"}]}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Equal(t, map[string]string{"accounts[1].handle": rule}, decodeProblem(t, rec).Errors)
		rec = s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", `{"handles":["acme corp"]}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		require.Equal(t, map[string]string{"handles[0]": rule}, decodeProblem(t, rec).Errors)

		// The Go rule says what the schema says, for a request that skips the schema check.
		rv := newValidator()
		for handle, ok := range map[string]bool{"@" + long: true, long: true, long + "h": false, "": false, "@": false, "a b": false, "a@b": false, "@élan": true, " @maya ": true, "\u00a0": false, "@\u3000": false} {
			err := rv.Validate(account{Platform: "x", Handle: handle})
			require.Equal(t, ok, err == nil, "%q: %v", handle, err)
		}
	})
}

// TestEveryInvalidFieldInOneAnswer: a create whose fields break both the document's rules
// and the server's own (an e-mail format the document leaves open) names all of them in one
// 422, so a client fixes the request once.
func TestEveryInvalidFieldInOneAnswer(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		rec := s.call(t, profileAdmin, http.MethodPost, "/v1/creators", `{"name":"","email":"not-an-email","country":"USA","accounts":[]}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Equal(t, []string{"accounts", "country", "email", "name"}, slices.Sorted(maps.Keys(decodeProblem(t, rec).Errors)))
		require.Equal(t, "must be an ISO 3166-1 alpha-2 country code such as US", decodeProblem(t, rec).Errors["country"])
	})
}
