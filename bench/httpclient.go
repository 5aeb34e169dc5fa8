package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// httpDoer is a JSON-over-HTTP caller shared by every simulated user. One transport with
// enough idle connections per host keeps C concurrent clients from reconnecting on each call.
type httpDoer struct {
	client *http.Client
}

func newHTTPDoer(concurrency int) *httpDoer {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(64, 4*concurrency)
	tr.MaxIdleConns = 4 * tr.MaxIdleConnsPerHost
	return &httpDoer{client: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// statusError is an answer with an unexpected status.
type statusError struct {
	Method, URL string
	Status      int
	Body        string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// getIfChanged GETs url with If-None-Match: etag (when not empty). On 304 it reports no
// change and leaves out alone; on 200 it decodes the answer into out and returns its ETag.
func (h *httpDoer) getIfChanged(ctx context.Context, url, token, etag string, out any) (string, bool, error) {
	var headers []string
	if etag != "" {
		headers = []string{"If-None-Match", etag}
	}
	res, raw, err := h.send(ctx, http.MethodGet, url, token, nil, headers...)
	if err != nil {
		return "", false, err
	}
	switch res.StatusCode {
	case http.StatusNotModified:
		return etag, false, nil
	case http.StatusOK:
		return res.Header.Get("ETag"), true, decodeInto(res, raw, out)
	}
	return "", false, unexpected(res, raw)
}

// call sends body as JSON (nil sends none) with the bearer token (if any) and decodes a JSON
// answer into out (if not nil). Any status other than want is an error.
func (h *httpDoer) call(ctx context.Context, method, url, token string, body, out any, want int, headers ...string) error {
	res, raw, err := h.send(ctx, method, url, token, body, headers...)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return unexpected(res, raw)
	}
	return decodeInto(res, raw, out)
}

// send makes one request and reads the whole answer.
func (h *httpDoer) send(ctx context.Context, method, url, token string, body any, headers ...string) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	return res, raw, err
}

func unexpected(res *http.Response, raw []byte) error {
	return &statusError{Method: res.Request.Method, URL: res.Request.URL.String(), Status: res.StatusCode,
		Body: strings.TrimSpace(string(truncate(raw, 300)))}
}

func decodeInto(res *http.Response, raw []byte, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode: %w", res.Request.Method, res.Request.URL, err)
	}
	return nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
