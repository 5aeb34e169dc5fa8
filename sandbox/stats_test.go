package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStatsCountAttempts: every provider request is counted, with injected failures and hangs
// apart; control endpoints are not counted, and DELETE starts the count again.
func TestStatsCountAttempts(t *testing.T) {
	e := newEnv(t, Config{})
	var got statsResponse
	e.doJSON("GET", "/sandbox/stats", nil, http.StatusOK, &got)
	require.Len(t, got.Providers, len(providerNames), "every provider listed, zero included")

	e.doJSON("PUT", "/sandbox/faults", `{"commerce":{"fail_next":2,"status":500},"social":{"hang":true,"fail_next":1}}`, http.StatusOK, nil)
	for range 3 {
		e.do("GET", "/commerce/v1/orders?discount_code=X", nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/social/v1/accounts/x/h", nil)
	_, err := http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	e.doJSON("POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s","text":"t"}`, http.StatusAccepted, nil, withKey("m1"))
	e.doJSON("GET", "/sandbox/payments/transfers", nil, http.StatusOK, nil)

	e.doJSON("GET", "/sandbox/stats", nil, http.StatusOK, &got)
	require.Equal(t, providerStats{Requests: 3, Failed: 2}, got.Providers["commerce"])
	require.Equal(t, providerStats{Requests: 1, Hung: 1}, got.Providers["social"])
	require.Equal(t, providerStats{Requests: 1}, got.Providers["email"])
	require.Equal(t, providerStats{}, got.Providers["payments"], "control endpoints are not provider traffic")

	status, _ := e.do("DELETE", "/sandbox/stats", nil)
	require.Equal(t, http.StatusNoContent, status)
	e.doJSON("GET", "/sandbox/stats", nil, http.StatusOK, &got)
	require.Equal(t, providerStats{}, got.Providers["commerce"])
}
