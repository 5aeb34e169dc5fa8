package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

var mwSecret = []byte("middleware-secret-middleware-secret!")

// newBareServer serves the routes that need neither database nor Temporal (disclosure check).
func newBareServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.JWTSecret = mwSecret
	cfg.Registry = prometheus.NewRegistry()
	return New(cfg, nil, nil, slog.New(slog.DiscardHandler))
}

func signedDisclosureRequest(t *testing.T, sub string) *http.Request {
	t.Helper()
	tok, err := auth.Issue(mwSecret, auth.Identity{Sub: sub, Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/v1/disclosure/check",
		strings.NewReader(`{"caption":"#ad hi @acme","platform":"instagram","format":"post","jurisdiction":"US","brand_name":"Acme"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

func TestRateLimitPerSubject(t *testing.T) {
	s := newBareServer(t, Config{RateLimit: 1}) // 1 request/s, burst 2
	statuses := map[int]int{}
	for i := 0; i < 6; i++ {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, signedDisclosureRequest(t, "busy"))
		statuses[rec.Code]++
		if rec.Code == http.StatusTooManyRequests {
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			require.NotEmpty(t, rec.Header().Get("Retry-After"))
		}
	}
	require.Equal(t, 2, statuses[http.StatusOK], "the burst passes")
	require.Equal(t, 4, statuses[http.StatusTooManyRequests])
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, signedDisclosureRequest(t, "someone-else"))
	require.Equal(t, http.StatusOK, rec.Code, "limits are per subject")
}

func TestCORSOffUnlessConfigured(t *testing.T) {
	preflight := func(s *Server) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodOptions, "/v1/disclosure/check", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	require.Empty(t, preflight(newBareServer(t, Config{})).Header().Get("Access-Control-Allow-Origin"))
	rec := preflight(newBareServer(t, Config{CORSOrigins: []string{"https://app.example"}}))
	require.Equal(t, "https://app.example", rec.Header().Get("Access-Control-Allow-Origin"))
}

func TestRequestIDAndSecurityHeaders(t *testing.T) {
	s := newBareServer(t, Config{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, signedDisclosureRequest(t, "ann"))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotEmpty(t, rec.Header().Get("X-Request-Id"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", rec.Header().Get("X-Frame-Options"))
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")

	// An error carries the same request id in its problem document.
	req := httptest.NewRequest(http.MethodGet, "/v1/partnerships", nil)
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), `"request_id":"`+rec.Header().Get("X-Request-Id")+`"`)
}

// TestChunkedBodyOverLimitIs413: a body over 1 MiB without a Content-Length (chunked) gets 413
// like one that declares its size — on a plain route, with an Idempotency-Key, and on a webhook.
func TestChunkedBodyOverLimitIs413(t *testing.T) {
	s := newBareServer(t, Config{})
	big := `{"caption":"` + strings.Repeat("a", 2<<20) + `"}`
	for name, mutate := range map[string]func(*http.Request){
		"plain":           func(*http.Request) {},
		"idempotency key": func(r *http.Request) { r.Header.Set("Idempotency-Key", "k1") },
	} {
		req := signedDisclosureRequest(t, "ann")
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(big)), -1
		mutate(req)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, name)
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/esign", io.NopCloser(strings.NewReader(big)))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, "webhook")
}

// TestBearerSchemeIsCaseInsensitive: RFC 9110 makes the authentication scheme
// case-insensitive, so "bearer" and "BEARER" work as "Bearer" does; another scheme, or the
// scheme without a token, is still a 401.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	s := newBareServer(t, Config{})
	tok, err := auth.Issue(mwSecret, auth.Identity{Sub: "ann", Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	for header, want := range map[string]int{
		"Bearer " + tok:    http.StatusOK,
		"bearer " + tok:    http.StatusOK,
		"BEARER " + tok:    http.StatusOK,
		"BeArEr  " + tok:   http.StatusOK,
		"Basic " + tok:     http.StatusUnauthorized,
		"Bearer":           http.StatusUnauthorized,
		"bearer ":          http.StatusUnauthorized,
		"Bearertok " + tok: http.StatusUnauthorized,
		tok:                http.StatusUnauthorized,
	} {
		req := signedDisclosureRequest(t, "ann")
		req.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		require.Equal(t, want, rec.Code, "%.12s…: %s", header, rec.Body.String())
		if want == http.StatusUnauthorized {
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
		}
	}
}

// TestWrongMethodIs405: a method a /v1 route does not serve is a 405 problem with an Allow
// header naming those it does, as outside /v1; it was a 404 (Echo's group middleware backs
// the group with a catch-all route, which its router prefers to a 405). A path that is no
// route stays a 404, and a real route still needs its token.
func TestWrongMethodIs405(t *testing.T) {
	s := newActionServer(t, Config{})
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodDelete, "/v1/partnerships/p1", http.MethodGet},
		{http.MethodPut, "/v1/partnerships", http.MethodGet + ", " + http.MethodPost},
		{http.MethodGet, "/v1/partnerships/p1/cancel", http.MethodPost},
		{http.MethodPost, "/v1/campaigns/camp1", http.MethodGet},
		{http.MethodDelete, "/healthz", http.MethodGet},
	} {
		rec := s.do(t, brandManager, tc.method, tc.path, "", "")
		require.Equal(t, http.StatusMethodNotAllowed, rec.Code, "%s %s: %s", tc.method, tc.path, rec.Body.String())
		p := decodeProblem(t, rec)
		require.Equal(t, http.StatusMethodNotAllowed, p.Status)
		require.Equal(t, "method not allowed on this route", p.Detail)
		for _, m := range strings.Split(tc.allow, ", ") {
			require.Contains(t, rec.Header().Get("Allow"), m, "%s %s", tc.method, tc.path)
		}
	}

	rec := s.do(t, brandManager, http.MethodGet, "/v1/nothing-here", "", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "no such route", decodeProblem(t, rec).Detail)

	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/partnerships/p1", nil))
	require.Equal(t, http.StatusUnauthorized, rec.Code, "routes keep their middleware")
	rec = s.do(t, brandManager, http.MethodGet, "/v1/partnerships/p1", "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}
