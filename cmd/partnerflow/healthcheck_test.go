package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHealthcheck: 2xx is healthy (nil), anything else and an unreachable URL exit with 1 (the
// code Docker reads as unhealthy), and a usage error is not mistaken for either.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	var out, errOut bytes.Buffer

	require.NoError(t, run([]string{"healthcheck", "--url", srv.URL + "/readyz"}, &out, &errOut))
	require.Contains(t, out.String(), "200 OK")

	status = http.StatusServiceUnavailable
	err := run([]string{"healthcheck", "--url", srv.URL + "/readyz"}, &out, &errOut)
	var es *exitStatus
	require.True(t, errors.As(err, &es), "%v", err)
	require.Equal(t, 1, es.code)
	require.ErrorContains(t, err, "503")

	srv.Close()
	err = run([]string{"healthcheck", "--url", srv.URL + "/readyz", "--timeout", "1s"}, &out, &errOut)
	require.True(t, errors.As(err, &es), "%v", err)
	require.Equal(t, 1, es.code)

	err = run([]string{"healthcheck"}, &out, &errOut)
	require.ErrorContains(t, err, "--url is required")
	require.False(t, errors.As(err, &es), "a usage error exits 2, not 'unhealthy'")
}
