package store

import (
	"context"
	"database/sql"
	"sync"

	"gorm.io/gorm"
)

// GORM's PrepareStmt prepares a statement it first meets inside a transaction on that
// transaction, and database/sql cannot bind a statement that belongs to one transaction to the
// next (Tx.StmtContext prepares it afresh), so every read-model write parsed its statements
// again: 1.25% of the process's CPU under `partnerflow bench` (docs/benchmarks.md). On SQLite,
// write transactions therefore run their statements through ones prepared once on the
// database (txStatements) and bound to each transaction, which database/sql prepares once per
// connection.

// txStatements are statements prepared on the database for write transactions, by SQL text.
type txStatements struct {
	db *sql.DB
	mu sync.Mutex
	// byQuery is bounded (maxTxStatements): GORM writes a multi-row insert's SQL for its number
	// of rows, so the texts are many but few are common.
	byQuery map[string]*sql.Stmt
}

const maxTxStatements = 256

func newTxStatements(db *sql.DB) *txStatements {
	return &txStatements{db: db, byQuery: map[string]*sql.Stmt{}}
}

// get returns the statement for query, preparing it on first use; false when the cache is full
// or preparing failed (the caller then runs the query as it is, and any error shows there).
func (c *txStatements) get(ctx context.Context, query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	st, ok := c.byQuery[query]
	full := len(c.byQuery) >= maxTxStatements
	c.mu.Unlock()
	if ok || full {
		return st, ok
	}
	// Prepared outside the lock: it takes a connection from the pool.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if had, ok := c.byQuery[query]; ok {
		_ = st.Close()
		return had, true
	}
	c.byQuery[query] = st
	return st, true
}

func (c *txStatements) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.byQuery {
		_ = st.Close()
		delete(c.byQuery, q)
	}
}

// stmtTx is a write transaction as GORM's connection: each statement runs through the
// database's prepared one, bound to the transaction.
type stmtTx struct {
	*sql.Tx
	stmts *txStatements
}

func (t stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, ok := t.stmts.get(ctx, query); ok {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := t.stmts.get(ctx, query); ok {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := t.stmts.get(ctx, query); ok {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// transaction runs fn in a write transaction, committed when fn returns nil and rolled back
// otherwise (or when fn panics). On SQLite its statements go through txStatements.
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) (err error) {
	if s.txStmts == nil {
		return s.db.WithContext(ctx).Transaction(fn)
	}
	sqlTx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_ = sqlTx.Rollback()
		}
	}()
	tx := s.db.WithContext(ctx)
	tx.Statement.ConnPool = stmtTx{Tx: sqlTx, stmts: s.txStmts}
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	return sqlTx.Commit()
}
