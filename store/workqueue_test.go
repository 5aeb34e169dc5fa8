package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// TestWorkQueueLists covers the list filters a person's work queue uses: whose turn it is,
// what is overdue, and soonest deadline first, paged by a cursor that belongs to that order.
func TestWorkQueueLists(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			brand, ids := seed(t, s, 7)
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
			set := func(id, role string, due *time.Time) {
				require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: id, Version: 1, Stage: "content",
					NextActionRole: role, NextAction: "x", DueAt: due, State: store.JSON(`{}`), UpdatedAt: now}))
			}
			set(ids[0], "brand_manager", at(3*time.Hour))
			set(ids[1], "brand_manager", at(-time.Hour)) // overdue
			set(ids[2], "creator", at(-2*time.Hour))     // overdue
			set(ids[3], "brand_manager", at(time.Hour))
			set(ids[4], "brand_manager", at(time.Hour)) // same deadline as ids[3]: id breaks the tie
			set(ids[5], "system", nil)                  // no deadline: never in a deadline-ordered list
			// ids[6] keeps the seed's row: no next action.

			walk := func(f store.PartnershipFilter) []string {
				t.Helper()
				var got []string
				for page := 0; page < 10; page++ {
					rows, next, err := s.ListPartnerships(ctx, f)
					require.NoError(t, err)
					for _, r := range rows {
						got = append(got, r.ID)
					}
					if next == "" {
						return got
					}
					f.Cursor = next
				}
				t.Fatal("the cursor never ran out")
				return nil
			}
			byDue := store.PartnershipFilter{BrandID: brand, ByDue: true, Limit: 2}
			require.Equal(t, []string{ids[2], ids[1], ids[3], ids[4], ids[0]}, walk(byDue))

			mine := byDue
			mine.NextRole = "brand_manager"
			require.Equal(t, []string{ids[1], ids[3], ids[4], ids[0]}, walk(mine))

			overdue := store.PartnershipFilter{BrandID: brand, Overdue: true, OverdueAt: now, Limit: 2}
			require.Equal(t, []string{ids[2], ids[1]}, walk(overdue), "newest first unless ordered by deadline")
			overdue.NextRole = "brand_manager"
			require.Equal(t, []string{ids[1]}, walk(overdue))

			system := store.PartnershipFilter{NextRole: "system", Limit: 5}
			require.Equal(t, []string{ids[5]}, walk(system))

			// A cursor belongs to its order: one from the deadline order is refused by the
			// newest-first list and the other way round.
			_, dueCursor, err := s.ListPartnerships(ctx, byDue)
			require.NoError(t, err)
			require.NotEmpty(t, dueCursor)
			_, _, err = s.ListPartnerships(ctx, store.PartnershipFilter{BrandID: brand, Limit: 2, Cursor: dueCursor})
			require.ErrorIs(t, err, store.ErrBadCursor)
			_, newestCursor, err := s.ListPartnerships(ctx, store.PartnershipFilter{BrandID: brand, Limit: 2})
			require.NoError(t, err)
			require.NotEmpty(t, newestCursor)
			_, _, err = s.ListPartnerships(ctx, store.PartnershipFilter{BrandID: brand, ByDue: true, Limit: 2, Cursor: newestCursor})
			require.ErrorIs(t, err, store.ErrBadCursor)
		})
	}
}
