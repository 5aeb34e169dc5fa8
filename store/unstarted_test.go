package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// TestUnstartedPartnerships: the reconciler's listing finds the rows no workflow has written
// that were last touched before the cutoff, oldest first, in pages; its delete takes only
// such a row, and a touch (a create retried with its key) keeps a row out of both.
func TestUnstartedPartnerships(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 6) // version 0; created and touched at 2026-01-01
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			// ids[0..3] are touched a minute apart, oldest last; ids[4] later still.
			for i, id := range ids[:4] {
				ok, err := s.TouchUnstartedPartnership(ctx, id, base.Add(time.Duration(4-i)*time.Minute))
				require.NoError(t, err)
				require.True(t, ok)
			}
			ok, err := s.TouchUnstartedPartnership(ctx, ids[4], base.Add(time.Hour))
			require.NoError(t, err)
			require.True(t, ok)
			// ids[5] was written by its workflow.
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[5], Version: 1, Stage: "vetting",
				State: store.JSON(`{}`), UpdatedAt: base}))
			ok, err = s.TouchUnstartedPartnership(ctx, ids[5], base.Add(time.Hour))
			require.NoError(t, err)
			require.False(t, ok, "a written row is not touched")
			ok, err = s.TouchUnstartedPartnership(ctx, "nope", base)
			require.NoError(t, err)
			require.False(t, ok)

			list := func(f store.UnstartedFilter) []string {
				t.Helper()
				rows, err := s.UnstartedPartnerships(ctx, f)
				require.NoError(t, err)
				var out []string
				for _, r := range rows {
					require.Zero(t, r.StateVersion)
					require.False(t, r.UpdatedAt.IsZero())
					out = append(out, r.ID)
				}
				return out
			}
			cutoff := base.Add(30 * time.Minute)
			require.Equal(t, []string{ids[3], ids[2], ids[1], ids[0]}, list(store.UnstartedFilter{Before: cutoff, Limit: 10}),
				"oldest touch first; the young and the written ones are not listed")
			page := list(store.UnstartedFilter{Before: cutoff, Limit: 3})
			require.Equal(t, []string{ids[3], ids[2], ids[1]}, page)
			rows, err := s.UnstartedPartnerships(ctx, store.UnstartedFilter{Before: cutoff, Limit: 3})
			require.NoError(t, err)
			last := rows[len(rows)-1]
			require.Equal(t, []string{ids[0]}, list(store.UnstartedFilter{Before: cutoff, AfterAt: last.UpdatedAt, AfterID: last.ID, Limit: 3}),
				"the next page")
			require.Equal(t, []string{ids[3], ids[2]}, list(store.UnstartedFilter{Before: base.Add(2*time.Minute + time.Second), Limit: 10}))

			// The delete takes a listed row only while it is as listed.
			gone, err := s.DeleteUnstartedPartnership(ctx, ids[3], cutoff)
			require.NoError(t, err)
			require.True(t, gone)
			_, err = s.GetPartnership(ctx, ids[3])
			require.ErrorIs(t, err, store.ErrNotFound)
			gone, err = s.DeleteUnstartedPartnership(ctx, ids[3], cutoff)
			require.NoError(t, err)
			require.False(t, gone, "already deleted (another replica): nothing to do")
			ok, err = s.TouchUnstartedPartnership(ctx, ids[2], cutoff.Add(time.Second)) // a retry starts it now
			require.NoError(t, err)
			require.True(t, ok)
			gone, err = s.DeleteUnstartedPartnership(ctx, ids[2], cutoff)
			require.NoError(t, err)
			require.False(t, gone, "touched since it was listed")
			gone, err = s.DeleteUnstartedPartnership(ctx, ids[5], cutoff.Add(24*time.Hour))
			require.NoError(t, err)
			require.False(t, gone, "its workflow wrote it")
			for _, id := range []string{ids[2], ids[5]} {
				_, err = s.GetPartnership(ctx, id)
				require.NoError(t, err)
			}
		})
	}
}
