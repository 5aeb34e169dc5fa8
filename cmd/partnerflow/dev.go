//go:build !nodev

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/partnerflow/partnerflow/config"
	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/service"
)

func init() { devCommands["dev"] = runDev }

// runDev runs the whole system on one machine (see API.md, `partnerflow dev`).
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "where Temporal, the database, the sandbox and the secrets live")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "API listen address")
	fs.StringVar(&cfg.SandboxAddr, "sandbox-addr", cfg.SandboxAddr, "provider sandbox listen address")
	fs.IntVar(&cfg.TemporalPort, "temporal-port", cfg.TemporalPort, "Temporal frontend gRPC port")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL; empty uses SQLite in the data dir")
	fs.BoolVar(&cfg.RunWorker, "worker", cfg.RunWorker, "run a worker in this process (false: start \"partnerflow worker --data-dir\" yourself)")
	fs.DurationVar(&cfg.SandboxSettleDelay, "settle-delay", cfg.SandboxSettleDelay, "how long sandbox transfers stay pending")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(cfg.ValidateTeams(), cfg.CheckTransferLookupAfter()); err != nil {
		return err
	}
	log, err := service.NewLogger(cfg, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	return devstack.Run(ctx, devstack.Options{
		DataDir: cfg.DataDir, HTTPAddr: cfg.HTTPAddr, SandboxAddr: cfg.SandboxAddr, TemporalPort: cfg.TemporalPort,
		DatabaseURL: cfg.DatabaseURL, Worker: cfg.RunWorker, SettleDelay: cfg.SandboxSettleDelay,
		Logger: log, TemporalLogLevel: slog.LevelWarn,
		Ready: func(i devstack.Info) {
			log.Info("partnerflow dev is ready", "api", i.APIURL, "startup", time.Since(start).Round(time.Millisecond))
			worker := "running in this process"
			if !cfg.RunWorker {
				worker = fmt.Sprintf("not started: run `partnerflow worker --data-dir %s`", i.DataDir)
			}
			fmt.Fprintf(stdout, `
Partnerflow dev stack
  API          %[1]s        (health: %[1]s/readyz, OpenAPI: %[1]s/openapi.yaml, metrics: %[1]s/metrics)
  Sandbox      %[2]s        (providers + /sandbox/... control endpoints)
  Temporal     %[3]s        (gRPC; no web UI embedded — use "temporal workflow list --address %[3]s")
  Database     %[4]s
  Worker       %[5]s
  Data dir     %[6]s

Get a token (same secret as this server):
  partnerflow token --data-dir %[6]s --role admin --sub admin-1
  go run ./cmd/partnerflow token --data-dir %[6]s --role brand_manager --sub ann --brand <brand id>

Ctrl-C stops cleanly; a later "partnerflow dev --data-dir %[6]s" resumes every partnership.
`, i.APIURL, i.SandboxURL, i.TemporalAddress, i.Database, worker, i.DataDir)
		},
	})
}
