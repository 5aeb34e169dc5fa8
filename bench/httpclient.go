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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := h.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return "", false, err
	}
	switch res.StatusCode {
	case http.StatusNotModified:
		return etag, false, nil
	case http.StatusOK:
		if err := json.Unmarshal(raw, out); err != nil {
			return "", false, fmt.Errorf("GET %s: decode: %w", url, err)
		}
		return res.Header.Get("ETag"), true, nil
	}
	return "", false, &statusError{Method: http.MethodGet, URL: url, Status: res.StatusCode, Body: strings.TrimSpace(string(truncate(raw, 300)))}
}

// call sends body as JSON (nil sends none) with the bearer token (if any) and decodes a JSON
// answer into out (if not nil). Any status other than want is an error.
func (h *httpDoer) call(ctx context.Context, method, url, token string, body, out any, want int, headers ...string) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
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
		return err
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return &statusError{Method: method, URL: url, Status: res.StatusCode, Body: strings.TrimSpace(string(truncate(raw, 300)))}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, url, err)
		}
	}
	return nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
