package devdata

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConfigKeepsPayloadKeysButNotTemporalTLS: a process joining the dev stack encrypts like
// the stack (same environment) but dials its plaintext embedded server without TLS.
func TestConfigKeepsPayloadKeysButNotTemporalTLS(t *testing.T) {
	t.Setenv("PARTNERFLOW_PAYLOAD_KEYS", "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	t.Setenv("PARTNERFLOW_TEMPORAL_TLS", "true")
	t.Setenv("PARTNERFLOW_TEMPORAL_API_KEY", "cloud-key")
	cfg := Config(Secrets{JWTSecret: "j"}, "http://127.0.0.1:8090")
	require.Equal(t, "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", cfg.PayloadKeys)
	require.False(t, cfg.TemporalTLSEnabled())
	require.Equal(t, "http://127.0.0.1:8090/payments", cfg.PaymentsURL)
	require.Equal(t, "j", cfg.JWTSecret)
}
