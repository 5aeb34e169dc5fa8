package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// downStore is a database that does not answer; only Ping is called.
type downStore struct{ Store }

func (downStore) Ping(context.Context) error { return errors.New("dial tcp: connection refused") }

type upWorkflows struct{ Workflows }

func (upWorkflows) Ping(context.Context) error { return nil }

func TestReadyzNamesTheDependencyThatIsDown(t *testing.T) {
	s := New(Config{JWTSecret: mwSecret, Registry: prometheus.NewRegistry()}, downStore{}, upWorkflows{}, slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	var p Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, map[string]string{"database": "unavailable", "temporal": "ok"}, p.Checks)
	require.Equal(t, "not ready: database unavailable", p.Detail)
	require.NotContains(t, rec.Body.String(), "connection refused", "no driver message reaches a client")
}
