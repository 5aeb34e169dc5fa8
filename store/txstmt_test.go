package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// Write transactions on SQLite reuse statements prepared once on the database, commit what
// they wrote, and roll back on an error or a panic; past the cache's bound queries still run.
func TestSQLiteWriteTransactionsReuseStatements(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "app.db")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NotNil(t, s.txStmts)
	require.NoError(t, s.db.Exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)").Error)
	count := func(where string) int64 {
		var n int64
		require.NoError(t, s.db.Raw("SELECT count(*) FROM kv WHERE "+where).Scan(&n).Error)
		return n
	}

	for i := range 20 {
		require.NoError(t, s.transaction(ctx, func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO kv (k, v) VALUES (?, ?)", fmt.Sprint(i), i).Error; err != nil {
				return err
			}
			res := tx.Exec("UPDATE kv SET v = v + 1 WHERE k = ?", fmt.Sprint(i))
			if res.RowsAffected != 1 {
				return fmt.Errorf("updated %d rows", res.RowsAffected)
			}
			return res.Error
		}))
	}
	require.EqualValues(t, 20, count("v >= 1"))
	require.Len(t, s.txStmts.byQuery, 2, "twenty transactions, two statements")

	err = s.transaction(ctx, func(tx *gorm.DB) error {
		require.NoError(t, tx.Exec("INSERT INTO kv (k, v) VALUES (?, ?)", "failed", 1).Error)
		return errors.New("refused")
	})
	require.EqualError(t, err, "refused")
	require.Zero(t, count("k = 'failed'"), "rolled back after an error")

	require.Panics(t, func() {
		_ = s.transaction(ctx, func(tx *gorm.DB) error {
			require.NoError(t, tx.Exec("INSERT INTO kv (k, v) VALUES (?, ?)", "panicked", 1).Error)
			panic("boom")
		})
	})
	require.Zero(t, count("k = 'panicked'"), "rolled back after a panic")

	// Distinct texts past the bound run unprepared.
	require.NoError(t, s.transaction(ctx, func(tx *gorm.DB) error {
		for i := range maxTxStatements + 10 {
			if err := tx.Exec(fmt.Sprintf("UPDATE kv SET v = %d WHERE k = ?", i), "0").Error; err != nil {
				return err
			}
		}
		return nil
	}))
	require.Len(t, s.txStmts.byQuery, maxTxStatements)
	require.EqualValues(t, 1, count(fmt.Sprintf("k = '0' AND v = %d", maxTxStatements+9)))
}
