package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/partnerflow/partnerflow/partnership"
)

// StateShape names the shape of the stored state documents: the version of the last
// migration that rewrote them or changed what they may hold (cyclesMigration). The document of a partnership served at one
// version before such a migration differs from the one served at the same version after it,
// so the API's entity tags carry the shape too. A new migration that rewrites the documents
// raises it to its own version (TestStateShapeIsTheLastRewrite); a migration's version never
// changes.
const StateShape = 10

// goMigrations are the migrations written in Go: those that rewrite the stored state
// documents, and the creator_accounts index (migrate_accounts.go).
func goMigrations(dialect string) []*goose.Migration {
	return append(stateMigrations(dialect), creatorAccountsMigration(dialect))
}

// stateMigrations are the migrations that rewrite the stored state documents (StateShape).
func stateMigrations(dialect string) []*goose.Migration {
	return []*goose.Migration{statesMigration(dialect), signersMigration(dialect), cyclesMigration(dialect)}
}

// cyclesMigration is migration 10: partnership_cycles, the whole summary of each finished
// cycle of an ambassador partnership, which the workflow writes with the hand-over to the next
// cycle's run and from then on carries compact (deliverables null; see CycleRow). Up creates
// the table. The documents may then hold compact summaries, which only this code completes
// (WithCycles), so it counts as a change of their shape: an entity tag from before it never
// matches after it. Down puts the whole summaries back into the documents before dropping the
// table, so rolling back loses no cycle; the code before it reads them as it always did.
func cyclesMigration(dialect string) *goose.Migration {
	summary := "JSONB"
	if dialect == DialectSQLite {
		summary = "TEXT"
	}
	up := func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE partnership_cycles (
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    cycle          INTEGER NOT NULL,
    summary        `+summary+` NOT NULL,
    PRIMARY KEY (partnership_id, cycle)
)`)
		return err
	}
	down := func(ctx context.Context, tx *sql.Tx) error {
		if err := restoreWholeCycles(ctx, tx, dialect); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DROP TABLE partnership_cycles")
		return err
	}
	return goose.NewGoMigration(10, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

// restoreWholeCycles writes each partnership's whole cycle summaries back into its state
// document, in place of the compact ones.
func restoreWholeCycles(ctx context.Context, tx *sql.Tx, dialect string) error {
	sel, upd := "SELECT state FROM partnerships WHERE id = ?", "UPDATE partnerships SET state = ? WHERE id = ?"
	if dialect == DialectPostgres {
		sel, upd = "SELECT state FROM partnerships WHERE id = $1", "UPDATE partnerships SET state = $1::jsonb WHERE id = $2"
	}
	whole := map[string]map[int]json.RawMessage{}
	rows, err := tx.QueryContext(ctx, "SELECT partnership_id, cycle, summary FROM partnership_cycles ORDER BY partnership_id, cycle")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var cycle int
		var summary []byte
		if err := rows.Scan(&id, &cycle, &summary); err != nil {
			rows.Close()
			return err
		}
		if whole[id] == nil {
			whole[id] = map[int]json.RawMessage{}
		}
		whole[id][cycle] = summary
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, cycles := range whole {
		var doc []byte
		if err := tx.QueryRowContext(ctx, sel, id).Scan(&doc); err != nil {
			return fmt.Errorf("partnership %s: %w", id, err)
		}
		if !hasCompactCycles(doc) {
			continue
		}
		out, err := completeCycles(doc, cycles)
		if err != nil {
			return fmt.Errorf("partnership %s: state document: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, upd, string(out), id); err != nil {
			return err
		}
	}
	return nil
}

// statesMigration is migration 3, in Go because it reshapes JSON, which neither dialect's
// SQL does well: it rewrites every stored state document through partnership.State, so a
// row last written before every key API.md promises became always-present (an empty string
// or null until it has a value) carries those keys too. A row the workflow writes again is
// in the new shape anyway; this is for the ones that will not move again (ended or parked).
// Down leaves the documents alone: the new shape is a superset of the old.
func statesMigration(dialect string) *goose.Migration {
	return goose.NewGoMigration(3, &goose.GoFunc{RunTx: rewriteStates(dialect)}, &goose.GoFunc{})
}

// signersMigration is migration 5 (4 is the work-queue indexes), the same rewrite for the
// keys added since: each state document gets contract.signers and provider_hold (null), so
// the partnerships that will not move again have them too, like every other key of the state. A contract completed before has both signatures at its
// signed_at (the workflow records the same when it replays such a signature); any other has
// them null until the workflow records one.
func signersMigration(dialect string) *goose.Migration {
	return goose.NewGoMigration(5, &goose.GoFunc{RunTx: rewriteStates(dialect, func(st *partnership.State) {
		c := &st.Contract
		if c.SignedAt == nil {
			return
		}
		for _, sig := range []*partnership.Signature{&c.Signers.Creator, &c.Signers.Brand} {
			if sig.SignedAt == nil {
				at := *c.SignedAt
				sig.SignedAt = &at
			}
		}
	})}, &goose.GoFunc{})
}

// rewriteStates re-encodes the state documents in id order, a page at a time, each after
// fix (if any) changed it.
func rewriteStates(dialect string, fix ...func(*partnership.State)) func(ctx context.Context, tx *sql.Tx) error {
	upd := "UPDATE partnerships SET state = ? WHERE id = ?"
	if dialect == DialectPostgres {
		upd = "UPDATE partnerships SET state = $1::jsonb WHERE id = $2"
	}
	return func(ctx context.Context, tx *sql.Tx) error {
		return forEachRow(ctx, tx, dialect, "partnerships", "state", func(id string, raw []byte) error {
			var st partnership.State
			if json.Unmarshal(raw, &st) != nil {
				// Not a document this code wrote: served as it is rather than blocking
				// every start on one row.
				return nil
			}
			for _, f := range fix {
				f(&st)
			}
			out, err := json.Marshal(st)
			if err != nil {
				return fmt.Errorf("partnership %s: state document: %w", id, err)
			}
			_, err = tx.ExecContext(ctx, upd, string(out), id)
			return err
		})
	}
}

// forEachRow calls fn with the id and column of each row of table, in id order, a page at a
// time; each page is read whole before fn runs on its rows, so fn may write with tx.
func forEachRow(ctx context.Context, tx *sql.Tx, dialect, table, column string, fn func(id string, raw []byte) error) error {
	const page = 500
	sel := "SELECT id, " + column + " FROM " + table + " WHERE id > ? ORDER BY id LIMIT ?"
	if dialect == DialectPostgres {
		sel = "SELECT id, " + column + " FROM " + table + " WHERE id > $1 ORDER BY id LIMIT $2"
	}
	type row struct {
		id  string
		raw []byte
	}
	after := ""
	for {
		var got []row
		rows, err := tx.QueryContext(ctx, sel, after, page)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.raw); err != nil {
				rows.Close()
				return err
			}
			got = append(got, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range got {
			if err := fn(r.id, r.raw); err != nil {
				return err
			}
		}
		if len(got) < page {
			return nil
		}
		after = got[len(got)-1].id
	}
}
