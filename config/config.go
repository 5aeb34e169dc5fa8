// Package config holds every setting of every process in one struct, read from PARTNERFLOW_*
// environment variables and command-line flags, and validated at start.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/partnerflow/partnerflow/vetting"
)

// Config is the configuration of all sub-commands; each uses the fields it needs.
type Config struct {
	// Shared.
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`

	// Dev stack.
	DataDir      string `env:"DATA_DIR" envDefault:"./.partnerflow"`
	SandboxAddr  string `env:"SANDBOX_ADDR" envDefault:"127.0.0.1:8090"`
	TemporalPort int    `env:"TEMPORAL_PORT" envDefault:"7233"`
	RunWorker    bool   `env:"WORKER" envDefault:"true"`

	// API and worker.
	HTTPAddr    string `env:"HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	DatabaseURL string `env:"DATABASE_URL"`
	// DatabaseMaxConns bounds each process's PostgreSQL pool (0: the store's default, 20).
	// Replicas × this must stay under the server's max_connections, or behind PgBouncer.
	DatabaseMaxConns  int    `env:"DB_MAX_CONNS" envDefault:"0"`
	TemporalAddress   string `env:"TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	JWTSecret         string `env:"JWT_SECRET"`
	// JWTPreviousSecrets are HS256 secrets still accepted, never signed with, while a rotation
	// overlaps: tokens issued before the switch keep working until they expire.
	JWTPreviousSecrets []string `env:"JWT_PREVIOUS_SECRETS" envSeparator:","`
	// JWKSURL, when set, also accepts RS256/ES256 tokens from the identity provider that
	// publishes this key set (JWT_SECRET may then be empty).
	JWKSURL     string   `env:"JWKS_URL"`
	CORSOrigins []string `env:"CORS_ORIGINS" envSeparator:","`

	// Webhook secrets shared with the providers (one per provider).
	ESignWebhookSecret    string `env:"ESIGN_WEBHOOK_SECRET"`
	PaymentsWebhookSecret string `env:"PAYMENTS_WEBHOOK_SECRET"`

	// Provider endpoints and credentials; in dev they point at the sandbox.
	SocialURL   string `env:"SOCIAL_URL"`
	ESignURL    string `env:"ESIGN_URL"`
	PaymentsURL string `env:"PAYMENTS_URL"`
	CommerceURL string `env:"COMMERCE_URL"`
	EmailURL    string `env:"EMAIL_URL"`
	// ProviderAPIKey is sent to every provider that has no key of its own; set the
	// per-provider keys in production so no vendor sees another's credential.
	ProviderAPIKey  string        `env:"PROVIDER_API_KEY"`
	SocialAPIKey    string        `env:"SOCIAL_API_KEY"`
	ESignAPIKey     string        `env:"ESIGN_API_KEY"`
	PaymentsAPIKey  string        `env:"PAYMENTS_API_KEY"`
	CommerceAPIKey  string        `env:"COMMERCE_API_KEY"`
	EmailAPIKey     string        `env:"EMAIL_API_KEY"`
	ProviderTimeout time.Duration `env:"PROVIDER_TIMEOUT" envDefault:"10s"`

	// Temporal connection security (api and worker; the dev stack's embedded server is
	// plaintext and ignores these). TLS is on when TemporalTLS is set or any of the other
	// TEMPORAL_TLS_* / TEMPORAL_API_KEY variables is, so setting a file never silently dials
	// in plaintext. See TemporalTLSConfig.

	// TemporalTLS dials the frontend over TLS, verified against the system roots.
	TemporalTLS bool `env:"TEMPORAL_TLS"`
	// TemporalTLSCAFile is a PEM bundle of CAs to verify the frontend with instead of the
	// system roots (a self-managed cluster's own CA).
	TemporalTLSCAFile string `env:"TEMPORAL_TLS_CA_FILE"`
	// TemporalTLSCertFile and TemporalTLSKeyFile are the PEM client certificate and key for
	// mTLS (Temporal Cloud mTLS namespaces, self-managed clusters requiring client certs);
	// both or neither.
	TemporalTLSCertFile string `env:"TEMPORAL_TLS_CERT_FILE"`
	TemporalTLSKeyFile  string `env:"TEMPORAL_TLS_KEY_FILE"`
	// TemporalTLSServerName overrides the name the frontend's certificate is checked against
	// (when dialling it by IP or through a proxy).
	TemporalTLSServerName string `env:"TEMPORAL_TLS_SERVER_NAME"`
	// TemporalAPIKey authenticates to a Temporal Cloud namespace with an API key; implies TLS.
	TemporalAPIKey string `env:"TEMPORAL_API_KEY"`

	// PayloadKeys encrypts workflow payloads (inputs, results, signals, updates) with
	// AES-256-GCM before they reach Temporal: a comma-separated list of id:base64(32-byte key).
	// The first key encrypts; all of them decrypt, so to rotate put a new key first and keep
	// the old ones until no open workflow still holds payloads under them. Empty: payloads
	// are stored unencrypted (the dev default). The API and the worker must share the list.
	PayloadKeys string `env:"PAYLOAD_KEYS"`

	// OTelEndpoint is the OTLP/gRPC collector (host:port) that receives traces of API
	// requests, workflow starts/updates, workflow runs and activities. Empty: tracing off.
	OTelEndpoint string `env:"OTEL_ENDPOINT"`
	// OTelInsecure sends traces to the collector without TLS (a sidecar or in-cluster agent).
	OTelInsecure bool `env:"OTEL_INSECURE" envDefault:"true"`
	// OTelServiceName is the service.name of this process's spans; empty uses
	// partnerflow-api, partnerflow-worker or partnerflow-dev.
	OTelServiceName string `env:"OTEL_SERVICE_NAME"`

	// CodecCORSOrigins are the browser origins (the Temporal UI's, e.g.
	// https://temporal-ui.example.com) allowed to call the API's /codec endpoint, which
	// decrypts payloads for admins. The CLI needs none.
	CodecCORSOrigins []string `env:"CODEC_CORS_ORIGINS" envSeparator:","`

	// TransferLookupAfter is how long a transfer made waits for the payments provider's
	// webhook before the partnership asks the provider what became of it (then twice as long
	// each time, up to a day). The API stamps it on each partnership it starts, so a change
	// applies to partnerships started after it. Between a second and a day; 0 is an hour.
	TransferLookupAfter time.Duration `env:"TRANSFER_LOOKUP_AFTER" envDefault:"1h"`

	// MetricsAddr is where `partnerflow worker` serves /metrics (Temporal SDK and
	// partnerflow_* metrics) and /healthz; empty: no listener. The API serves both on
	// HTTP_ADDR already.
	MetricsAddr string `env:"METRICS_ADDR"`

	// WorkerCacheSize is how many workflows the worker keeps in memory between tasks (the SDK's
	// sticky cache; 0 keeps the SDK's default of 10,000). Each cached partnership costs about
	// 0.13 MiB, so the default of 1,000 bounds a worker's memory however many partnerships are
	// open (10,000 parked in about 0.2–0.3 GB, docs/benchmarks.md); one that was evicted is
	// replayed from its short history on its next task.
	WorkerCacheSize int `env:"WORKER_CACHE_SIZE" envDefault:"1000"`

	// WorkerWorkflowTaskPollers is how many long polls for workflow tasks the worker keeps
	// open (0: worker.DefaultWorkflowTaskPollers, 32; never 1).
	WorkerWorkflowTaskPollers int `env:"WORKER_WORKFLOW_TASK_POLLERS"`

	// FinanceEmail and AdminEmail are the deployment's finance and admin teams, who act on
	// every brand's partnerships: the worker e-mails them the reminders and missed deadlines
	// of their waits (payouts to trigger or approve; provider steps held for a retry). Empty
	// sends none; next_action, the work queues and the audit trail still show the wait.
	FinanceEmail string `env:"FINANCE_EMAIL"`
	AdminEmail   string `env:"ADMIN_EMAIL"`

	// VettingThresholds overrides the vetting defaults: a JSON object such as
	// {"clean_score": 70, "spike_growth": 0.5} (see vetting.ParseThresholds).
	VettingThresholds string `env:"VETTING_THRESHOLDS"`

	// Sandbox.
	SandboxPublicURL   string        `env:"SANDBOX_PUBLIC_URL"`
	SandboxWebhookURL  string        `env:"SANDBOX_WEBHOOK_URL"` // base URL of the API receiving webhooks
	SandboxSettleDelay time.Duration `env:"SANDBOX_SETTLE_DELAY" envDefault:"2s"`
}

// FromEnv reads PARTNERFLOW_* variables over the defaults.
func FromEnv() (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Prefix: "PARTNERFLOW_"}); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// SlogLevel parses LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("PARTNERFLOW_LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	return l, nil
}

// SandboxProviderURLs points every provider at a sandbox base URL.
func (c *Config) SandboxProviderURLs(base string) {
	base = strings.TrimRight(base, "/")
	c.SocialURL, c.ESignURL, c.PaymentsURL = base+"/social", base+"/esign", base+"/payments"
	c.CommerceURL, c.EmailURL = base+"/commerce", base+"/email"
}

// PreviousJWTSecrets are the HS256 secrets still accepted during a rotation, each exactly as
// given, like PARTNERFLOW_JWT_SECRET (a secret that was signed with is never trimmed); blank
// entries (an empty variable, a trailing comma) are left out.
func (c Config) PreviousJWTSecrets() [][]byte {
	var out [][]byte
	for _, p := range c.JWTPreviousSecrets {
		if strings.TrimSpace(p) != "" {
			out = append(out, []byte(p))
		}
	}
	return out
}

// ValidateAPI checks what `partnerflow api` needs.
func (c Config) ValidateAPI() error {
	var errs []error
	errs = append(errs, c.validateCommon()...)
	errs = append(errs, checkAddr("PARTNERFLOW_HTTP_ADDR", c.HTTPAddr))
	switch {
	case c.JWKSURL != "":
		errs = append(errs, checkURL("PARTNERFLOW_JWKS_URL", c.JWKSURL))
		if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
			errs = append(errs, errors.New("PARTNERFLOW_JWT_SECRET must be at least 32 characters when set"))
		}
	case len(c.JWTSecret) < 32:
		errs = append(errs, errors.New("PARTNERFLOW_JWT_SECRET must be set to at least 32 characters (or PARTNERFLOW_JWKS_URL to an identity provider's key set)"))
	}
	if len(c.PreviousJWTSecrets()) > 0 && c.JWTSecret == "" {
		errs = append(errs, errors.New("PARTNERFLOW_JWT_PREVIOUS_SECRETS needs PARTNERFLOW_JWT_SECRET: tokens are issued with the current secret"))
	}
	for i, p := range c.JWTPreviousSecrets {
		if strings.TrimSpace(p) != "" && len(p) < 32 {
			errs = append(errs, fmt.Errorf("PARTNERFLOW_JWT_PREVIOUS_SECRETS: entry %d must be at least 32 characters", i+1))
		}
	}
	if c.ESignWebhookSecret == "" || c.PaymentsWebhookSecret == "" {
		errs = append(errs, errors.New("PARTNERFLOW_ESIGN_WEBHOOK_SECRET and PARTNERFLOW_PAYMENTS_WEBHOOK_SECRET must be set"))
	}
	if err := c.CheckTransferLookupAfter(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// CheckTransferLookupAfter refuses a lookup wait under a second (the provider asked in a
// loop) or over a day (a lost webhook leaving a payout processing for longer); zero is the
// workflow's default, an hour.
func (c Config) CheckTransferLookupAfter() error {
	if c.TransferLookupAfter != 0 && (c.TransferLookupAfter < time.Second || c.TransferLookupAfter > 24*time.Hour) {
		return fmt.Errorf("PARTNERFLOW_TRANSFER_LOOKUP_AFTER: %s is not between 1s and 24h", c.TransferLookupAfter)
	}
	return nil
}

// ValidateWorker checks what `partnerflow worker` needs.
func (c Config) ValidateWorker() error {
	errs := c.validateCommon()
	for name, v := range map[string]string{
		"PARTNERFLOW_SOCIAL_URL": c.SocialURL, "PARTNERFLOW_ESIGN_URL": c.ESignURL, "PARTNERFLOW_PAYMENTS_URL": c.PaymentsURL,
		"PARTNERFLOW_COMMERCE_URL": c.CommerceURL, "PARTNERFLOW_EMAIL_URL": c.EmailURL,
	} {
		errs = append(errs, checkURL(name, v))
	}
	if _, err := vetting.ParseThresholds(c.VettingThresholds); err != nil {
		errs = append(errs, fmt.Errorf("PARTNERFLOW_VETTING_THRESHOLDS: %w", err))
	}
	if c.MetricsAddr != "" {
		errs = append(errs, checkAddr("PARTNERFLOW_METRICS_ADDR", c.MetricsAddr))
	}
	errs = append(errs, c.ValidateTeams())
	return errors.Join(errs...)
}

// ValidateTeams checks the finance and admin teams' addresses: each empty or one bare address.
func (c Config) ValidateTeams() error {
	return errors.Join(checkEmail("PARTNERFLOW_FINANCE_EMAIL", c.FinanceEmail), checkEmail("PARTNERFLOW_ADMIN_EMAIL", c.AdminEmail))
}

func (c Config) validateCommon() []error {
	var errs []error
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("PARTNERFLOW_LOG_FORMAT: %q is not text or json", c.LogFormat))
	}
	if c.DatabaseMaxConns < 0 || c.DatabaseMaxConns > 1000 {
		errs = append(errs, fmt.Errorf("PARTNERFLOW_DB_MAX_CONNS: %d is not between 0 and 1000", c.DatabaseMaxConns))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("PARTNERFLOW_DATABASE_URL must name the PostgreSQL database (postgres://...)"))
	}
	errs = append(errs, checkAddr("PARTNERFLOW_TEMPORAL_ADDRESS", c.TemporalAddress))
	if c.TemporalNamespace == "" {
		errs = append(errs, errors.New("PARTNERFLOW_TEMPORAL_NAMESPACE must not be empty"))
	}
	return append(errs, c.validateRuntime()...)
}

func checkAddr(name, v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("%s: %q is not host:port", name, v)
	}
	return nil
}

// checkEmail accepts an empty value (not set) or one bare address.
func checkEmail(name, v string) error {
	if v == "" {
		return nil
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		return fmt.Errorf("%s: %q is not an e-mail address", name, v)
	}
	return nil
}

func checkURL(name, v string) error {
	u, err := url.Parse(v)
	if v == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an http(s) URL", name, v)
	}
	return nil
}
