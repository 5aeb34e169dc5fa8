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

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.temporal.io/sdk/client"
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
		return slog.New(traceHandler{slog.NewJSONHandler(w, opts)}), nil
	}
	return slog.New(traceHandler{slog.NewTextHandler(w, opts)}), nil
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

// API is the API process's HTTP handler: the REST API and, with payload encryption on, the
// admin-only codec endpoint the Temporal UI and CLI decode payloads with.
type API struct {
	// Server is the REST API.
	Server  *api.Server
	handler http.Handler
}

// Handler is the root HTTP handler.
func (a *API) Handler() http.Handler { return a.handler }

// NewAPI builds the API server. With PARTNERFLOW_JWKS_URL the identity provider's key set is
// fetched now (and refreshed until ctx ends), so a wrong URL fails at start. Its /metrics
// serves tel's registry and, with tracing on, every request gets a server span whose context
// flows into the Temporal calls it makes.
//
// The codec endpoint is mounted here, beside the Echo router rather than in it: it speaks the
// Temporal SDK's codec protocol (no Idempotency-Key, no problem+json contract, called by the
// Temporal UI) rather than the product API that openapi.yaml documents, and it is only there
// when PARTNERFLOW_PAYLOAD_KEYS is set.
func NewAPI(ctx context.Context, cfg config.Config, st *store.Store, tc client.Client, tel *Telemetry, log *slog.Logger) (*API, error) {
	v, err := auth.NewVerifier(ctx, []byte(cfg.JWTSecret), cfg.JWKSURL, cfg.PreviousJWTSecrets()...)
	if err != nil {
		return nil, err
	}
	codec, err := PayloadCodec(cfg)
	if err != nil {
		return nil, err
	}
	acfg := api.Config{
		JWTSecret:             []byte(cfg.JWTSecret),
		Verifier:              v,
		ESignWebhookSecret:    []byte(cfg.ESignWebhookSecret),
		PaymentsWebhookSecret: []byte(cfg.PaymentsWebhookSecret),
		CORSOrigins:           cfg.CORSOrigins,
		RateLimit:             50,
		Registry:              tel.Registry,
		TransferLookupAfter:   cfg.TransferLookupAfter,
	}
	if tel.Tracing() {
		acfg.Middleware = append(acfg.Middleware, otelecho.Middleware(tel.ServiceName,
			otelecho.WithTracerProvider(tel.TracerProvider), otelecho.WithPropagators(tel.Propagator),
			otelecho.WithSkipper(func(c echo.Context) bool {
				// Probes and scrapes every few seconds would drown the traces that matter.
				switch c.Request().URL.Path {
				case "/healthz", "/readyz", "/metrics":
					return true
				}
				return false
			})))
	}
	srv := api.New(acfg, st, api.TemporalWorkflows{Client: tc}, log.With("component", "api"))
	if codec == nil {
		return &API{Server: srv, handler: srv.Handler()}, nil
	}
	mux := http.NewServeMux()
	mux.Handle(CodecPath, codecHandler(codec, v, cfg.CodecCORSOrigins, log.With("component", "codec")))
	mux.Handle("/", srv.Handler())
	return &API{Server: srv, handler: mux}, nil
}

// Serve runs the API on addr until ctx is done: its HTTP server and its background work (the
// reconciler that removes creates whose workflow never started), both stopped before it
// returns.
func (a *API) Serve(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return a.ServeListener(ctx, ln, log)
}

// ServeListener is Serve on an open listener.
func (a *API) ServeListener(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	bg, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Server.RunReconciler(bg)
	}()
	defer func() {
		stop()
		<-done
	}()
	return ServeListener(ctx, ln, a.handler, log)
}

// RunWorker runs the partnership worker until ctx is done or the worker fails for good (say
// its namespace does not exist). While it polls, tel reports it healthy and refreshes the
// overdue-partnerships gauge.
func RunWorker(ctx context.Context, cfg config.Config, st *store.Store, tc client.Client, tel *Telemetry, log *slog.Logger) error {
	th, err := vetting.ParseThresholds(cfg.VettingThresholds)
	if err != nil {
		return err
	}
	if cfg.WorkerCacheSize < 0 {
		return fmt.Errorf("PARTNERFLOW_WORKER_CACHE_SIZE must not be negative, got %d", cfg.WorkerCacheSize)
	}
	wopts := worker.Options{WorkflowTaskPollers: cfg.WorkerWorkflowTaskPollers}
	if err := wopts.Validate(); err != nil {
		return fmt.Errorf("PARTNERFLOW_WORKER_WORKFLOW_TASK_POLLERS: %w", err)
	}
	if cfg.WorkerCacheSize > 0 {
		// Process-wide in the SDK; it takes effect for workers started after it.
		sdkworker.SetStickyWorkflowCacheSize(cfg.WorkerCacheSize)
	}
	acts := &activities.Activities{Store: st, Providers: Providers(cfg, log.With("component", "providers")), Vetting: &th,
		Teams: activities.Teams{Finance: cfg.FinanceEmail, Admin: cfg.AdminEmail}}
	fatal := make(chan error, 1)
	wopts.OnFatalError = func(err error) {
		select {
		case fatal <- err:
		default:
		}
	}
	w := worker.New(tc, acts, wopts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	tel.workerRunning.Store(true)
	defer tel.workerRunning.Store(false)
	overdueCtx, stopOverdue := context.WithCancel(ctx)
	defer stopOverdue()
	go tel.trackOverdue(overdueCtx, st, time.Minute, log)
	select {
	case <-ctx.Done():
		w.Stop()
		return nil
	case err := <-fatal:
		tel.workerRunning.Store(false)
		w.Stop()
		return fmt.Errorf("worker stopped: %w", err)
	}
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
