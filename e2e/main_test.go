package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/internal/testdb"
)

// stack is the in-process stack every test in this package shares; tests isolate themselves
// by creating their own brand, creator and campaign.
var stack devstack.Info

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dbURL, drop, err := testdb.Create(context.Background())
	if errors.Is(err, testdb.ErrNoServer) && !testdb.Required() {
		fmt.Fprintln(os.Stderr, "e2e: skipped:", err)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer func() { _ = drop() }()
	dataDir, err := os.MkdirTemp("", "partnerflow-e2e-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dataDir) }()

	// Provider calls that hang (TestLifecycleWithFailingProviders) give up after this; the
	// 10 s default would make that scenario wait a minute or more for nothing.
	if os.Getenv("PARTNERFLOW_PROVIDER_TIMEOUT") == "" {
		_ = os.Setenv("PARTNERFLOW_PROVIDER_TIMEOUT", "3s")
	}
	// A transfer whose webhook never comes (TestLostTransferWebhookLookedUp) is looked up at
	// the provider after this instead of the hour of the default.
	if os.Getenv("PARTNERFLOW_TRANSFER_LOOKUP_AFTER") == "" {
		_ = os.Setenv("PARTNERFLOW_TRANSFER_LOOKUP_AFTER", "5s")
	}
	level := slog.LevelWarn
	if os.Getenv("E2E_VERBOSE") != "" {
		level = slog.LevelInfo
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan devstack.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- devstack.Run(ctx, devstack.Options{
			DataDir: dataDir, HTTPAddr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", TemporalPort: 0,
			DatabaseURL: dbURL, Worker: true, SettleDelay: 200 * time.Millisecond,
			Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
			TemporalLogLevel: slog.LevelError,
			Ready:            func(i devstack.Info) { ready <- i },
		})
	}()
	select {
	case stack = <-ready:
	case err := <-done:
		fmt.Fprintln(os.Stderr, "e2e: stack failed to start:", err)
		cancel()
		return 1
	case <-time.After(2 * time.Minute):
		fmt.Fprintln(os.Stderr, "e2e: stack did not start within 2 minutes")
		cancel()
		return 1
	}
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stack shutdown:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
