package providers

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncBuffer lets the handler write from the client's goroutine while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsCarryNoSecretsOrPersonalData(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))

	s := newScripted(t, reply{status: 503}, reply{status: 202, body: `{"id":"msg_1"}`})
	cfg := testConfig(s.srv.URL)
	cfg.APIKey = "sk_live_SECRET"
	cfg.Logger = logger
	_, err := NewEmailClient(cfg).Send(t.Context(), "idem-SECRET", Message{To: "jane.private@example.com", Subject: "Offer", Text: "BODY-SECRET"})
	require.NoError(t, err)

	s2 := newScripted(t, reply{status: 503}, reply{status: 404})
	cfg2 := testConfig(s2.srv.URL)
	cfg2.Logger = logger
	_, err = NewSocialClient(cfg2).MediaByURL(t.Context(), "https://insta.example/p/1?token=QUERY-SECRET")
	require.ErrorIs(t, err, ErrNotFound)

	logs := buf.String()
	require.Contains(t, logs, "retrying request", "the retry must be logged")
	require.Contains(t, logs, `"op":"send message"`)
	require.Contains(t, logs, `"attempts":2`)
	for _, secret := range []string{"sk_live_SECRET", "idem-SECRET", "jane.private", "BODY-SECRET", "QUERY-SECRET", "permalink="} {
		require.NotContains(t, logs, secret)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		require.Contains(t, line, `"level":"DEBUG"`, "client logs are Debug only: %s", line)
	}
}
