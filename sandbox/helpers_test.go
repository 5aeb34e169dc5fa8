package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testEnv is a sandbox served over real HTTP, optionally with its background loops running.
type testEnv struct {
	t   *testing.T
	sb  *Sandbox
	srv *httptest.Server
}

func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	sb, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return &testEnv{t: t, sb: sb, srv: srv}
}

// run starts the background loops until the test ends.
func (e *testEnv) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sb.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(e.t, err)
		case <-time.After(5 * time.Second):
			e.t.Error("Run did not return after cancellation")
		}
	})
}

type reqOpt func(*http.Request)

func withKey(key string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// do sends body (a string is sent verbatim, anything else as JSON) and returns status and body.
func (e *testEnv) do(method, path string, body any, opts ...reqOpt) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, data
}

// doJSON is do plus a status assertion and decoding of the response.
func (e *testEnv) doJSON(method, path string, body any, wantStatus int, out any, opts ...reqOpt) {
	e.t.Helper()
	status, data := e.do(method, path, body, opts...)
	require.Equal(e.t, wantStatus, status, "%s %s answered %s", method, path, data)
	if out != nil {
		require.NoError(e.t, json.Unmarshal(data, out), "body: %s", data)
	}
}

func errorMessage(t *testing.T, data []byte) string {
	t.Helper()
	var b errorBody
	require.NoError(t, json.Unmarshal(data, &b), "error body: %s", data)
	require.NotEmpty(t, b.Error.Message, "error body: %s", data)
	return b.Error.Message
}

// receiver is a webhook endpoint that records deliveries and answers from a script of statuses
// (the last status repeats).
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []delivery
	notify   chan struct{}
}

type delivery struct {
	body   []byte
	header http.Header
	at     time.Time
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	if len(statuses) == 0 {
		statuses = []int{http.StatusOK}
	}
	rc := &receiver{statuses: statuses, notify: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{body: body, header: r.Header.Clone(), at: time.Now()})
		status := rc.statuses[min(len(rc.got)-1, len(rc.statuses)-1)]
		rc.mu.Unlock()
		w.WriteHeader(status)
		rc.notify <- struct{}{}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// waitFor waits until at least n deliveries arrived.
func (rc *receiver) waitFor(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := rc.deliveries(); len(got) >= n {
			return got
		}
		select {
		case <-rc.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %d webhook deliveries, got %d", n, len(rc.deliveries()))
		}
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type listResponse[T any] struct {
	Items []T `json:"items"`
}

func envelopeBody(fields map[string]string) map[string]any {
	return map[string]any{
		"email_subject": "Contract: Acme × Jane",
		"document":      "The creator shall post one reel.",
		"signers": []map[string]string{
			{"role": "creator", "name": "Jane Doe", "email": "jane@example.com"},
			{"role": "brand", "name": "Acme Ltd", "email": "legal@acme.example"},
		},
		"custom_fields": fields,
		"status":        "sent",
	}
}
