package providers

import (
	"context"
	"net/http"
	"net/url"
)

// defaultVoidReason is used when the caller gives none; DocuSign-like APIs require one, and a
// compensation must not fail for want of a sentence.
const defaultVoidReason = "voided by Partnerflow"

// ESignClient creates and voids envelopes on a DocuSign-like API.
type ESignClient struct {
	http *httpClient
}

var _ ESign = (*ESignClient)(nil)

// NewESignClient returns an ESign backed by the HTTP API at cfg.BaseURL.
func NewESignClient(cfg ClientConfig) *ESignClient {
	return &ESignClient{http: newHTTPClient("esign", cfg)}
}

type createEnvelopeBody struct {
	EnvelopeRequest
	// Status "sent" creates and sends in one call, so there is no draft to clean up.
	Status string `json:"status"`
}

// CreateEnvelope creates the envelope and sends it to the signers. The same idempotency key
// returns the envelope created the first time.
func (c *ESignClient) CreateEnvelope(ctx context.Context, idempotencyKey string, req EnvelopeRequest) (Envelope, error) {
	const op = "create envelope"
	if err := requireKey(c.http.provider, op, idempotencyKey); err != nil {
		return Envelope{}, err
	}
	var env Envelope
	err := c.http.do(ctx, call{
		op: op, method: http.MethodPost, path: "/v2.1/envelopes", idempotencyKey: idempotencyKey,
		body: createEnvelopeBody{EnvelopeRequest: req, Status: "sent"}, out: &env,
	})
	return env, err
}

// GetEnvelope reads an envelope's current status, e.g. to learn which final state made a void
// fail. An unknown envelope is ErrNotFound.
func (c *ESignClient) GetEnvelope(ctx context.Context, envelopeID string) (Envelope, error) {
	const op = "get envelope"
	if envelopeID == "" {
		return Envelope{}, invalidRequest(c.http.provider, op, "an envelope id is required")
	}
	var env Envelope
	err := c.http.do(ctx, call{op: op, method: http.MethodGet, path: "/v2.1/envelopes/" + url.PathEscape(envelopeID), out: &env})
	return env, err
}

type voidEnvelopeBody struct {
	Status       string `json:"status"`
	VoidedReason string `json:"voided_reason"`
}

// VoidEnvelope voids a sent envelope; voiding an already voided one succeeds, voiding a
// completed or declined one is rejected (ErrTypeRejected, status 409, for both: GetEnvelope
// tells them apart).
func (c *ESignClient) VoidEnvelope(ctx context.Context, envelopeID, reason string) error {
	const op = "void envelope"
	if envelopeID == "" {
		return invalidRequest(c.http.provider, op, "an envelope id is required")
	}
	if reason == "" {
		reason = defaultVoidReason
	}
	return c.http.do(ctx, call{
		op: op, method: http.MethodPut, path: "/v2.1/envelopes/" + url.PathEscape(envelopeID),
		body: voidEnvelopeBody{Status: "voided", VoidedReason: reason},
	})
}
