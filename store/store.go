// Package store is the application database: the read model of partnerships (written by
// activities on every transition), the append-only audit trail, brands, creators, campaigns,
// webhook receipts and idempotency records. PostgreSQL in production, an embedded SQLite file
// for `partnerflow dev`; both through GORM, with schema changes as versioned goose migrations.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/partnerflow/partnerflow/internal/privatefile"
)

// Dialects.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Errors the store returns; callers match them with errors.Is.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrConflict    = errors.New("store: conflict")
	ErrUnavailable = errors.New("store: database unavailable")
)

// Config selects and tunes the database.
type Config struct {
	// URL is a PostgreSQL URL (postgres://...). Empty selects SQLite at SQLitePath.
	URL        string
	SQLitePath string
	// MaxOpenConns bounds the pool; 0 picks a default per dialect.
	MaxOpenConns int
}

// Store is the application database.
type Store struct {
	db       *gorm.DB
	sqlDB    *sql.DB
	dialect  string
	children childCache
	// txStmts serves write transactions' statements on SQLite (txstmt.go); nil on PostgreSQL.
	txStmts *txStatements
	// writeMu serialises this process's write transactions on SQLite, which takes one
	// writer at a time anyway: waiting here is a wake-up when the writer before is done, where
	// SQLite's busy handler would poll the lock with sleeps of up to 100 ms.
	writeMu sync.Mutex
}

// writing holds the SQLite write lock of this process until the returned func runs; a no-op
// on PostgreSQL, whose writers run concurrently.
func (s *Store) writing() func() {
	if s.dialect != DialectSQLite {
		return func() {}
	}
	s.writeMu.Lock()
	return s.writeMu.Unlock
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	gcfg := &gorm.Config{
		// Each write here is a single statement or an explicit transaction, so GORM's implicit
		// per-statement transaction only costs a round trip.
		SkipDefaultTransaction: true,
		TranslateError:         true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var (
		s   = &Store{}
		err error
	)
	switch {
	case cfg.URL == "":
		if cfg.SQLitePath == "" {
			return nil, errors.New("store: neither a database URL nor a SQLite path given")
		}
		s.dialect = DialectSQLite
		// The database holds creators' e-mail addresses and payout accounts.
		if err := privatefile.Ensure(cfg.SQLitePath); err != nil {
			return nil, fmt.Errorf("store: create sqlite file: %w", err)
		}
		s.sqlDB, err = sql.Open("sqlite", sqliteDSN(cfg.SQLitePath))
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		// One writer at a time is all SQLite allows; WAL keeps readers going beside it.
		n := max(cfg.MaxOpenConns, 4)
		s.sqlDB.SetMaxOpenConns(n)
		// Keep every connection: database/sql keeps 2 idle by default, and a connection closed
		// and reopened under load loses its page cache and prepared statements and runs the
		// pragmas again.
		s.sqlDB.SetMaxIdleConns(n)
		// Prepared statements, cached: the pure-Go SQLite parses every statement from scratch
		// otherwise, which was a third of the cost of reading a partnership (pgx caches its
		// statements by itself, so PostgreSQL needs no such setting).
		gcfg.PrepareStmt, gcfg.PrepareStmtMaxSize = true, 256
		s.txStmts = newTxStatements(s.sqlDB)
		s.db, err = gorm.Open(gormsqlite.New(gormsqlite.Config{DriverName: "sqlite", Conn: s.sqlDB}), gcfg)
	case strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://"):
		s.dialect = DialectPostgres
		s.sqlDB, err = openPostgres(cfg.URL)
		if err == nil {
			s.db, err = gorm.Open(postgres.New(postgres.Config{Conn: s.sqlDB}), gcfg)
		}
		if err == nil {
			n := cfg.MaxOpenConns
			if n == 0 {
				n = 20
			}
			s.sqlDB.SetMaxOpenConns(n)
			s.sqlDB.SetMaxIdleConns(n)
			s.sqlDB.SetConnMaxLifetime(30 * time.Minute)
		}
	default:
		return nil, errors.New("store: database URL must start with postgres:// or postgresql://")
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, redact(err))
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.sqlDB.PingContext(pingCtx); err != nil {
		_ = s.sqlDB.Close()
		return nil, fmt.Errorf("store: connect %s: %w", s.dialect, redact(err))
	}
	return s, nil
}

// openPostgres opens a pgx pool that reads every TIMESTAMPTZ in UTC. pgx returns them in the
// process's local zone otherwise, and the API promises RFC 3339 UTC: an audit event's "at"
// read on a host set to New York came back as "...-05:00".
func openPostgres(url string) (*sql.DB, error) {
	pcfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*pcfg, stdlib.OptionAfterConnect(func(_ context.Context, conn *pgx.Conn) error {
		conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	})), nil
}

// sqliteDSN tunes the embedded database: WAL so the API reads while a worker writes, a busy
// timeout instead of "database is locked" errors, immediate transactions so two writers never
// deadlock upgrading read locks, and foreign keys on as in PostgreSQL.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	// Times read back in UTC, as from PostgreSQL (openPostgres), not in the host's zone.
	q.Set("_timezone", "UTC")
	return "file:" + path + "?" + q.Encode()
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// DB exposes the *sql.DB for migrations and health checks.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Close closes the pool.
func (s *Store) Close() error {
	if s.txStmts != nil {
		s.txStmts.close()
	}
	return s.sqlDB.Close()
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, redact(err))
	}
	return nil
}

// translate maps driver errors to the store's sentinel errors so callers never see driver
// messages.
func translate(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey), errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505" || pe.Code == "23503":
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "53300":
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return err
	}
	// Anything else from a driver that is not a constraint or a missing row means the database
	// could not be reached or answered oddly; the API reports it as 503, never as a 500.
	if isConnError(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

func isConnError(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "broken pipe", "connection reset", "bad connection", "driver: bad connection", "sql: database is closed", "unexpected EOF", "the database system is"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// redact drops anything that could echo a connection string back.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "postgres://"); i >= 0 {
		return errors.New(msg[:i] + "[redacted]")
	}
	return err
}
