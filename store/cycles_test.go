package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// TestFinishedCyclesAreReadWhole: the hand-over's write keeps each finished cycle's whole
// summary; a later document that carries the cycle compact (deliverables null) reads back
// whole, on both dialects, and a summary written once is never changed by a later write.
func TestFinishedCyclesAreReadWhole(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 1)
			pid := ids[0]
			at := time.Now().UTC()
			whole1 := `{"cycle":1,"started_at":"2026-01-01T00:00:00Z","deliverables":[{"id":"d1","status":"verified"}],"payouts":[{"id":"po_1","status":"paid"}],"tracking":{"conversions":3}}`
			// The hand-over of cycle 1: its document still holds the whole summary.
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 5, Stage: "content", UpdatedAt: at,
				State:  store.JSON(`{"id":"` + pid + `","cycle":2,"cycles":[` + whole1 + `]}`),
				Cycles: []store.CycleRow{{PartnershipID: pid, Cycle: 1, Summary: store.JSON(whole1)}}}))
			// A retried or later hand-over's write does not change a closed cycle's summary.
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 6, Stage: "content", UpdatedAt: at,
				State:  store.JSON(`{"id":"` + pid + `","cycle":2,"cycles":[` + whole1 + `]}`),
				Cycles: []store.CycleRow{{PartnershipID: pid, Cycle: 1, Summary: store.JSON(`{"cycle":1,"deliverables":[]}`)}}}))
			// The next run writes the cycle compact.
			compact := `{"cycle":1,"started_at":"2026-01-01T00:00:00Z","deliverables":null,"payouts":[{"id":"po_1","status":"paid"}],"tracking":{"conversions":3}}`
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 7, Stage: "content", UpdatedAt: at,
				State: store.JSON(`{"id":"` + pid + `","cycle":2,"cycles":[` + compact + `],"deliverables":[{"id":"d1","status":"awaiting_draft"}]}`)}))

			p, err := s.GetPartnership(ctx, pid)
			require.NoError(t, err)
			require.JSONEq(t, `{"id":"`+pid+`","cycle":2,"cycles":[`+whole1+`],"deliverables":[{"id":"d1","status":"awaiting_draft"}]}`, string(p.State))

			// A document without compact summaries is served as stored.
			doc := store.JSON(`{"id":"x","cycles":[` + whole1 + `]}`)
			out, err := s.WithCycles(ctx, pid, doc)
			require.NoError(t, err)
			require.Equal(t, string(doc), string(out))
			// A compact summary without its row stays compact rather than failing the read.
			orphan := store.JSON(`{"id":"x","cycles":[{"cycle":9,"deliverables":null}]}`)
			out, err = s.WithCycles(ctx, pid, orphan)
			require.NoError(t, err)
			require.JSONEq(t, string(orphan), string(out))
		})
	}
}

// TestRollingBackCyclesKeepsThem: migration 10's down puts the whole summaries back into the
// documents that carry them compact before it drops the table, so the code before it (which
// reads documents as stored) loses no finished cycle; up again serves them as they are.
func TestRollingBackCyclesKeepsThem(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 2)
			at := time.Now().UTC()
			whole := func(n int) string {
				return fmt.Sprintf(`{"cycle":%d,"started_at":"2026-01-01T00:00:00Z","deliverables":[{"id":"d1","status":"verified"}],"payouts":[],"tracking":{}}`, n)
			}
			compact := func(n int) string {
				return fmt.Sprintf(`{"cycle":%d,"started_at":"2026-01-01T00:00:00Z","deliverables":null,"payouts":[],"tracking":{}}`, n)
			}
			pid := ids[0]
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 5, Stage: "content", UpdatedAt: at,
				State:  store.JSON(`{"cycle":3,"cycles":[` + whole(1) + `,` + whole(2) + `]}`),
				Cycles: []store.CycleRow{{PartnershipID: pid, Cycle: 1, Summary: store.JSON(whole(1))}, {PartnershipID: pid, Cycle: 2, Summary: store.JSON(whole(2))}}}))
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 6, Stage: "content", UpdatedAt: at,
				State: store.JSON(`{"cycle":3,"cycles":[` + compact(1) + `,` + compact(2) + `]}`)}))
			other := `{"cycle":1,"stage":"negotiation"}`
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[1], Version: 2, Stage: "negotiation", UpdatedAt: at,
				State: store.JSON(other)}))

			require.NoError(t, s.MigrateDownTo(ctx, 9))
			var doc string
			require.NoError(t, s.DB().QueryRowContext(ctx, rebind(s, "SELECT state FROM partnerships WHERE id = ?"), pid).Scan(&doc))
			require.JSONEq(t, `{"cycle":3,"cycles":[`+whole(1)+`,`+whole(2)+`]}`, doc, "the stored document is whole again")
			require.NoError(t, s.DB().QueryRowContext(ctx, rebind(s, "SELECT state FROM partnerships WHERE id = ?"), ids[1]).Scan(&doc))
			require.JSONEq(t, other, doc, "a document without compact cycles is left alone")

			require.NoError(t, s.Migrate(ctx))
			p, err := s.GetPartnership(ctx, pid)
			require.NoError(t, err)
			require.JSONEq(t, `{"cycle":3,"cycles":[`+whole(1)+`,`+whole(2)+`]}`, string(p.State))
		})
	}
}

// rebind writes a query's placeholders for the store's dialect.
func rebind(s *store.Store, q string) string {
	if s.Dialect() != store.DialectPostgres {
		return q
	}
	for n := 1; strings.Contains(q, "?"); n++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", n), 1)
	}
	return q
}
