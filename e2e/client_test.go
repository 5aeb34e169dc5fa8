package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

// client calls the API (or the sandbox) over real HTTP. Every API exchange is checked against
// the served OpenAPI document.
type client struct {
	t     *testing.T
	base  string
	token string
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

func (r response) Decode(t *testing.T, into any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, into), "body: %s", r.Body)
}

func as(t *testing.T, id auth.Identity) *client {
	t.Helper()
	c := &client{t: t, base: stack.APIURL}
	if id.Sub != "" {
		tok, err := auth.Issue([]byte(stack.Secrets.JWTSecret), id, time.Hour, time.Now())
		require.NoError(t, err)
		c.token = tok
	}
	return c
}

func sandbox(t *testing.T) *client { return &client{t: t, base: stack.SandboxURL} }

func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(c.t, err)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = c.base + path
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(raw))
	require.NoError(c.t, err)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer func() { _ = res.Body.Close() }()
	out, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	r := response{Status: res.StatusCode, Header: res.Header, Body: out}
	if c.base == stack.APIURL {
		checkAgainstOpenAPI(c.t, req, raw, r)
	}
	return r
}

func (c *client) post(path string, body any, headers ...string) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, body, headers...)
}

func (c *client) get(path string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

// must asserts the status and returns the JSON object.
func must(t *testing.T, r response, status int) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	return r.JSON(t)
}

// eventually polls f until it returns true.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	eventuallyWithin(t, 60*time.Second, what, f)
}

// eventuallyWithin is eventually with a wait of its own, for what the server does on its own
// schedule and a loaded machine delays further.
func eventuallyWithin(t *testing.T, wait time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
