package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults applied by ClientConfig when a field is left zero.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultRetryMax         = 2
	DefaultMaxRetryAfter    = 5 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultRetryWaitMin     = 200 * time.Millisecond
	DefaultRetryWaitMax     = 2 * time.Second
)

// ClientConfig configures one provider client. Retries here are deliberately few and short:
// Temporal retries the whole activity with its own, much longer policy, so the client only
// needs to smooth over blips without holding an activity slot for long.
type ClientConfig struct {
	// BaseURL is the provider's root, e.g. http://127.0.0.1:8090/payments.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>" when set.
	APIKey string
	// Timeout bounds each HTTP attempt, including reading the response headers. Default 10s.
	Timeout time.Duration
	// RetryMax is how many times a failed attempt is retried. Zero means DefaultRetryMax; a
	// negative value disables retries.
	RetryMax int
	// MaxRetryAfter caps how long a provider's Retry-After may make the client wait. Default 5s.
	MaxRetryAfter time.Duration
	// MaxResponseBytes refuses response bodies larger than this. Default 1 MiB.
	MaxResponseBytes int64
	// RetryWaitMin and RetryWaitMax bound the exponential backoff used when the provider gives
	// no Retry-After. Defaults 200ms and 2s.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Logger receives Debug records of requests and retries; nil discards them.
	Logger *slog.Logger
}

// Validate reports a configuration that cannot work, so a process can refuse to start instead
// of failing every activity.
func (c ClientConfig) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("providers: BaseURL %q is not an absolute http(s) URL", c.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("providers: BaseURL %q must not have a query or fragment", c.BaseURL)
	}
	if c.Timeout < 0 || c.MaxRetryAfter < 0 || c.MaxResponseBytes < 0 || c.RetryWaitMin < 0 || c.RetryWaitMax < 0 {
		return errors.New("providers: durations and sizes must not be negative")
	}
	return nil
}

func (c ClientConfig) withDefaults() ClientConfig {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.RetryMax == 0:
		c.RetryMax = DefaultRetryMax
	case c.RetryMax < 0:
		c.RetryMax = 0
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.RetryWaitMin <= 0 {
		c.RetryWaitMin = DefaultRetryWaitMin
	}
	if c.RetryWaitMax <= 0 {
		c.RetryWaitMax = DefaultRetryWaitMax
	}
	c.RetryWaitMax = max(c.RetryWaitMax, c.RetryWaitMin)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// httpClient is the plumbing shared by every provider client: retries, timeouts, auth, JSON,
// size limits and the mapping of HTTP failures onto Temporal-aware errors.
type httpClient struct {
	provider string
	base     string
	apiKey   string
	maxBody  int64
	retry    *retryablehttp.Client
	log      *slog.Logger
}

func newHTTPClient(provider string, cfg ClientConfig) *httpClient {
	cfg = cfg.withDefaults()
	log := cfg.Logger.With("provider", provider)

	rc := retryablehttp.NewClient()
	rc.HTTPClient.Timeout = cfg.Timeout
	if tr, ok := rc.HTTPClient.Transport.(*http.Transport); ok {
		// A worker calls each provider from many activities at once; the pooled transport
		// keeps only GOMAXPROCS+1 idle connections per host, and closes and redials the rest.
		tr.MaxIdleConnsPerHost = 64
	}
	rc.RetryMax = cfg.RetryMax
	rc.RetryWaitMin = cfg.RetryWaitMin
	rc.RetryWaitMax = cfg.RetryWaitMax
	rc.CheckRetry = checkRetry
	rc.Backoff = backoffHonoringRetryAfter(cfg.MaxRetryAfter)
	rc.Logger = leveledLogger{log: log}
	rc.RequestLogHook = countAttempt
	// Hand the last response (or error) back to us instead of a generic "giving up" error, so
	// the status is mapped in one place and the message carries no URL.
	rc.ErrorHandler = func(resp *http.Response, err error, _ int) (*http.Response, error) {
		if err != nil && resp != nil {
			drainAndClose(resp.Body)
			resp = nil
		}
		return resp, err
	}

	return &httpClient{
		provider: provider,
		base:     strings.TrimRight(cfg.BaseURL, "/"),
		apiKey:   cfg.APIKey,
		maxBody:  cfg.MaxResponseBytes,
		retry:    rc,
		log:      log,
	}
}

// call describes one provider operation. op is a short human name ("create transfer") used in
// errors instead of the URL, so handles and permalinks never reach workflow history.
type call struct {
	op             string
	method         string
	path           string // already escaped
	query          url.Values
	idempotencyKey string
	body           any
	out            any
}

// do performs c and decodes a 2xx JSON response into c.out.
func (h *httpClient) do(ctx context.Context, c call) error {
	start := time.Now()
	trace := &callTrace{}
	ctx = context.WithValue(ctx, traceKey{}, trace)
	status, err := h.roundTrip(ctx, c)
	if c.idempotencyKey != "" && trace.unanswered {
		err = RefusalInDoubt(err)
	}
	h.log.Debug("provider call", "op", c.op, "status", status, "attempts", trace.requests,
		"duration", time.Since(start), "ok", err == nil)
	return err
}

func (h *httpClient) roundTrip(ctx context.Context, c call) (int, error) {
	target := h.base + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	var body any
	if c.body != nil {
		data, err := json.Marshal(c.body)
		if err != nil {
			return 0, invalidRequest(h.provider, c.op, "encoding the request failed")
		}
		body = data
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, c.method, target, body)
	if err != nil {
		// A bad BaseURL is a deployment problem: stay retryable so activities resume once the
		// configuration is fixed, rather than failing partnerships for good.
		return 0, fmt.Errorf("%s %s: building request: invalid BaseURL", h.provider, c.op)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "partnerflow")
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.apiKey)
	}
	if c.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.idempotencyKey)
	}

	resp, err := h.retry.Do(req)
	if err != nil {
		return 0, h.transportError(ctx, c.op, err)
	}
	defer drainAndClose(resp.Body)

	data, tooLarge, err := readLimited(resp.Body, h.maxBody)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: reading response: %w", h.provider, c.op, unwrapURLError(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, responseError(h.provider, c.op, resp.StatusCode, data)
	}
	if tooLarge {
		return resp.StatusCode, responseTooLarge(h.provider, c.op, h.maxBody)
	}
	if c.out != nil {
		if err := json.Unmarshal(data, c.out); err != nil {
			return resp.StatusCode, invalidResponse(h.provider, c.op, "response is not the expected JSON")
		}
	}
	return resp.StatusCode, nil
}

// transportError describes a request that never produced a usable response. The URL is left
// out: *url.Error would otherwise put the query string into Temporal's history.
func (h *httpClient) transportError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s %s: %w", h.provider, op, ctxErr)
	}
	return fmt.Errorf("%s %s: request failed after %d attempt(s): %w", h.provider, op, traceOf(ctx).requests, unwrapURLError(err))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// readLimited reads at most limit bytes and reports whether the body was longer.
func readLimited(r io.Reader, limit int64) ([]byte, bool, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if n > limit {
		return buf.Bytes()[:limit], true, nil
	}
	return buf.Bytes(), false, nil
}

func drainAndClose(body io.ReadCloser) {
	// Draining a little lets the connection be reused; a huge body is not worth reading.
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// requireKey refuses a create without an idempotency key: retrying it could duplicate a
// payment or an envelope, which is exactly what the keys exist to prevent.
func requireKey(provider, op, key string) error {
	if strings.TrimSpace(key) == "" {
		return invalidRequest(provider, op, "an idempotency key is required")
	}
	return nil
}
