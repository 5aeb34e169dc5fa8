package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/partnerflow/partnerflow/payloadcodec"
)

// TemporalTLSEnabled reports whether the Temporal connection uses TLS: asked for with
// PARTNERFLOW_TEMPORAL_TLS, or implied by a CA, a client certificate, a server name or an
// API key.
func (c Config) TemporalTLSEnabled() bool {
	return c.TemporalTLS || c.TemporalTLSCAFile != "" || c.TemporalTLSCertFile != "" || c.TemporalTLSKeyFile != "" ||
		c.TemporalTLSServerName != "" || c.TemporalAPIKey != ""
}

// TemporalTLSConfig builds the TLS configuration of the Temporal connection from the
// PARTNERFLOW_TEMPORAL_TLS_* variables, reading the files now so a wrong path or a mismatched
// certificate and key fail at start. It returns nil when TLS is off.
func (c Config) TemporalTLSConfig() (*tls.Config, error) {
	if !c.TemporalTLSEnabled() {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TemporalTLSServerName}
	var errs []error
	if c.TemporalTLSCAFile != "" {
		pem, err := os.ReadFile(c.TemporalTLSCAFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("PARTNERFLOW_TEMPORAL_TLS_CA_FILE: %w", err))
		default:
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("PARTNERFLOW_TEMPORAL_TLS_CA_FILE: %s holds no PEM certificate", c.TemporalTLSCAFile))
			}
		}
	}
	switch {
	case (c.TemporalTLSCertFile == "") != (c.TemporalTLSKeyFile == ""):
		errs = append(errs, errors.New("PARTNERFLOW_TEMPORAL_TLS_CERT_FILE and PARTNERFLOW_TEMPORAL_TLS_KEY_FILE must be set together (the mTLS client certificate and its key)"))
	case c.TemporalTLSCertFile != "":
		errs = append(errs, readable("PARTNERFLOW_TEMPORAL_TLS_CERT_FILE", c.TemporalTLSCertFile),
			readable("PARTNERFLOW_TEMPORAL_TLS_KEY_FILE", c.TemporalTLSKeyFile))
		if errors.Join(errs...) == nil {
			cert, err := tls.LoadX509KeyPair(c.TemporalTLSCertFile, c.TemporalTLSKeyFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("PARTNERFLOW_TEMPORAL_TLS_CERT_FILE/PARTNERFLOW_TEMPORAL_TLS_KEY_FILE: not a matching PEM certificate and key: %w", err))
			} else {
				tc.Certificates = []tls.Certificate{cert}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return tc, nil
}

// PayloadCodecKeys parses PARTNERFLOW_PAYLOAD_KEYS; nil means payloads are not encrypted.
func (c Config) PayloadCodecKeys() ([]payloadcodec.Key, error) {
	if c.PayloadKeys == "" {
		return nil, nil
	}
	keys, err := payloadcodec.ParseKeys(c.PayloadKeys)
	if err != nil {
		return nil, fmt.Errorf("PARTNERFLOW_PAYLOAD_KEYS: %w (want id:base64-key[,id:base64-key...])", err)
	}
	return keys, nil
}

// validateRuntime checks the Temporal security, payload encryption and telemetry settings
// the api and the worker share.
func (c Config) validateRuntime() []error {
	var errs []error
	if _, err := c.TemporalTLSConfig(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.PayloadCodecKeys(); err != nil {
		errs = append(errs, err)
	}
	if c.OTelEndpoint != "" {
		// The OTLP/gRPC exporter takes host:port; a URL here would be read as host "http".
		if strings.Contains(c.OTelEndpoint, "/") {
			errs = append(errs, fmt.Errorf("PARTNERFLOW_OTEL_ENDPOINT: %q is not host:port (no scheme: the collector's OTLP/gRPC port, e.g. otel-collector:4317)", c.OTelEndpoint))
		} else {
			errs = append(errs, checkAddr("PARTNERFLOW_OTEL_ENDPOINT", c.OTelEndpoint))
		}
	}
	return errs
}

func readable(name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return f.Close()
}
