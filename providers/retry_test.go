package providers

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"99999999999999999", 24 * time.Hour, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.in, now)
		require.Equal(t, tc.wantOK, ok, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestBackoff(t *testing.T) {
	backoff := backoffHonoringRetryAfter(5 * time.Second)
	with := func(h string) *http.Response {
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {h}}}
	}
	require.Equal(t, 2*time.Second, backoff(time.Millisecond, time.Millisecond, 0, with("2")))
	require.Equal(t, 5*time.Second, backoff(time.Millisecond, time.Millisecond, 0, with("120")), "capped")
	require.Equal(t, time.Duration(0), backoff(time.Second, time.Second, 0, with("0")))

	// Without Retry-After: exponential, jittered within [d/2, d], capped at max.
	for attempt, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 20 {
			got := backoff(100*time.Millisecond, time.Second, attempt, &http.Response{StatusCode: 503, Header: http.Header{}})
			require.GreaterOrEqual(t, got, want/2, "attempt %d", attempt)
			require.LessOrEqual(t, got, want, "attempt %d", attempt)
		}
	}
	require.LessOrEqual(t, backoff(100*time.Millisecond, time.Second, 0, nil), 100*time.Millisecond, "network errors have no response")
}

func TestCheckRetry(t *testing.T) {
	ctx := context.Background()
	for status, want := range map[int]bool{200: false, 201: false, 400: false, 401: false, 404: false, 409: false, 422: false, 408: true, 429: true, 500: true, 501: true, 503: true} {
		got, err := checkRetry(ctx, &http.Response{StatusCode: status}, nil)
		require.NoError(t, err)
		require.Equal(t, want, got, "status %d", status)
	}
	got, err := checkRetry(ctx, nil, errors.New("connection reset"))
	require.NoError(t, err)
	require.True(t, got, "network errors are retried")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	got, err = checkRetry(cancelled, &http.Response{StatusCode: 503}, nil)
	require.False(t, got)
	require.ErrorIs(t, err, context.Canceled)
}
