package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFromEnvDefaultsAndOverrides(t *testing.T) {
	t.Setenv("PARTNERFLOW_HTTP_ADDR", "0.0.0.0:9000")
	t.Setenv("PARTNERFLOW_CORS_ORIGINS", "https://a.example,https://b.example")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:9000", c.HTTPAddr)
	require.Equal(t, []string{"https://a.example", "https://b.example"}, c.CORSOrigins)
	require.Equal(t, "./.partnerflow", c.DataDir)
	require.Equal(t, 7233, c.TemporalPort)
	require.True(t, c.RunWorker)
}

func TestFromEnvRejectsBadValues(t *testing.T) {
	t.Setenv("PARTNERFLOW_TEMPORAL_PORT", "seventy")
	_, err := FromEnv()
	require.Error(t, err)
}

func TestValidateAPIListsEveryProblem(t *testing.T) {
	c := Config{LogLevel: "loud", LogFormat: "xml", HTTPAddr: "nope", TemporalAddress: "x", JWTSecret: "short"}
	err := c.ValidateAPI()
	require.Error(t, err)
	for _, want := range []string{"PARTNERFLOW_LOG_LEVEL", "PARTNERFLOW_LOG_FORMAT", "PARTNERFLOW_DATABASE_URL",
		"PARTNERFLOW_HTTP_ADDR", "PARTNERFLOW_TEMPORAL_ADDRESS", "PARTNERFLOW_JWT_SECRET", "WEBHOOK_SECRET"} {
		require.Contains(t, err.Error(), want)
	}
	ok := Config{LogLevel: "info", LogFormat: "json", HTTPAddr: "127.0.0.1:8080", TemporalAddress: "t:7233", TemporalNamespace: "default",
		DatabaseURL: "postgres://x", JWTSecret: strings.Repeat("s", 32), ESignWebhookSecret: "a", PaymentsWebhookSecret: "b"}
	require.NoError(t, ok.ValidateAPI())
	ok.TransferLookupAfter = time.Millisecond
	require.ErrorContains(t, ok.ValidateAPI(), "PARTNERFLOW_TRANSFER_LOOKUP_AFTER")
}

// TestTransferLookupAfter: an hour by default; between a second and a day, or zero (the
// workflow's default).
func TestTransferLookupAfter(t *testing.T) {
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, time.Hour, c.TransferLookupAfter)
	require.NoError(t, c.CheckTransferLookupAfter())
	for _, bad := range []time.Duration{-time.Second, 500 * time.Millisecond, 25 * time.Hour} {
		c.TransferLookupAfter = bad
		require.ErrorContains(t, c.CheckTransferLookupAfter(), "PARTNERFLOW_TRANSFER_LOOKUP_AFTER", bad)
	}
	for _, good := range []time.Duration{0, time.Second, 24 * time.Hour} {
		c.TransferLookupAfter = good
		require.NoError(t, c.CheckTransferLookupAfter(), good)
	}
}

func TestValidateWorkerNeedsProviderURLs(t *testing.T) {
	c := Config{LogLevel: "info", LogFormat: "text", TemporalAddress: "t:7233", TemporalNamespace: "default", DatabaseURL: "postgres://x"}
	err := c.ValidateWorker()
	require.ErrorContains(t, err, "PARTNERFLOW_SOCIAL_URL")
	c.SandboxProviderURLs("http://127.0.0.1:8090/")
	require.NoError(t, c.ValidateWorker())
	c.VettingThresholds = `{"clean_scor": 70}`
	require.ErrorContains(t, c.ValidateWorker(), "PARTNERFLOW_VETTING_THRESHOLDS")
	require.Equal(t, "http://127.0.0.1:8090/payments", c.PaymentsURL)
	c.VettingThresholds = ""
	c.DatabaseMaxConns = -1
	require.ErrorContains(t, c.ValidateWorker(), "PARTNERFLOW_DB_MAX_CONNS")
	t.Setenv("PARTNERFLOW_DB_MAX_CONNS", "8")
	fromEnv, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 8, fromEnv.DatabaseMaxConns)
}

