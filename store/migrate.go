package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

func (s *Store) provider() (*goose.Provider, error) {
	dir := "migrations/" + s.dialect
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	d := goose.DialectPostgres
	if s.dialect == DialectSQLite {
		d = goose.DialectSQLite3
	}
	return goose.NewProvider(d, s.sqlDB, sub, goose.WithGoMigrations(goMigrations(s.dialect)...))
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate up: %w", redact(err))
	}
	return nil
}

// MigrateDownTo rolls back to version (0 = empty schema).
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate down: %w", redact(err))
	}
	return nil
}

// SchemaVersion returns the applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
