package providers

import (
	"context"
	"net/http"
	"net/url"
)

// CommerceClient manages discount codes and reads orders on a Shopify-like API.
type CommerceClient struct {
	http *httpClient
}

var _ Commerce = (*CommerceClient)(nil)

// NewCommerceClient returns a Commerce backed by the HTTP API at cfg.BaseURL.
func NewCommerceClient(cfg ClientConfig) *CommerceClient {
	return &CommerceClient{http: newHTTPClient("commerce", cfg)}
}

// CreateDiscountCode creates the code and its tracking link. Reusing a code under a different
// idempotency key is rejected (ErrTypeRejected, status 409).
func (c *CommerceClient) CreateDiscountCode(ctx context.Context, idempotencyKey string, req DiscountRequest) (DiscountCode, error) {
	const op = "create discount code"
	if err := requireKey(c.http.provider, op, idempotencyKey); err != nil {
		return DiscountCode{}, err
	}
	var d DiscountCode
	err := c.http.do(ctx, call{
		op: op, method: http.MethodPost, path: "/v1/discount_codes", idempotencyKey: idempotencyKey,
		body: req, out: &d,
	})
	return d, err
}

// Orders returns the orders that used code; an unknown code has none.
func (c *CommerceClient) Orders(ctx context.Context, code string) ([]Order, error) {
	const op = "list orders"
	if code == "" {
		return nil, invalidRequest(c.http.provider, op, "a discount code is required")
	}
	var resp struct {
		Orders []Order `json:"orders"`
	}
	err := c.http.do(ctx, call{
		op: op, method: http.MethodGet, path: "/v1/orders",
		query: url.Values{"discount_code": {code}}, out: &resp,
	})
	if err != nil {
		return nil, err
	}
	if resp.Orders == nil {
		resp.Orders = []Order{}
	}
	return resp.Orders, nil
}
