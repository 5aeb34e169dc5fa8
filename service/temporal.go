package service

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/config"
	"github.com/partnerflow/partnerflow/payloadcodec"
)

// TemporalClientOptions builds the client options both the API and the worker use, so they
// agree on TLS, credentials, payload encryption, metrics and tracing: cfg's TemporalAddress,
// TemporalNamespace, TEMPORAL_TLS_*, TEMPORAL_API_KEY and PAYLOAD_KEYS. tel may be nil (no
// metrics, no tracing). Workers created from the client inherit its data converter,
// interceptors and metrics handler.
func TemporalClientOptions(cfg config.Config, tel *Telemetry, log *slog.Logger) (client.Options, error) {
	opts := client.Options{
		HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
		Logger: sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	}
	if isLoopback(cfg.TemporalAddress) {
		// On this machine (the dev stack) gzip only costs CPU: about 1.5% of a
		// `partnerflow bench` run's profile (docs/benchmarks.md).
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	tlsCfg, err := cfg.TemporalTLSConfig()
	if err != nil {
		return opts, err
	}
	opts.ConnectionOptions.TLS = tlsCfg
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	dc, err := DataConverter(cfg)
	if err != nil {
		return opts, err
	}
	if dc != nil {
		opts.DataConverter = dc
		// Failure messages and stack traces can quote payload data; with encryption on they
		// travel as an encoded payload too.
		opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: dc, EncodeCommonAttributes: true,
		})
	}
	if tel != nil {
		opts.MetricsHandler = tel.TemporalMetrics(log)
		if tel.Tracing() {
			ti, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
				Tracer: tel.TracerProvider.Tracer("go.temporal.io/sdk"), TextMapPropagator: tel.Propagator,
			})
			if err != nil {
				return opts, fmt.Errorf("temporal tracing: %w", err)
			}
			opts.Interceptors = []interceptor.ClientInterceptor{ti}
		}
	}
	return opts, nil
}

func isLoopback(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DataConverter is the default converter wrapped in the payload codec when
// PARTNERFLOW_PAYLOAD_KEYS is set; nil (the SDK default) otherwise.
func DataConverter(cfg config.Config) (converter.DataConverter, error) {
	codec, err := PayloadCodec(cfg)
	if codec == nil || err != nil {
		return nil, err
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec), nil
}

// PayloadCodec is the encrypting codec of PARTNERFLOW_PAYLOAD_KEYS, nil when unset.
func PayloadCodec(cfg config.Config) (*payloadcodec.Codec, error) {
	keys, err := cfg.PayloadCodecKeys()
	if keys == nil || err != nil {
		return nil, err
	}
	return payloadcodec.New(keys)
}

// DialTemporal connects to the Temporal frontend with TemporalClientOptions. It retries for
// up to wait so processes can start before the server is ready; configuration errors (a bad
// certificate, a bad key list) fail at once.
func DialTemporal(ctx context.Context, cfg config.Config, tel *Telemetry, log *slog.Logger, wait time.Duration) (client.Client, error) {
	opts, err := TemporalClientOptions(cfg, tel, log)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
