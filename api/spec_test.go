package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

// The OpenAPI document, not the handler, refuses these bodies: each answer is a 422 naming
// every field at fault, before anything is read from or written to a store (the server has
// none here, so reaching one would be a 500).
func TestBodiesAreValidatedAgainstTheDocument(t *testing.T) {
	s := newBareServer(t, Config{})
	tok, err := auth.Issue(mwSecret, auth.Identity{Sub: "root", Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	cases := []struct {
		name, method, path, body string
		status                   int
		fields                   map[string]string
	}{
		{"bounds and required", http.MethodPost, "/v1/disclosure/check", `{"caption":"` + strings.Repeat("a", 5001) + `","platform":"instagram","format":"post"}`,
			http.StatusUnprocessableEntity, map[string]string{"caption": "must have at most 5000 character(s)", "jurisdiction": "is required"}},
		{"missing name", http.MethodPost, "/v1/brands", `{}`,
			http.StatusUnprocessableEntity, map[string]string{"name": "is required"}},
		{"not an object is a 400", http.MethodPost, "/v1/brands", `["acme"]`, http.StatusBadRequest, nil},
		{"malformed JSON is still a 400", http.MethodPost, "/v1/brands", `{"name":`, http.StatusBadRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			if tc.fields == nil {
				return
			}
			var p Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			for field, msg := range tc.fields {
				require.Equal(t, msg, p.Errors[field], "field %s in %v", field, p.Errors)
			}
		})
	}
}

// The schema check reports every fault in a nested body under its dotted path.
func TestSchemaCheckNamesNestedFields(t *testing.T) {
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/v1/partnerships", nil), httptest.NewRecorder())
	c.SetPath("/v1/partnerships")
	var doc any
	require.NoError(t, json.Unmarshal([]byte(`{"campaign_id": 5, "offer": {"kind":"barter",
		"fee":{"amount_minor":1.5,"currency":"USD"},"deliverables":[{"platform":"myspace","format":"post"}]}}`), &doc))
	err := bodySchemas.check(c, doc)
	var pe *problemError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, http.StatusUnprocessableEntity, pe.p.Status)
	require.Equal(t, map[string]string{
		"campaign_id":                    "must be a string",
		"creator_id":                     "is required",
		"offer.kind":                     "must be one of: one_off, ambassador, affiliate, gifting",
		"offer.fee.amount_minor":         "must be an integer",
		"offer.deliverables[0].platform": "must be one of: instagram, tiktok, youtube, x, facebook",
	}, pe.p.Errors)

	require.NoError(t, json.Unmarshal([]byte(`{"campaign_id":"c1","creator_id":"k1","offer":{"kind":"one_off",
		"fee":{"amount_minor":100,"currency":"USD"},"deliverables":[{"platform":"instagram","format":"post"}]}}`), &doc))
	require.NoError(t, bodySchemas.check(c, doc), "a valid body passes")
}

// Every operation the document gives a JSON body has a schema the binder checks, under the
// path Echo routes it by.
func TestEveryDocumentedBodyIsChecked(t *testing.T) {
	doc := loadOpenAPI(t)
	want := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
				continue
			}
			want++
			key := method + " " + specParam.ReplaceAllString(path, ":$1")
			require.Contains(t, bodySchemas, key)
		}
	}
	require.Len(t, bodySchemas, want)
	require.GreaterOrEqual(t, want, 12, "brands, creators, payout profile, campaigns, partnerships, actions, disclosure, webhooks")
}
