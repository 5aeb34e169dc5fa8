// Package testdb gives each test its own fresh PostgreSQL database on the server named by
// PARTNERFLOW_TEST_DATABASE_URL, dropped when the test ends. scripts/test finds or installs
// and starts that server; when the variable is unset (a bare `go test`), tests that need
// PostgreSQL are skipped unless PARTNERFLOW_REQUIRE_POSTGRES=1, which makes them fail instead.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// EnvURL names the PostgreSQL server tests use.
const EnvURL = "PARTNERFLOW_TEST_DATABASE_URL"

// ErrNoServer means PARTNERFLOW_TEST_DATABASE_URL is not set.
var ErrNoServer = errors.New(EnvURL + " is not set; run the suite with ./scripts/test")

// Required reports whether a missing server must fail the tests rather than skip them.
func Required() bool { return os.Getenv("PARTNERFLOW_REQUIRE_POSTGRES") == "1" }

// PostgresURL creates a fresh database for the test and returns its URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url, drop, err := Create(context.Background())
	if errors.Is(err, ErrNoServer) && !Required() {
		t.Skipf("%v: skipping a PostgreSQL test", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	return url
}

// Create makes a fresh database and returns its URL and a function that drops it; for
// TestMain, where there is no *testing.T.
func Create(ctx context.Context) (string, func() error, error) {
	base := os.Getenv(EnvURL)
	if base == "" {
		return "", nil, ErrNoServer
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", EnvURL, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "pf_test_" + hex.EncodeToString(b)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(cctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop := func() error {
		defer func() { _ = admin.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
