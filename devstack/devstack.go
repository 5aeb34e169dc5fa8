// Package devstack runs the whole of Partnerflow in one process for `partnerflow dev`, the
// end-to-end tests and the benchmarks: an in-process Temporal server on a SQLite file, the app
// database (SQLite in the data dir, or PostgreSQL), the provider sandbox, the API and a worker.
// Everything is kept in the data dir, so a later run resumes every partnership in flight.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/devserver"
	"github.com/partnerflow/partnerflow/sandbox"
	"github.com/partnerflow/partnerflow/service"
)

// Namespace is the Temporal namespace of the dev stack.
const Namespace = "default"

// Options configures the stack. Addresses with port 0 get a free port.
type Options struct {
	DataDir      string
	HTTPAddr     string
	SandboxAddr  string
	TemporalPort int
	DatabaseURL  string
	Worker       bool
	// SettleDelay is how long sandbox transfers stay pending.
	SettleDelay time.Duration
	// EphemeralSandbox keeps the sandbox's state in memory instead of the data dir. The
	// benchmarks use it: the sandbox stands in for providers with no latency, and persisting
	// its whole state on every call would make it the bottleneck.
	EphemeralSandbox bool
	Logger           *slog.Logger
	// TemporalLogLevel filters the embedded server's logs (it is chatty below Warn).
	TemporalLogLevel slog.Level
	// Ready is called once everything serves.
	Ready func(Info)
}

// Info says where the running stack serves.
type Info struct {
	APIURL          string
	SandboxURL      string
	TemporalAddress string
	Secrets         devdata.Secrets
	DataDir         string
	Database        string
}

// Run starts the stack and blocks until ctx is done, then shuts everything down in order.
func Run(ctx context.Context, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return err
	}
	secrets, err := devdata.LoadOrCreateSecrets(dataDir)
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	apiLn, err := net.Listen("tcp", opts.HTTPAddr)
	if err != nil {
		return fmt.Errorf("API address %s: %w", opts.HTTPAddr, err)
	}
	defer func() { _ = apiLn.Close() }()
	sbLn, err := net.Listen("tcp", opts.SandboxAddr)
	if err != nil {
		return fmt.Errorf("sandbox address %s: %w", opts.SandboxAddr, err)
	}
	defer func() { _ = sbLn.Close() }()
	apiURL, sandboxURL := "http://"+apiLn.Addr().String(), "http://"+sbLn.Addr().String()

	temporal, err := devserver.Start(devserver.Options{
		DatabaseFile: filepath.Join(dataDir, "temporal.db"), FrontendPort: opts.TemporalPort, Namespace: Namespace,
		Logger: log, LogLevel: opts.TemporalLogLevel,
	})
	if err != nil {
		return err
	}
	defer temporal.Stop()

	sqlitePath := ""
	if opts.DatabaseURL == "" {
		sqlitePath = filepath.Join(dataDir, "partnerflow.db")
	}
	st, err := service.OpenStore(ctx, opts.DatabaseURL, sqlitePath, log)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()

	statePath := filepath.Join(dataDir, "sandbox.json")
	if opts.EphemeralSandbox {
		statePath = ""
	}
	sb, err := sandbox.New(sandbox.Config{
		StatePath: statePath, PublicURL: sandboxURL,
		ESignWebhookURL: apiURL + "/v1/webhooks/esign", PaymentsWebhookURL: apiURL + "/v1/webhooks/payments",
		ESignWebhookSecret: []byte(secrets.ESignWebhookSecret), PaymentsWebhookSecret: []byte(secrets.PaymentsWebhookSecret),
		SettleDelay: opts.SettleDelay, Logger: log.With("component", "sandbox"),
	})
	if err != nil {
		return err
	}

	cfg := devdata.Config(secrets, sandboxURL)
	cfg.TemporalAddress, cfg.TemporalNamespace = temporal.Address(), Namespace
	tel, err := service.NewTelemetry(ctx, cfg, "partnerflow-dev")
	if err != nil {
		return err
	}
	defer func() { _ = tel.Close() }()
	tc, err := service.DialTemporal(ctx, cfg, tel, log, 30*time.Second)
	if err != nil {
		return err
	}
	defer tc.Close()

	apiServer, err := service.NewAPI(ctx, cfg, st, tc, tel, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	run("sandbox", func() error { return sb.Run(ctx) })
	run("sandbox http", func() error { return service.ServeListener(ctx, sbLn, sb.Handler(), log) })
	run("api http", func() error { return apiServer.ServeListener(ctx, apiLn, log) })
	if opts.Worker {
		run("worker", func() error { return service.RunWorker(ctx, cfg, st, tc, tel, log) })
	}

	database := "sqlite:" + sqlitePath
	if opts.DatabaseURL != "" {
		database = "postgres"
	}
	if err := devdata.SaveEndpoints(dataDir, devdata.Endpoints{TemporalAddress: temporal.Address(), TemporalNamespace: Namespace,
		DatabaseURL: opts.DatabaseURL, SQLitePath: sqlitePath, SandboxURL: sandboxURL, APIURL: apiURL}); err != nil {
		return err
	}
	if opts.Ready != nil {
		opts.Ready(Info{APIURL: apiURL, SandboxURL: sandboxURL, TemporalAddress: temporal.Address(), Secrets: secrets,
			DataDir: dataDir, Database: database})
	}
	<-ctx.Done()
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}
