package service

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
)

// TestAPIAcceptsPreviousJWTSecretsWhileARotationOverlaps: PARTNERFLOW_JWT_PREVIOUS_SECRETS
// reaches the API's verifier, so a token signed with the secret before still passes; one
// signed with any other secret gets 401.
func TestAPIAcceptsPreviousJWTSecretsWhileARotationOverlaps(t *testing.T) {
	cfg := testConfig()
	before := cfg.JWTSecret
	cfg.JWTSecret = strings.Repeat("n", 32)
	cfg.JWTPreviousSecrets = []string{before}
	tel, err := NewTelemetryWithExporter("partnerflow-api", nil)
	require.NoError(t, err)
	st, pid := seedPartnership(t)
	a, err := NewAPI(context.Background(), cfg, st, fakeClient(t, cfg, tel, &fakeFrontend{}), tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	get := func(secret string) int {
		tok, err := auth.Issue([]byte(secret), auth.Identity{Sub: "root", Role: partnership.RoleAdmin}, time.Hour, time.Now())
		require.NoError(t, err)
		req := httptest.NewRequest(http.MethodGet, "/v1/partnerships/"+pid, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, get(cfg.JWTSecret), "the current secret")
	require.Equal(t, http.StatusOK, get(before), "the previous secret, during the overlap")
	require.Equal(t, http.StatusUnauthorized, get(strings.Repeat("x", 32)), "any other secret")
}
