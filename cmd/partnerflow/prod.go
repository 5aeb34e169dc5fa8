package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/partnerflow/partnerflow/config"
	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/sandbox"
	"github.com/partnerflow/partnerflow/service"
	"github.com/partnerflow/partnerflow/store"
)

// runAPI is the production API process.
func runAPI(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if err := cfg.ValidateAPI(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log, err := service.NewLogger(cfg, stderr)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, MaxOpenConns: cfg.DatabaseMaxConns})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	tel, err := service.NewTelemetry(ctx, cfg, "partnerflow-api")
	if err != nil {
		return err
	}
	defer func() { _ = tel.Close() }()
	tc, err := service.DialTemporal(ctx, cfg, tel, log, time.Minute)
	if err != nil {
		return err
	}
	defer tc.Close()
	srv, err := service.NewAPI(ctx, cfg, st, tc, tel, log)
	if err != nil {
		return err
	}
	log.Info("partnerflow api listening", "addr", cfg.HTTPAddr, "tracing", tel.Tracing(), "payload_encryption", cfg.PayloadKeys != "")
	return srv.Serve(ctx, cfg.HTTPAddr, log)
}

// runWorker is the worker process: production (environment) or joining a dev stack (--data-dir).
func runWorker(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "join the \"partnerflow dev\" stack on this data dir (same Temporal, database and sandbox)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	sqlitePath := ""
	if *dataDir != "" {
		abs, _ := filepath.Abs(*dataDir)
		ep, err := devdata.LoadEndpoints(abs)
		if err != nil {
			return err
		}
		secrets, err := devdata.LoadSecrets(abs)
		if err != nil {
			return err
		}
		cfg = devdata.Config(secrets, ep.SandboxURL)
		cfg.TemporalAddress, cfg.TemporalNamespace, cfg.DatabaseURL, sqlitePath = ep.TemporalAddress, ep.TemporalNamespace, ep.DatabaseURL, ep.SQLitePath
	} else if err := cfg.ValidateWorker(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log, err := service.NewLogger(cfg, stderr)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, SQLitePath: sqlitePath, MaxOpenConns: cfg.DatabaseMaxConns})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	tel, err := service.NewTelemetry(ctx, cfg, "partnerflow-worker")
	if err != nil {
		return err
	}
	defer func() { _ = tel.Close() }()
	tc, err := service.DialTemporal(ctx, cfg, tel, log, time.Minute)
	if err != nil {
		return err
	}
	defer tc.Close()
	// Deferred in this order so the metrics listener is told to stop before it is waited for.
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("PARTNERFLOW_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := service.ServeListener(ctx, ln, tel.WorkerHandler(), log); err != nil {
				log.Error("metrics listener stopped", "err", err)
				cancel()
			}
		}()
		log.Info("partnerflow worker metrics listening", "addr", ln.Addr().String())
	}
	log.Info("partnerflow worker started", "temporal", cfg.TemporalAddress, "tracing", tel.Tracing(), "payload_encryption", cfg.PayloadKeys != "")
	return service.RunWorker(ctx, cfg, st, tc, tel, log)
}

// runMigrate applies (or with --down-to, rolls back) database migrations.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (default $PARTNERFLOW_DATABASE_URL)")
	sqlite := fs.String("sqlite", "", "migrate this SQLite file instead")
	downTo := fs.Int64("down-to", -1, "roll back to this version instead of migrating up")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" && *sqlite == "" {
		return errors.New("set PARTNERFLOW_DATABASE_URL, --database-url or --sqlite")
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, SQLitePath: *sqlite})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	if *downTo >= 0 {
		err = st.MigrateDownTo(ctx, *downTo)
	} else {
		err = st.Migrate(ctx)
	}
	if err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database schema at version %d\n", v)
	return nil
}

// runSandbox serves the provider sandbox alone.
func runSandbox(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.SandboxAddr, "addr", cfg.SandboxAddr, "listen address")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "where the sandbox keeps its state")
	fs.StringVar(&cfg.SandboxPublicURL, "public-url", cfg.SandboxPublicURL, "URL people and the API use to reach the sandbox (default http://<addr>)")
	fs.StringVar(&cfg.SandboxWebhookURL, "webhook-url", cfg.SandboxWebhookURL, "base URL of the API that receives webhooks, e.g. http://127.0.0.1:8080")
	fs.DurationVar(&cfg.SandboxSettleDelay, "settle-delay", cfg.SandboxSettleDelay, "how long transfers stay pending")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := service.NewLogger(cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.SandboxPublicURL == "" {
		cfg.SandboxPublicURL = "http://" + cfg.SandboxAddr
	}
	sc := sandbox.Config{StatePath: filepath.Join(cfg.DataDir, "sandbox.json"), PublicURL: cfg.SandboxPublicURL,
		SettleDelay: cfg.SandboxSettleDelay, Logger: log,
		ESignWebhookSecret: []byte(cfg.ESignWebhookSecret), PaymentsWebhookSecret: []byte(cfg.PaymentsWebhookSecret)}
	if cfg.SandboxWebhookURL != "" {
		sc.ESignWebhookURL, sc.PaymentsWebhookURL = cfg.SandboxWebhookURL+"/v1/webhooks/esign", cfg.SandboxWebhookURL+"/v1/webhooks/payments"
	}
	sb, err := sandbox.New(sc)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = sb.Run(ctx) }()
	log.Info("partnerflow sandbox listening", "addr", cfg.SandboxAddr)
	err = service.Serve(ctx, cfg.SandboxAddr, sb.Handler(), log)
	wg.Wait()
	return err
}
