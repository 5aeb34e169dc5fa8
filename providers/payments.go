package providers

import (
	"context"
	"net/http"
	"net/url"
)

// PaymentsClient creates transfers on a Stripe-like API.
type PaymentsClient struct {
	http *httpClient
}

var _ Payments = (*PaymentsClient)(nil)

// NewPaymentsClient returns a Payments backed by the HTTP API at cfg.BaseURL.
func NewPaymentsClient(cfg ClientConfig) *PaymentsClient {
	return &PaymentsClient{http: newHTTPClient("payments", cfg)}
}

// CreateTransfer asks for a transfer; it is normally pending, and its outcome arrives later as
// a webhook. The idempotency key is what guarantees a payout is never made twice.
func (c *PaymentsClient) CreateTransfer(ctx context.Context, idempotencyKey string, req TransferRequest) (Transfer, error) {
	const op = "create transfer"
	if err := requireKey(c.http.provider, op, idempotencyKey); err != nil {
		return Transfer{}, err
	}
	var t Transfer
	err := c.http.do(ctx, call{
		op: op, method: http.MethodPost, path: "/v1/transfers", idempotencyKey: idempotencyKey,
		body: req, out: &t,
	})
	return t, err
}

// GetTransfer reads a transfer's current status: what the provider says of it now, whatever
// its webhooks said or failed to say. An unknown transfer is ErrNotFound.
func (c *PaymentsClient) GetTransfer(ctx context.Context, transferID string) (Transfer, error) {
	const op = "get transfer"
	if transferID == "" {
		return Transfer{}, invalidRequest(c.http.provider, op, "a transfer id is required")
	}
	var t Transfer
	err := c.http.do(ctx, call{op: op, method: http.MethodGet, path: "/v1/transfers/" + url.PathEscape(transferID), out: &t})
	return t, err
}
