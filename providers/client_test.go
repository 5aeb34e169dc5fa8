package providers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// scripted serves the given responses in order (the last one repeats) and counts requests.
type scripted struct {
	srv      *httptest.Server
	calls    atomic.Int32
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
}

type reply struct {
	status  int
	body    string
	headers map[string]string
	delay   time.Duration
}

func newScripted(t *testing.T, replies ...reply) *scripted {
	t.Helper()
	s := &scripted{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.bodies = append(s.bodies, string(body))
		s.mu.Unlock()
		rp := replies[min(n, len(replies))-1]
		if rp.delay > 0 {
			select {
			case <-time.After(rp.delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range rp.headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

const transferOK = `{"id":"tr_1","status":"pending","amount":100,"currency":"USD","destination":"acct_1","metadata":{}}`

var transferReq = TransferRequest{AmountMinor: 100, Currency: "USD", Destination: "acct_1"}

func TestRetriesTransientStatusesThenSucceeds(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504, 408, 429} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s := newScripted(t, reply{status: status, body: `{"error":{"message":"busy"}}`}, reply{status: status}, reply{status: 200, body: transferOK})
			c := NewPaymentsClient(testConfig(s.srv.URL))
			tr, err := c.CreateTransfer(t.Context(), "key-1", transferReq)
			require.NoError(t, err)
			require.Equal(t, "tr_1", tr.ID)
			require.Equal(t, int32(3), s.calls.Load())
			for _, r := range s.requests {
				require.Equal(t, "key-1", r.Header.Get("Idempotency-Key"), "every retry carries the same key")
			}
			require.Equal(t, s.bodies[0], s.bodies[2], "every retry sends the same body")
		})
	}
}

func TestTransientStatusAfterRetriesIsRetryableError(t *testing.T) {
	s := newScripted(t, reply{status: 503, body: `{"error":{"message":"maintenance"}}`})
	cfg := testConfig(s.srv.URL)
	cfg.RetryMax = 1
	_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "k", transferReq)
	require.Error(t, err)
	require.Equal(t, int32(2), s.calls.Load(), "RetryMax=1 means two attempts")

	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr), "must not be marked non-retryable: %v", err)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, StatusError{Provider: "payments", Op: "create transfer", StatusCode: 503, Message: "maintenance"}, *se)
	require.NotErrorIs(t, err, ErrNotFound)
}

func TestNegativeRetryMaxDisablesRetries(t *testing.T) {
	s := newScripted(t, reply{status: 503})
	cfg := testConfig(s.srv.URL)
	cfg.RetryMax = -1
	_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "k", transferReq)
	require.Error(t, err)
	require.Equal(t, int32(1), s.calls.Load())
}

func TestClientErrorsAreNonRetryable(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		wantMsg    string
	}{
		{"400 with provider message", `{"error":{"message":"amount must be positive"}}`, 400, "amount must be positive"},
		{"401 without body", ``, 401, "Unauthorized"},
		{"409 non-JSON body", `<html>conflict</html>`, 409, "Conflict"},
		{"422", `{"error":{"message":"idempotency key reused with a different body"}}`, 422, "idempotency key reused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScripted(t, reply{status: tc.status, body: tc.body})
			_, err := NewPaymentsClient(testConfig(s.srv.URL)).CreateTransfer(t.Context(), "k", transferReq)
			appErr := requireRejected(t, err, tc.status)
			require.Equal(t, int32(1), s.calls.Load(), "a rejection is not retried")
			require.Contains(t, appErr.Message(), "payments")
			require.Contains(t, appErr.Message(), tc.wantMsg)
			require.Contains(t, appErr.Message(), http.StatusText(tc.status))
		})
	}
}