func TestValidateAPIWithIdentityProvider(t *testing.T) {
	c := Config{LogLevel: "info", LogFormat: "json", HTTPAddr: "127.0.0.1:8080", TemporalAddress: "t:7233", TemporalNamespace: "default",
		DatabaseURL: "postgres://x", ESignWebhookSecret: "a", PaymentsWebhookSecret: "b", JWKSURL: "https://idp.example/.well-known/jwks.json"}
	require.NoError(t, c.ValidateAPI(), "a JWKS URL stands in for the shared secret")
	c.JWKSURL = "not a url"
	require.ErrorContains(t, c.ValidateAPI(), "PARTNERFLOW_JWKS_URL")
	c.JWKSURL, c.JWTSecret = "https://idp.example/jwks", "short"
	require.ErrorContains(t, c.ValidateAPI(), "PARTNERFLOW_JWT_SECRET")
}

func TestValidateAPIPreviousJWTSecrets(t *testing.T) {
	c := Config{LogLevel: "info", LogFormat: "json", HTTPAddr: "127.0.0.1:8080", TemporalAddress: "t:7233", TemporalNamespace: "default",
		DatabaseURL: "postgres://x", ESignWebhookSecret: "a", PaymentsWebhookSecret: "b",
		JWTSecret: strings.Repeat("n", 32), JWTPreviousSecrets: []string{strings.Repeat("o", 32)}}
	require.NoError(t, c.ValidateAPI())
	c.JWTPreviousSecrets = append(c.JWTPreviousSecrets, "", "short")
	require.ErrorContains(t, c.ValidateAPI(), "PARTNERFLOW_JWT_PREVIOUS_SECRETS: entry 3 must be at least 32 characters")
	c.JWTPreviousSecrets = c.JWTPreviousSecrets[:1]
	c.JWTSecret, c.JWKSURL = "", "https://idp.example/jwks"
	require.ErrorContains(t, c.ValidateAPI(), "needs PARTNERFLOW_JWT_SECRET")

	t.Setenv("PARTNERFLOW_JWT_PREVIOUS_SECRETS", strings.Repeat("a", 32)+","+strings.Repeat("b", 31)+" ,")
	fromEnv, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte(strings.Repeat("a", 32)), []byte(strings.Repeat("b", 31) + " ")}, fromEnv.PreviousJWTSecrets(),
		"each exactly as given, as the secrets were signed with; the trailing comma's blank left out")
	t.Setenv("PARTNERFLOW_JWT_PREVIOUS_SECRETS", "")
	fromEnv, err = FromEnv()
	require.NoError(t, err)
	require.Empty(t, fromEnv.PreviousJWTSecrets(), "an empty variable is no overlap")
}

func TestValidateWorkerTeamEmails(t *testing.T) {
	c := Config{LogLevel: "info", LogFormat: "text", TemporalAddress: "t:7233", TemporalNamespace: "default", DatabaseURL: "postgres://x"}
	c.SandboxProviderURLs("http://127.0.0.1:8090/")
	require.NoError(t, c.ValidateWorker(), "no team addresses: none are e-mailed")
	c.FinanceEmail, c.AdminEmail = "finance@acme.example", "ops@acme.example"
	require.NoError(t, c.ValidateWorker())
	c.FinanceEmail = "finance"
	require.ErrorContains(t, c.ValidateWorker(), `PARTNERFLOW_FINANCE_EMAIL: "finance" is not an e-mail address`)
	c.FinanceEmail, c.AdminEmail = "finance@acme.example", "Ops <ops@acme.example>"
	require.ErrorContains(t, c.ValidateWorker(), "PARTNERFLOW_ADMIN_EMAIL", "one bare address, no display name")
	t.Setenv("PARTNERFLOW_FINANCE_EMAIL", "ap@acme.example")
	fromEnv, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, "ap@acme.example", fromEnv.FinanceEmail)
}
