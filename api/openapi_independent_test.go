package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

// A second, independent implementation (pb33f/libopenapi, not the kin-openapi the rest of the
// suite uses) checks the document against the OpenAPI 3.0 meta-schema, and checks real
// responses of the server against the document.
func TestOpenAPIDocumentPassesAnIndependentValidator(t *testing.T) {
	doc, err := libopenapi.NewDocument(OpenAPIDocument)
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	ok, verrs := v.ValidateDocument()
	for _, e := range verrs {
		t.Errorf("openapi.yaml: %s: %s", e.Message, e.Reason)
	}
	require.True(t, ok)

	s := newBareServer(t, Config{})
	tok, err := auth.Issue(mwSecret, auth.Identity{Sub: "root", Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	cases := []struct {
		name, method, path, body, token string
		status                          int
	}{
		{"disclosure verdict", http.MethodPost, "/v1/disclosure/check",
			`{"caption":"#ad new shoes @acme","platform":"instagram","format":"post","jurisdiction":"US","brand_name":"Acme"}`, tok, 200},
		{"invalid fields", http.MethodPost, "/v1/disclosure/check", `{"platform":"instagram","format":"post"}`, tok, 422},
		{"malformed JSON", http.MethodPost, "/v1/disclosure/check", `{"caption":`, tok, 400},
		{"no token", http.MethodPost, "/v1/disclosure/check", `{}`, "", 401},
		{"liveness", http.MethodGet, "/healthz", "", "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			newReq := func() *http.Request {
				req := httptest.NewRequest(tc.method, "http://127.0.0.1:8080"+tc.path, strings.NewReader(tc.body))
				if tc.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if tc.token != "" {
					req.Header.Set("Authorization", "Bearer "+tc.token)
				}
				return req
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, newReq())
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			req := newReq() // the handler consumed the first one's body
			_, rerrs := v.ValidateHttpResponse(req, rec.Result())
			for _, e := range rerrs {
				t.Errorf("%s %s → %d: %s: %s", tc.method, tc.path, rec.Code, e.Message, e.Reason)
			}
		})
	}

	// The validator is not vacuous: a response the document does not allow is caught.
	bad := httptest.NewRecorder()
	bad.Header().Set("Content-Type", "application/json")
	bad.WriteHeader(http.StatusOK)
	_, _ = bad.WriteString(`{"status": 5}`)
	ok, rerrs := v.ValidateHttpResponse(httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/healthz", nil), bad.Result())
	require.False(t, ok)
	require.NotEmpty(t, rerrs)
}