func TestNotFound(t *testing.T) {
	s := newScripted(t, reply{status: 404, body: `{"error":{"message":"no post at that permalink"}}`})
	_, err := NewSocialClient(testConfig(s.srv.URL)).MediaByURL(t.Context(), "https://example.com/p/1?igsh=abc")
	require.ErrorIs(t, err, ErrNotFound)
	require.Equal(t, int32(1), s.calls.Load())
	require.NotContains(t, err.Error(), "igsh", "errors must not carry query strings")
	require.Equal(t, "/v1/media", s.requests[0].URL.Path)
	require.Equal(t, "https://example.com/p/1?igsh=abc", s.requests[0].URL.Query().Get("permalink"))
}

// TestMediaPlatform: a post's platform is the provider's when it says, and otherwise the one
// its permalink's host names (empty when no platform's).
func TestMediaPlatform(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"provider says", `{"id":"1","platform":"tiktok","permalink":"https://sandbox.example/p/1"}`, "tiktok"},
		{"from the permalink", `{"id":"1","permalink":"https://www.instagram.com/p/Cx1/"}`, "instagram"},
		{"unknown host", `{"id":"1","permalink":"https://sandbox.example/p/1"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScripted(t, reply{status: 200, body: tc.body})
			m, err := NewSocialClient(testConfig(s.srv.URL)).MediaByURL(t.Context(), "https://sandbox.example/p/1")
			require.NoError(t, err)
			require.Equal(t, tc.want, m.Platform)
		})
	}
	for raw, want := range map[string]string{
		"https://instagram.com/reel/abc": "instagram", "https://m.youtube.com/watch?v=x": "youtube", "https://youtu.be/x": "youtube",
		"https://www.tiktok.com/@maya.tt/video/1": "tiktok", "https://twitter.com/maya/status/1": "x", "https://x.com/maya/status/1": "x",
		"https://fb.watch/abc": "facebook", "https://notinstagram.com/p/1": "", "not a url\x7f": "",
	} {
		require.Equal(t, want, PlatformOfURL(raw), raw)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	s := newScripted(t, reply{status: 429, headers: map[string]string{"Retry-After": "1"}}, reply{status: 200, body: transferOK})
	start := time.Now()
	_, err := NewPaymentsClient(testConfig(s.srv.URL)).CreateTransfer(t.Context(), "k", transferReq)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After: 1 must be waited out")
	require.Equal(t, int32(2), s.calls.Load())
}

func TestRetryAfterCapped(t *testing.T) {
	s := newScripted(t, reply{status: 503, headers: map[string]string{"Retry-After": "3600"}}, reply{status: 200, body: transferOK})
	cfg := testConfig(s.srv.URL)
	cfg.MaxRetryAfter = 150 * time.Millisecond
	start := time.Now()
	_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "k", transferReq)
	require.NoError(t, err)
	elapsed := time.Since(start)
	require.GreaterOrEqual(t, elapsed, 150*time.Millisecond)
	require.Less(t, elapsed, 2*time.Second, "an hour-long Retry-After must be capped")
}

func TestOversizedResponseRefused(t *testing.T) {
	big := `{"id":"tr_1","status":"pending","metadata":{"pad":"` + strings.Repeat("x", 4096) + `"}}`
	s := newScripted(t, reply{status: 200, body: big})
	cfg := testConfig(s.srv.URL)
	cfg.MaxResponseBytes = 1024
	_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "k", transferReq)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ErrTypeResponseInvalid, appErr.Type())
	require.Contains(t, appErr.Message(), "larger than 1024 bytes")

	// The same body fits under the default limit.
	_, err = NewPaymentsClient(testConfig(s.srv.URL)).CreateTransfer(t.Context(), "k", transferReq)
	require.NoError(t, err)
}

func TestMalformedSuccessResponse(t *testing.T) {
	s := newScripted(t, reply{status: 200, body: `not json`})
	_, err := NewPaymentsClient(testConfig(s.srv.URL)).CreateTransfer(t.Context(), "k", transferReq)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ErrTypeResponseInvalid, appErr.Type())
}

func TestHangingProviderTimesOut(t *testing.T) {
	s := newScripted(t, reply{status: 200, body: transferOK, delay: 30 * time.Second})
	cfg := testConfig(s.srv.URL)
	cfg.Timeout = 100 * time.Millisecond
	cfg.RetryMax = 1
	start := time.Now()
	_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "k", transferReq)
	elapsed := time.Since(start)
	require.Error(t, err)
	require.Less(t, elapsed, 2*time.Second, "two 100ms attempts must not take %s", elapsed)
	require.Equal(t, int32(2), s.calls.Load(), "a timeout is retried")
	require.Contains(t, err.Error(), "after 2 attempt(s)")
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr), "a timeout stays retryable for Temporal")
	require.NotContains(t, err.Error(), s.srv.URL, "errors must not carry URLs")
}

func TestContextCancellationStopsRetrying(t *testing.T) {
	s := newScripted(t, reply{status: 503, headers: map[string]string{"Retry-After": "5"}})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewPaymentsClient(testConfig(s.srv.URL)).CreateTransfer(ctx, "k", transferReq)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), time.Second)
}

func TestRequestHeadersAndBody(t *testing.T) {
	s := newScripted(t, reply{status: 201, body: `{"envelope_id":"e1","status":"sent","signing_urls":{"creator":"u"}}`})
	c := NewESignClient(testConfig(s.srv.URL + "/esign/"))
	_, err := c.CreateEnvelope(t.Context(), "idem-1", EnvelopeRequest{
		Subject: "S", Document: "D", Signers: []Signer{{Role: "creator", Name: "J", Email: "j@x.example"}},
		Metadata: map[string]string{"k": "v"},
	})
	require.NoError(t, err)
	r := s.requests[0]
	require.Equal(t, "POST", r.Method)
	require.Equal(t, "/esign/v2.1/envelopes", r.URL.Path, "a trailing slash on BaseURL is tolerated")
	require.Equal(t, "Bearer sk_test", r.Header.Get("Authorization"))
	require.Equal(t, "idem-1", r.Header.Get("Idempotency-Key"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.JSONEq(t, `{"email_subject":"S","document":"D","signers":[{"role":"creator","name":"J","email":"j@x.example"}],"custom_fields":{"k":"v"},"status":"sent"}`, s.bodies[0])

	s2 := newScripted(t, reply{status: 200, body: `{"envelope_id":"e1","status":"voided"}`})
	cfg := testConfig(s2.srv.URL)
	cfg.APIKey = ""
	require.NoError(t, NewESignClient(cfg).VoidEnvelope(t.Context(), "e/1", ""))
	r = s2.requests[0]
	require.Equal(t, "PUT", r.Method)
	require.Equal(t, "/v2.1/envelopes/e%2F1", r.URL.EscapedPath(), "ids are path-escaped")
	require.Empty(t, r.Header.Get("Authorization"), "no key, no header")
	require.Empty(t, r.Header.Get("Idempotency-Key"))
	require.JSONEq(t, `{"status":"voided","voided_reason":"voided by Partnerflow"}`, s2.bodies[0])
}

func TestMissingIdempotencyKeyRefusedBeforeSending(t *testing.T) {
	s := newScripted(t, reply{status: 200, body: `{"id":"m1"}`})
	cfg := testConfig(s.srv.URL)
	calls := []func() error{
		func() error {
			_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "", transferReq)
			return err
		},
		func() error {
			_, err := NewESignClient(cfg).CreateEnvelope(t.Context(), " ", EnvelopeRequest{})
			return err
		},
		func() error {
			_, err := NewCommerceClient(cfg).CreateDiscountCode(t.Context(), "", DiscountRequest{})
			return err
		},
		func() error { _, err := NewEmailClient(cfg).Send(t.Context(), "", Message{}); return err },
	}
	for i, call := range calls {
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, call(), &appErr, "call %d", i)
		require.True(t, appErr.NonRetryable())
		require.Equal(t, ErrTypeRequestInvalid, appErr.Type())
	}
	require.Zero(t, s.calls.Load())
}

func TestEmailResponseWithoutID(t *testing.T) {
	s := newScripted(t, reply{status: 202, body: `{}`})
	_, err := NewEmailClient(testConfig(s.srv.URL)).Send(t.Context(), "k", Message{To: "a@b.example", Subject: "s"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ErrTypeResponseInvalid, appErr.Type())
}

func TestUnreachableProviderIsRetryable(t *testing.T) {
	s := newScripted(t, reply{status: 200})
	url := s.srv.URL
	s.srv.Close()
	_, err := NewPaymentsClient(testConfig(url)).CreateTransfer(t.Context(), "k", transferReq)
	require.Error(t, err)
	require.Contains(t, err.Error(), "after 3 attempt(s)")
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr))
}

func TestClientConfigValidate(t *testing.T) {
	require.NoError(t, ClientConfig{BaseURL: "http://127.0.0.1:8090/payments"}.Validate())
	for _, bad := range []ClientConfig{
		{BaseURL: ""},
		{BaseURL: "127.0.0.1:8090"},
		{BaseURL: "ftp://host/x"},
		{BaseURL: "http://host/x?debug=1"},
		{BaseURL: "http://host", Timeout: -time.Second},
	} {
		require.Error(t, bad.Validate(), "%+v", bad)
	}
}

// TestRefusalAfterUnansweredRequestIsInDoubt: a keyed create sent again after a request that
// got no answer (a timeout) or a 5xx may have been made by that request, so the provider's
// refusal of the repeat (Stripe's 409 "key in use", a 422) is ErrTypeRefusedInDoubt, which
// callers do not read as "nothing was made" (they would use a new key and make it twice). A
// 408 or 429 says the request was not processed, so a refusal after one stays a refusal; so
// does one of a call without a key.
func TestRefusalAfterUnansweredRequestIsInDoubt(t *testing.T) {
	conflict := reply{status: 409, body: `{"error":{"message":"another request with this idempotency key is in progress"}}`}
	for name, tc := range map[string]struct {
		first   reply
		inDoubt bool
	}{
		"timed out": {reply{status: 200, body: transferOK, delay: time.Second}, true},
		"503":       {reply{status: 503}, true},
		"429":       {reply{status: 429}, false},
		"408":       {reply{status: 408}, false},
	} {
		t.Run(name, func(t *testing.T) {
			s := newScripted(t, tc.first, conflict)
			cfg := testConfig(s.srv.URL)
			cfg.Timeout = 200 * time.Millisecond
			_, err := NewPaymentsClient(cfg).CreateTransfer(t.Context(), "key-1", transferReq)
			require.Equal(t, int32(2), s.calls.Load())
			if !tc.inDoubt {
				requireRejected(t, err, 409)
				return
			}
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, ErrTypeRefusedInDoubt, appErr.Type())
			require.True(t, appErr.NonRetryable(), "the caller decides; the key is kept")
			require.Contains(t, appErr.Message(), "another request with this idempotency key is in progress")
			var rej Rejection
			require.NoError(t, appErr.Details(&rej))
			require.Equal(t, Rejection{Provider: "payments", StatusCode: 409, Message: "another request with this idempotency key is in progress"}, rej)
		})
	}

	t.Run("without a key", func(t *testing.T) {
		s := newScripted(t, reply{status: 503}, reply{status: 409})
		err := NewESignClient(testConfig(s.srv.URL)).VoidEnvelope(t.Context(), "env_1", "cancelled")
		requireRejected(t, err, 409)
	})
	t.Run("first request refused", func(t *testing.T) {
		s := newScripted(t, conflict)
		_, err := NewPaymentsClient(testConfig(s.srv.URL)).CreateTransfer(t.Context(), "key-1", transferReq)
		requireRejected(t, err, 409)
	})
	t.Run("other errors pass through", func(t *testing.T) {
		plain := errors.New("boom")
		require.Same(t, plain, RefusalInDoubt(plain))
	})
}
