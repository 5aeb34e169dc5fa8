// Package devdata reads and writes what a `partnerflow dev` data dir holds for other processes:
// the generated secrets and the addresses the running stack serves. It imports no server code,
// so the production binary (built with -tags nodev) can still join a dev stack.
package devdata

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/partnerflow/partnerflow/config"
)

// Secrets are generated on the first `partnerflow dev` and kept in the data dir (mode 0600),
// so tokens stay valid and webhooks keep verifying across restarts.
type Secrets struct {
	JWTSecret             string `json:"jwt_secret"`
	ESignWebhookSecret    string `json:"esign_webhook_secret"`
	PaymentsWebhookSecret string `json:"payments_webhook_secret"`
}

// Endpoints are what a process joining the dev stack (`partnerflow worker --data-dir`) needs.
type Endpoints struct {
	TemporalAddress   string `json:"temporal_address"`
	TemporalNamespace string `json:"temporal_namespace"`
	DatabaseURL       string `json:"database_url,omitempty"`
	SQLitePath        string `json:"sqlite_path,omitempty"`
	SandboxURL        string `json:"sandbox_url"`
	APIURL            string `json:"api_url"`
}

const (
	secretsFile   = "secrets.json"
	endpointsFile = "endpoints.json"
)

// LoadOrCreateSecrets reads the data dir's secrets, creating them on first use.
func LoadOrCreateSecrets(dataDir string) (Secrets, error) {
	var s Secrets
	path := filepath.Join(dataDir, secretsFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &s); err != nil || s.JWTSecret == "" {
			return s, fmt.Errorf("%s is corrupt; delete it to generate new secrets", path)
		}
		return s, nil
	case !errors.Is(err, fs.ErrNotExist):
		return s, err
	}
	s = Secrets{JWTSecret: randomHex(32), ESignWebhookSecret: randomHex(32), PaymentsWebhookSecret: randomHex(32)}
	raw, _ = json.MarshalIndent(s, "", "  ")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return s, err
	}
	return s, writeFileAtomic(path, raw, 0o600)
}

// LoadSecrets reads the data dir's secrets; they must exist.
func LoadSecrets(dataDir string) (Secrets, error) {
	var s Secrets
	raw, err := os.ReadFile(filepath.Join(dataDir, secretsFile))
	if err != nil {
		return s, fmt.Errorf("no dev secrets in %s (run `partnerflow dev --data-dir %s` first): %w", dataDir, dataDir, err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, err
	}
	return s, nil
}

// SaveEndpoints records where the running dev stack serves.
func SaveEndpoints(dataDir string, e Endpoints) error {
	raw, _ := json.MarshalIndent(e, "", "  ")
	return writeFileAtomic(filepath.Join(dataDir, endpointsFile), raw, 0o600)
}

// LoadEndpoints reads where the dev stack on dataDir serves.
func LoadEndpoints(dataDir string) (Endpoints, error) {
	var e Endpoints
	raw, err := os.ReadFile(filepath.Join(dataDir, endpointsFile))
	if err != nil {
		return e, fmt.Errorf("no running dev stack recorded in %s (start `partnerflow dev --data-dir %s`): %w", dataDir, dataDir, err)
	}
	return e, json.Unmarshal(raw, &e)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// The dev stack's finance and admin teams (Config).
const (
	DevFinanceEmail = "finance@example.com"
	DevAdminEmail   = "admin@example.com"
)

// Config is the process configuration of a component joining the dev stack: the stack's
// secrets and providers pointing at its sandbox. The environment's PARTNERFLOW_PAYLOAD_KEYS,
// PARTNERFLOW_OTEL_* and the teams' addresses apply; the Temporal TLS settings do not, since
// the embedded server speaks plaintext.
func Config(s Secrets, sandboxURL string) config.Config {
	cfg, _ := config.FromEnv()
	cfg.JWTSecret, cfg.ESignWebhookSecret, cfg.PaymentsWebhookSecret = s.JWTSecret, s.ESignWebhookSecret, s.PaymentsWebhookSecret
	cfg.SandboxProviderURLs(sandboxURL)
	cfg.TemporalTLS, cfg.TemporalTLSCAFile, cfg.TemporalTLSCertFile, cfg.TemporalTLSKeyFile = false, "", "", ""
	cfg.TemporalTLSServerName, cfg.TemporalAPIKey = "", ""
	// The teams' reminders land in the sandbox's outbox like everyone else's (example.com is
	// reserved for examples, RFC 2606), unless the environment names real addresses.
	cfg.FinanceEmail = cmp.Or(cfg.FinanceEmail, DevFinanceEmail)
	cfg.AdminEmail = cmp.Or(cfg.AdminEmail, DevAdminEmail)
	return cfg
}
