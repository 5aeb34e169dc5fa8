package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// creatorAccountsMigration is migration 11: creator_accounts, one row per account a creator
// registered (platform, HandleKey of the handle, creator), keyed so that the creators who
// registered the same account are one index lookup away (CreatorsWithAccount), which vetting
// asks for every account (an impersonator registering a known creator's handle). It is in Go
// because the rows of the creators made before it are filled from their accounts documents
// with HandleKey itself: a key folded in SQL (SQLite's lower() folds ASCII only) could differ
// from the one CreateCreator writes and miss a match. The same DDL serves both dialects.
func creatorAccountsMigration(dialect string) *goose.Migration {
	up := func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE creator_accounts (
    platform   TEXT NOT NULL,
    handle_key TEXT NOT NULL,
    creator_id TEXT NOT NULL REFERENCES creators (id),
    PRIMARY KEY (platform, handle_key, creator_id)
)`); err != nil {
			return err
		}
		return backfillCreatorAccounts(ctx, tx, dialect)
	}
	down := func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DROP TABLE creator_accounts`)
		return err
	}
	return goose.NewGoMigration(11, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

// backfillCreatorAccounts writes the rows of every creator's accounts, in id order, a page at
// a time. An account document that does not read (none the API wrote) keeps the accounts that
// do, rather than blocking every start on one row.
func backfillCreatorAccounts(ctx context.Context, tx *sql.Tx, dialect string) error {
	ins := "INSERT INTO creator_accounts (platform, handle_key, creator_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
	if dialect == DialectPostgres {
		ins = "INSERT INTO creator_accounts (platform, handle_key, creator_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
	}
	return forEachRow(ctx, tx, dialect, "creators", "accounts", func(id string, raw []byte) error {
		accounts, _ := creatorAccountRows(id, raw)
		for _, a := range accounts {
			if _, err := tx.ExecContext(ctx, ins, a.Platform, a.HandleKey, a.CreatorID); err != nil {
				return err
			}
		}
		return nil
	})
}
