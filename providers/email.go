package providers

import (
	"context"
	"net/http"
)

// EmailClient sends transactional e-mail through an HTTP API.
type EmailClient struct {
	http *httpClient
}

var _ Email = (*EmailClient)(nil)

// NewEmailClient returns an Email backed by the HTTP API at cfg.BaseURL.
func NewEmailClient(cfg ClientConfig) *EmailClient {
	return &EmailClient{http: newHTTPClient("email", cfg)}
}

// Send queues msg and returns the provider's message id; the same idempotency key never sends
// a second copy.
func (c *EmailClient) Send(ctx context.Context, idempotencyKey string, msg Message) (string, error) {
	const op = "send message"
	if err := requireKey(c.http.provider, op, idempotencyKey); err != nil {
		return "", err
	}
	var resp struct {
		ID string `json:"id"`
	}
	err := c.http.do(ctx, call{
		op: op, method: http.MethodPost, path: "/v1/messages", idempotencyKey: idempotencyKey,
		body: msg, out: &resp,
	})
	if err != nil {
		return "", err
	}
	if resp.ID == "" {
		return "", invalidResponse(c.http.provider, op, "response has no message id")
	}
	return resp.ID, nil
}
