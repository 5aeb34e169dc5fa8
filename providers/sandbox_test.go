package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/sandbox"
)

// sandboxServer serves a fresh in-memory sandbox over HTTP.
func sandboxServer(t *testing.T) *httptest.Server {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func testConfig(base string) ClientConfig {
	return ClientConfig{
		BaseURL: base, APIKey: "sk_test", Timeout: 2 * time.Second,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
	}
}

// control calls a sandbox control endpoint and decodes its answer.
func control(t *testing.T, srv *httptest.Server, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, data)
	if out != nil {
		require.NoError(t, json.NewDecoder(bytes.NewReader(data)).Decode(out))
	}
}

// requireRejected asserts err is a non-retryable ProviderRejected error for status.
func requireRejected(t *testing.T, err error, status int) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want ApplicationError, got %T: %v", err, err)
	require.True(t, appErr.NonRetryable(), "want non-retryable: %v", err)
	require.Equal(t, ErrTypeRejected, appErr.Type())
	var rej Rejection
	require.NoError(t, appErr.Details(&rej))
	require.Equal(t, status, rej.StatusCode)
	return appErr
}

func TestSocialClientAgainstSandbox(t *testing.T) {
	srv := sandboxServer(t)
	control(t, srv, "POST", "/sandbox/social/accounts", `{"platform":"instagram","handle":"jane","followers":45000,"following":300,
		"posts":[{"caption":"old","likes":10,"comments":1,"posted_at":"2025-01-01T00:00:00Z"},{"caption":"new","likes":20,"comments":2,"posted_at":"2025-03-01T00:00:00Z"}]}`, nil)
	var live struct{ ID, URL string }
	control(t, srv, "POST", "/sandbox/social/posts", `{"platform":"instagram","handle":"jane","caption":"#ad with Acme"}`, &live)

	c := NewSocialClient(testConfig(srv.URL + "/social"))
	p, err := c.Profile(t.Context(), "instagram", "jane")
	require.NoError(t, err)
	require.Equal(t, "jane", p.Username)
	require.Equal(t, int64(45000), p.FollowersCount)
	require.Equal(t, int64(300), p.FollowsCount)
	require.Equal(t, int64(3), p.MediaCount)
	require.Len(t, p.Media, 3)
	require.Equal(t, "#ad with Acme", p.Media[0].Caption, "newest first")
	require.Equal(t, "new", p.Media[1].Caption)
	require.Equal(t, int64(20), p.Media[1].LikeCount)

	m, err := c.MediaByURL(t.Context(), live.URL)
	require.NoError(t, err)
	require.Equal(t, live.ID, m.ID)
	require.Equal(t, "jane", m.Username)
	require.Equal(t, live.URL, m.Permalink)
	require.Equal(t, "instagram", m.Platform, "the sandbox says which platform a post is on")

	control(t, srv, "PATCH", "/sandbox/social/posts/"+live.ID, `{"deleted":true}`, nil)
	_, err = c.MediaByURL(t.Context(), live.URL)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.Profile(t.Context(), "instagram", "nobody")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestESignClientAgainstSandbox(t *testing.T) {
	srv := sandboxServer(t)
	c := NewESignClient(testConfig(srv.URL + "/esign"))
	req := EnvelopeRequest{
		Subject: "Contract", Document: "Terms…",
		Signers:  []Signer{{Role: "creator", Name: "Jane", Email: "jane@example.com"}, {Role: "brand", Name: "Acme", Email: "legal@acme.example"}},
		Metadata: map[string]string{"partnership_id": "p1"},
	}
	env, err := c.CreateEnvelope(t.Context(), "p1/contract/1", req)
	require.NoError(t, err)
	require.NotEmpty(t, env.ID)
	require.Equal(t, "sent", env.Status)
	require.Contains(t, env.SigningURLs["creator"], "/sandbox/esign/sign/")
	require.Contains(t, env.SigningURLs["brand"], "/sandbox/esign/sign/")

	again, err := c.CreateEnvelope(t.Context(), "p1/contract/1", req)
	require.NoError(t, err)
	require.Equal(t, env, again, "same key, same envelope")
	var list struct{ Items []json.RawMessage }
	control(t, srv, "GET", "/sandbox/esign/envelopes", "", &list)
	require.Len(t, list.Items, 1)

	require.NoError(t, c.VoidEnvelope(t.Context(), env.ID, "cancelled"))
	require.NoError(t, c.VoidEnvelope(t.Context(), env.ID, ""), "voiding twice succeeds")

	// A completed envelope cannot be voided: a permanent, non-retryable rejection.
	done, err := c.CreateEnvelope(t.Context(), "p2/contract/1", req)
	require.NoError(t, err)
	for _, u := range done.SigningURLs {
		control(t, srv, "POST", strings.TrimPrefix(u, srv.URL), `{}`, nil)
	}
	err = c.VoidEnvelope(t.Context(), done.ID, "too late")
	appErr := requireRejected(t, err, http.StatusConflict)
	require.Contains(t, appErr.Error(), "esign")
	require.Contains(t, appErr.Error(), "409")
	require.Contains(t, appErr.Error(), "can no longer be voided")
	// The refusal does not say why; reading the envelope does.
	got, err := c.GetEnvelope(t.Context(), done.ID)
	require.NoError(t, err)
	require.Equal(t, done.ID, got.ID)
	require.Equal(t, "completed", got.Status)
	got, err = c.GetEnvelope(t.Context(), env.ID)
	require.NoError(t, err)
	require.Equal(t, "voided", got.Status)
	_, err = c.GetEnvelope(t.Context(), "no-such-envelope")
	require.ErrorIs(t, err, ErrNotFound)

	err = c.VoidEnvelope(t.Context(), "no-such-envelope", "x")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestPaymentsClientAgainstSandbox(t *testing.T) {
	srv := sandboxServer(t)
	c := NewPaymentsClient(testConfig(srv.URL + "/payments"))
	req := TransferRequest{AmountMinor: 50000, Currency: "USD", Destination: "acct_jane", Metadata: map[string]string{"payout_id": "po1"}}

	tr, err := c.CreateTransfer(t.Context(), "p1/payout/fee/1", req)
	require.NoError(t, err)
	require.Equal(t, "pending", tr.Status)
	require.Equal(t, int64(50000), tr.AmountMinor)
	require.Equal(t, "acct_jane", tr.Destination)
	require.Equal(t, map[string]string{"payout_id": "po1"}, tr.Metadata)
	require.Empty(t, tr.FailureCode)

	again, err := c.CreateTransfer(t.Context(), "p1/payout/fee/1", req)
	require.NoError(t, err)
	require.Equal(t, tr.ID, again.ID)

	read, err := c.GetTransfer(t.Context(), tr.ID)
	require.NoError(t, err)
	require.Equal(t, tr, read, "the provider's view of the transfer, read back")
	_, err = c.GetTransfer(t.Context(), "tr_nobody_made")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.GetTransfer(t.Context(), "")
	var noID *temporal.ApplicationError
	require.ErrorAs(t, err, &noID)
	require.Equal(t, ErrTypeRequestInvalid, noID.Type())

	var list struct {
		Items []struct {
			ID             string `json:"id"`
			IdempotencyKey string `json:"idempotency_key"`
		}
	}
	control(t, srv, "GET", "/sandbox/payments/transfers", "", &list)
	require.Len(t, list.Items, 1, "one transfer for one key")
	require.Equal(t, "p1/payout/fee/1", list.Items[0].IdempotencyKey)

	req.AmountMinor = 99
	_, err = c.CreateTransfer(t.Context(), "p1/payout/fee/1", req)
	appErr := requireRejected(t, err, http.StatusUnprocessableEntity)
	require.Contains(t, appErr.Error(), "idempotency key reused with a different body")

	_, err = c.CreateTransfer(t.Context(), "", req)
	var invalid *temporal.ApplicationError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, ErrTypeRequestInvalid, invalid.Type())
	require.True(t, invalid.NonRetryable())
}

func TestCommerceClientAgainstSandbox(t *testing.T) {
	srv := sandboxServer(t)
	c := NewCommerceClient(testConfig(srv.URL + "/commerce"))

	code, err := c.CreateDiscountCode(t.Context(), "p1/discount", DiscountRequest{Code: "JANE10", Percent: 10, Metadata: map[string]string{"partnership_id": "p1"}})
	require.NoError(t, err)
	require.NotEmpty(t, code.ID)
	require.Equal(t, "JANE10", code.Code)
	require.Equal(t, srv.URL+"/shop?discount=JANE10", code.Link)

	orders, err := c.Orders(t.Context(), "JANE10")
	require.NoError(t, err)
	require.NotNil(t, orders)
	require.Empty(t, orders)

	control(t, srv, "POST", "/sandbox/commerce/orders", `{"code":"JANE10","amount_minor":4999,"currency":"USD"}`, nil)
	control(t, srv, "POST", "/sandbox/commerce/orders", `{"code":"jane10","amount_minor":1000,"currency":"USD"}`, nil)
	orders, err = c.Orders(t.Context(), "JANE10")
	require.NoError(t, err)
	require.Len(t, orders, 2)
	require.Equal(t, int64(4999), orders[0].AmountMinor)
	require.Equal(t, "JANE10", orders[1].Code)
	require.False(t, orders[0].CreatedAt.IsZero())

	_, err = c.CreateDiscountCode(t.Context(), "p2/discount", DiscountRequest{Code: "JANE10", Percent: 10})
	requireRejected(t, err, http.StatusConflict)
}

func TestEmailClientAgainstSandbox(t *testing.T) {
	srv := sandboxServer(t)
	c := NewEmailClient(testConfig(srv.URL + "/email"))
	msg := Message{To: "jane@example.com", Subject: "Your offer", Text: "Hello Jane"}

	id, err := c.Send(t.Context(), "p1/offer/1", msg)
	require.NoError(t, err)
	require.NotEmpty(t, id)
	again, err := c.Send(t.Context(), "p1/offer/1", msg)
	require.NoError(t, err)
	require.Equal(t, id, again)

	var list struct {
		Items []struct{ ID, To, Subject, Text string }
	}
	control(t, srv, "GET", "/sandbox/messages", "", &list)
	require.Len(t, list.Items, 1, "one message for one key")
	require.Equal(t, "jane@example.com", list.Items[0].To)
	require.Equal(t, "Hello Jane", list.Items[0].Text)

	_, err = c.Send(t.Context(), "p1/offer/2", Message{To: "not an address", Subject: "s"})
	requireRejected(t, err, http.StatusUnprocessableEntity)
}

func TestClientRetriesThroughSandboxFaults(t *testing.T) {
	srv := sandboxServer(t)
	control(t, srv, "PUT", "/sandbox/faults", `{"payments":{"fail_next":2,"status":503}}`, nil)
	c := NewPaymentsClient(testConfig(srv.URL + "/payments"))

	tr, err := c.CreateTransfer(t.Context(), "k", TransferRequest{AmountMinor: 1, Currency: "USD", Destination: "acct_1"})
	require.NoError(t, err, "two injected 503s are within RetryMax=2")
	require.Equal(t, "pending", tr.Status)

	control(t, srv, "PUT", "/sandbox/faults", `{"payments":{"fail_next":3,"status":503}}`, nil)
	_, err = c.CreateTransfer(t.Context(), "k2", TransferRequest{AmountMinor: 1, Currency: "USD", Destination: "acct_1"})
	var se *StatusError
	require.ErrorAs(t, err, &se, "three 503s exhaust the retries")
	require.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr), "a 503 must stay retryable for Temporal")

	var list struct{ Items []json.RawMessage }
	control(t, srv, "GET", "/sandbox/payments/transfers", "", &list)
	require.Len(t, list.Items, 1)
}
