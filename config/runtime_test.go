package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

func validWorker() Config {
	c := Config{LogLevel: "info", LogFormat: "text", TemporalAddress: "t:7233", TemporalNamespace: "default", DatabaseURL: "postgres://x"}
	c.SandboxProviderURLs("http://127.0.0.1:8090")
	return c
}

func TestFromEnvReadsRuntimeVariables(t *testing.T) {
	t.Setenv("PARTNERFLOW_TEMPORAL_TLS", "true")
	t.Setenv("PARTNERFLOW_TEMPORAL_API_KEY", "cloud-key")
	t.Setenv("PARTNERFLOW_PAYLOAD_KEYS", "k1:"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
	t.Setenv("PARTNERFLOW_OTEL_ENDPOINT", "otel-collector:4317")
	t.Setenv("PARTNERFLOW_METRICS_ADDR", ":9090")
	c, err := FromEnv()
	require.NoError(t, err)
	require.True(t, c.TemporalTLS)
	require.Equal(t, "cloud-key", c.TemporalAPIKey)
	require.Equal(t, "otel-collector:4317", c.OTelEndpoint)
	require.True(t, c.OTelInsecure)
	require.Equal(t, ":9090", c.MetricsAddr)
	keys, err := c.PayloadCodecKeys()
	require.NoError(t, err)
	require.Equal(t, "k1", keys[0].ID)
}

func TestTemporalTLSConfig(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, "client")
	otherCert, _ := writeCert(t, dir, "other")

	tc, err := validWorker().TemporalTLSConfig()
	require.NoError(t, err)
	require.Nil(t, tc, "plaintext unless asked for")

	c := validWorker()
	c.TemporalAPIKey = "key"
	tc, err = c.TemporalTLSConfig()
	require.NoError(t, err)
	require.NotNil(t, tc, "an API key implies TLS")
	require.Nil(t, tc.RootCAs, "system roots")

	c = validWorker()
	c.TemporalTLSCAFile, c.TemporalTLSCertFile, c.TemporalTLSKeyFile, c.TemporalTLSServerName = otherCert, certFile, keyFile, "temporal.internal"
	tc, err = c.TemporalTLSConfig()
	require.NoError(t, err)
	require.Len(t, tc.Certificates, 1)
	require.NotNil(t, tc.RootCAs)
	require.Equal(t, "temporal.internal", tc.ServerName)
	require.NoError(t, c.ValidateWorker())
}

func TestTemporalTLSErrorsNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, "client")
	_, otherKey := writeCert(t, dir, "other")
	notPEM := filepath.Join(dir, "ca.txt")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))

	cases := []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"missing CA", func(c *Config) { c.TemporalTLSCAFile = filepath.Join(dir, "nope.pem") }, "PARTNERFLOW_TEMPORAL_TLS_CA_FILE: open"},
		{"CA not PEM", func(c *Config) { c.TemporalTLSCAFile = notPEM }, "PARTNERFLOW_TEMPORAL_TLS_CA_FILE: " + notPEM + " holds no PEM certificate"},
		{"cert without key", func(c *Config) { c.TemporalTLSCertFile = certFile }, "must be set together"},
		{"key without cert", func(c *Config) { c.TemporalTLSKeyFile = keyFile }, "must be set together"},
		{"unreadable key", func(c *Config) { c.TemporalTLSCertFile, c.TemporalTLSKeyFile = certFile, filepath.Join(dir, "x.key") }, "PARTNERFLOW_TEMPORAL_TLS_KEY_FILE: open"},
		{"mismatched pair", func(c *Config) { c.TemporalTLSCertFile, c.TemporalTLSKeyFile = certFile, otherKey }, "not a matching PEM certificate and key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validWorker()
			tc.set(&c)
			require.ErrorContains(t, c.ValidateWorker(), tc.want)
		})
	}
}

func TestRuntimeVariablesAreValidated(t *testing.T) {
	c := validWorker()
	c.PayloadKeys, c.OTelEndpoint, c.MetricsAddr = "k1:c2hvcnQ=", "http://collector", "9090"
	err := c.ValidateWorker()
	require.Error(t, err)
	for _, want := range []string{"PARTNERFLOW_PAYLOAD_KEYS: key \"k1\" is 5 bytes", "PARTNERFLOW_OTEL_ENDPOINT", "PARTNERFLOW_METRICS_ADDR"} {
		require.ErrorContains(t, err, want)
	}
	require.False(t, strings.Contains(err.Error(), "c2hvcnQ="), "no key material in errors")

	api := Config{LogLevel: "info", LogFormat: "json", HTTPAddr: "127.0.0.1:8080", TemporalAddress: "t:7233", TemporalNamespace: "default",
		DatabaseURL: "postgres://x", JWTSecret: strings.Repeat("s", 32), ESignWebhookSecret: "a", PaymentsWebhookSecret: "b",
		PayloadKeys: "no-colon"}
	require.ErrorContains(t, api.ValidateAPI(), "PARTNERFLOW_PAYLOAD_KEYS")
}
