package sandbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFaultInjection(t *testing.T) {
	e := newEnv(t, Config{})
	const transfer = `{"amount":1,"currency":"USD","destination":"acct_1"}`

	e.doJSON("PUT", "/sandbox/faults", `{"payments":{"fail_next":2,"status":503,"retry_after_s":1}}`, http.StatusOK, nil)
	for i := range 2 {
		req, _ := http.NewRequest("POST", e.srv.URL+"/payments/v1/transfers", strings.NewReader(transfer))
		req.Header.Set("Idempotency-Key", "k")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "attempt %d", i)
		require.Equal(t, "1", resp.Header.Get("Retry-After"))
	}
	// Injected failures happen before the handler, so nothing was created and the key is free.
	var list listResponse[transferItem]
	e.doJSON("GET", "/sandbox/payments/transfers", nil, http.StatusOK, &list)
	require.Empty(t, list.Items)
	e.doJSON("POST", "/payments/v1/transfers", transfer, http.StatusOK, nil, withKey("k"))

	var current map[string]fault
	e.doJSON("GET", "/sandbox/faults", nil, http.StatusOK, &current)
	require.Equal(t, 0, current["payments"].FailNext)

	// error_rate 1 fails every provider call, but never the control endpoints.
	e.doJSON("PUT", "/sandbox/faults", `{"social":{"error_rate":1,"status":429},"email":{"error_rate":1}}`, http.StatusOK, &current)
	require.Equal(t, http.StatusServiceUnavailable, current["email"].Status, "status defaults to 503")
	for range 3 {
		status, body := e.do("GET", "/social/v1/accounts/x/h", nil)
		require.Equal(t, http.StatusTooManyRequests, status)
		require.Contains(t, errorMessage(t, body), "injected fault")
	}
	e.doJSON("POST", "/sandbox/social/posts", `{"platform":"x","handle":"h","caption":"c"}`, http.StatusCreated, nil)
	e.doJSON("GET", "/sandbox/faults", nil, http.StatusOK, nil)
	// The replacement dropped the payments fault.
	e.doJSON("POST", "/payments/v1/transfers", transfer, http.StatusOK, nil, withKey("k2"))

	e.doJSON("PUT", "/sandbox/faults", `{}`, http.StatusOK, nil)
	e.doJSON("GET", "/social/v1/accounts/x/h", nil, http.StatusOK, nil)
}

func TestFaultLatencyAndHang(t *testing.T) {
	e := newEnv(t, Config{})
	e.doJSON("PUT", "/sandbox/faults", `{"email":{"latency_ms":150},"commerce":{"hang":true}}`, http.StatusOK, nil)

	start := time.Now()
	e.doJSON("POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s","text":"t"}`, http.StatusAccepted, nil)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/commerce/v1/orders?discount_code=X", nil)
	start = time.Now()
	_, err := http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestFaultConfigValidation(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		body   string
		status int
	}{
		{`{"bank":{"error_rate":0.5}}`, http.StatusUnprocessableEntity},
		{`{"social":{"error_rate":1.5}}`, http.StatusUnprocessableEntity},
		{`{"social":{"status":200}}`, http.StatusUnprocessableEntity},
		{`{"social":{"latency_ms":-1}}`, http.StatusUnprocessableEntity},
		{`{"social":{"retry_after_s":99999}}`, http.StatusUnprocessableEntity},
		{`{"social":{"errorrate":0.5}}`, http.StatusUnprocessableEntity},
		{`{"social":{"error_rate":"high"}}`, http.StatusUnprocessableEntity},
		{`{"social":{"error_rate":1,"path_prefix":"/esign/v2.1/envelopes"}}`, http.StatusUnprocessableEntity},
		{`{"social":`, http.StatusBadRequest},
		{`[]`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		status, body := e.do("PUT", "/sandbox/faults", tc.body)
		require.Equal(t, tc.status, status, "body %s answered %s", tc.body, body)
		errorMessage(t, body)
	}
	var current map[string]fault
	e.doJSON("GET", "/sandbox/faults", nil, http.StatusOK, &current)
	require.Empty(t, current, "a rejected config must not be applied")
}

// TestFaultPathPrefix: a fault with path_prefix concerns only the provider's requests under
// it, so one account can be refused while the others are read as usual.
func TestFaultPathPrefix(t *testing.T) {
	e := newEnv(t, Config{})
	for _, h := range []string{"maya", "maya.tt"} {
		e.doJSON("POST", "/sandbox/social/accounts", `{"platform":"tiktok","handle":"`+h+`","followers":10}`, http.StatusCreated, nil)
	}
	e.doJSON("PUT", "/sandbox/faults", `{"social":{"error_rate":1,"status":403,"path_prefix":"/social/v1/accounts/tiktok/maya.tt"}}`, http.StatusOK, nil)
	for _, path := range []string{"/social/v1/accounts/tiktok/maya.tt", "/social/v1/accounts/tiktok/maya.tt/media"} {
		status, body := e.do("GET", path, nil)
		require.Equal(t, http.StatusForbidden, status, path)
		require.Contains(t, errorMessage(t, body), "injected fault")
	}
	e.doJSON("GET", "/social/v1/accounts/tiktok/maya", nil, http.StatusOK, nil)
	e.doJSON("GET", "/social/v1/accounts/tiktok/maya/media", nil, http.StatusOK, nil)
}

// TestFaultHangWithFailNextStops: hang with fail_next hangs exactly that many requests; once
// the count runs out, requests are served again (it must not become "hang everything").
func TestFaultHangWithFailNextStops(t *testing.T) {
	e := newEnv(t, Config{})
	e.doJSON("PUT", "/sandbox/faults", `{"commerce":{"hang":true,"fail_next":1}}`, http.StatusOK, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/commerce/v1/orders?discount_code=X", nil)
	_, err := http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the first request hangs")

	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	req, _ = http.NewRequestWithContext(ctx2, "GET", e.srv.URL+"/commerce/v1/orders?discount_code=X", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "the second is served")
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestFaultHangEndsWithItsCaller: a hung POST is released as soon as its caller gives up, even
// though the handler never read the body (net/http only notices a closed connection once the
// body is consumed), so a sandbox with hung requests still shuts down promptly.
func TestFaultHangEndsWithItsCaller(t *testing.T) {
	sb, err := New(Config{})
	require.NoError(t, err)
	released := make(chan struct{})
	h := sb.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		close(released)
	}))
	defer srv.Close()
	e := &testEnv{t: t, sb: sb, srv: srv}
	e.doJSON("PUT", "/sandbox/faults", `{"payments":{"hang":true}}`, http.StatusOK, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/payments/v1/transfers",
		strings.NewReader(`{"amount":1,"currency":"USD","destination":"acct_1"}`))
	req.Header.Set("Idempotency-Key", "k")
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the hung request outlived its caller")
	}
}
