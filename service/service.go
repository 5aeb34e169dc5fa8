// Package service wires the processes together: logging, the database, the Temporal client,
// the provider clients, the API server and the worker. `partnerflow api`, `partnerflow worker`
// and the dev stack all start from here, so each is configured the same way.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/api"
	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/config"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/store"
	"github.com/partnerflow/partnerflow/vetting"
	"github.com/partnerflow/partnerflow/worker"
)

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	level, err := cfg.SlogLevel()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// OpenStore connects to the database and applies migrations.
func OpenStore(ctx context.Context, databaseURL, sqlitePath string, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, store.Config{URL: databaseURL, SQLitePath: sqlitePath})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// TemporalClientOptions are the SDK client options every process uses. On a loopback address
// (the dev stack) gRPC compression is off: there it only costs CPU, about 1.5% of a
// `partnerflow bench` run's profile for gzip alone (docs/benchmarks.md).
func TemporalClientOptions(address, namespace string, log *slog.Logger) client.Options {
	o := client.Options{
		HostPort: address, Namespace: namespace,
		Logger: sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	}
	if isLoopback(address) {
		o.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	return o
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

// DialTemporal connects to the Temporal frontend, with the SDK's logs routed into slog. It
// retries for up to wait so processes can start before the server is ready.
func DialTemporal(ctx context.Context, address, namespace string, log *slog.Logger, wait time.Duration) (client.Client, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := client.DialContext(ctx, TemporalClientOptions(address, namespace, log))
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to Temporal at %s: %w", address, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Providers builds one client per provider from the configuration. Each provider gets its
// own credential when one is set, the shared PARTNERFLOW_PROVIDER_API_KEY otherwise.
func Providers(cfg config.Config, log *slog.Logger) providers.Set {
	client := func(url, key string) providers.ClientConfig {
		if key == "" {
			key = cfg.ProviderAPIKey
		}
		return providers.ClientConfig{BaseURL: url, APIKey: key, Timeout: cfg.ProviderTimeout, Logger: log}
	}
	return providers.Set{
		Social:   providers.NewSocialClient(client(cfg.SocialURL, cfg.SocialAPIKey)),
		ESign:    providers.NewESignClient(client(cfg.ESignURL, cfg.ESignAPIKey)),
		Payments: providers.NewPaymentsClient(client(cfg.PaymentsURL, cfg.PaymentsAPIKey)),
		Commerce: providers.NewCommerceClient(client(cfg.CommerceURL, cfg.CommerceAPIKey)),
		Email:    providers.NewEmailClient(client(cfg.EmailURL, cfg.EmailAPIKey)),
	}
}

// NewAPI builds the API server. With PARTNERFLOW_JWKS_URL the identity provider's key set is
// fetched now (and refreshed until ctx ends), so a wrong URL fails at start.
func NewAPI(ctx context.Context, cfg config.Config, st *store.Store, tc client.Client, log *slog.Logger) (*api.Server, error) {
	v, err := auth.NewVerifier(ctx, []byte(cfg.JWTSecret), cfg.JWKSURL)
	if err != nil {
		return nil, err
	}
	return api.New(api.Config{
		JWTSecret:             []byte(cfg.JWTSecret),
		Verifier:              v,
		ESignWebhookSecret:    []byte(cfg.ESignWebhookSecret),
		PaymentsWebhookSecret: []byte(cfg.PaymentsWebhookSecret),
		CORSOrigins:           cfg.CORSOrigins,
		RateLimit:             50,
	}, st, api.TemporalWorkflows{Client: tc}, log.With("component", "api")), nil
}

// RunWorker runs the partnership worker until ctx is done.
func RunWorker(ctx context.Context, cfg config.Config, st *store.Store, tc client.Client, log *slog.Logger) error {
	th, err := vetting.ParseThresholds(cfg.VettingThresholds)
	if err != nil {
		return err
	}
	if cfg.WorkerCacheSize < 0 {
		return fmt.Errorf("PARTNERFLOW_WORKER_CACHE_SIZE must not be negative, got %d", cfg.WorkerCacheSize)
	}
	if cfg.WorkerCacheSize > 0 {
		// Process-wide in the SDK; it takes effect for workers started after it.
		sdkworker.SetStickyWorkflowCacheSize(cfg.WorkerCacheSize)
	}
	acts := &activities.Activities{Store: st, Providers: Providers(cfg, log.With("component", "providers")), Vetting: &th}
	w := worker.New(tc, acts, worker.Options{})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// Serve runs an HTTP server on addr until ctx is done, then shuts it down gracefully.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, ln, h, log)
}

// ServeListener is Serve on an open listener.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 90 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
