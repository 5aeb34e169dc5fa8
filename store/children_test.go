package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// Deliverables, drafts and payouts are rows of their own, advanced only by a newer snapshot,
// and a payout keeps the time it was first recorded.
func TestTransitionProjectsChildren(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			brand, ids := seed(t, s, 2)
			pid := ids[0]
			t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			snap := func(version int64, at time.Time, delStatus, payStatus, approver string) store.Transition {
				return store.Transition{PartnershipID: pid, Version: version, Stage: "payout", State: store.JSON(`{}`), UpdatedAt: at,
					Deliverables: []store.DeliverableRow{{PartnershipID: pid, Cycle: 1, ID: "d1", Platform: "instagram", Format: "post",
						Status: delStatus, UpdatedAt: at}},
					Drafts: []store.DraftRow{{PartnershipID: pid, Cycle: 1, DeliverableID: "d1", Version: 1, Caption: "#ad hi",
						Compliant: true, SubmittedAt: t0}},
					Payouts: []store.PayoutRow{{PartnershipID: pid, ID: "po_1", BrandID: brand, CampaignID: "camp-" + t.Name(),
						CreatorID: "c-" + t.Name(), Cycle: 1, Kind: "fee", AmountMinor: 50000, Currency: "USD", Status: payStatus,
						TriggeredBy: "fin-1", ApprovedBy: approver, CreatedAt: at, UpdatedAt: at}},
				}
			}
			require.NoError(t, s.ApplyTransition(ctx, snap(3, t0, "verified", "awaiting_approval", "")))
			require.NoError(t, s.ApplyTransition(ctx, snap(5, t0.Add(time.Hour), "verified", "paid", "fin-2")))
			// A late write of version 4 moves nothing back.
			require.NoError(t, s.ApplyTransition(ctx, snap(4, t0.Add(30*time.Minute), "verifying", "processing", "fin-2")))

			pays, next, err := s.ListPayouts(ctx, store.PayoutFilter{BrandID: brand, Limit: 10})
			require.NoError(t, err)
			require.Empty(t, next)
			require.Len(t, pays, 1)
			require.Equal(t, "paid", pays[0].Status)
			require.Equal(t, "fin-2", pays[0].ApprovedBy)
			require.True(t, pays[0].CreatedAt.Equal(t0), "created_at stays the first recording time, got %s", pays[0].CreatedAt)
			require.True(t, pays[0].UpdatedAt.Equal(t0.Add(time.Hour)))
			awaiting, _, err := s.ListPayouts(ctx, store.PayoutFilter{Status: "awaiting_approval", Limit: 10})
			require.NoError(t, err)
			require.Empty(t, awaiting)

			// The provider contradicts itself: the queue shows it, and its clearing.
			contested := snap(6, t0.Add(2*time.Hour), "verified", "paid", "fin-2")
			contested.Payouts[0].TransferID, contested.Payouts[0].ConflictingReport = "tr_1", "failed"
			require.NoError(t, s.ApplyTransition(ctx, contested))
			pays, _, err = s.ListPayouts(ctx, store.PayoutFilter{BrandID: brand, Limit: 10})
			require.NoError(t, err)
			require.Equal(t, "failed", pays[0].ConflictingReport)
			require.Equal(t, "tr_1", pays[0].TransferID)
			cleared := snap(7, t0.Add(3*time.Hour), "verified", "paid", "fin-2")
			cleared.Payouts[0].TransferID = "tr_1"
			require.NoError(t, s.ApplyTransition(ctx, cleared))
			pays, _, err = s.ListPayouts(ctx, store.PayoutFilter{BrandID: brand, Limit: 10})
			require.NoError(t, err)
			require.Empty(t, pays[0].ConflictingReport)
		})
	}
}

// The finance queue pages oldest first without skipping or repeating a payout.
func TestListPayoutsKeysetPagination(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			brand, ids := seed(t, s, 3)
			at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			var want []string
			for i, pid := range ids {
				var rows []store.PayoutRow
				for _, id := range []string{"po_1", "po_2"} {
					rows = append(rows, store.PayoutRow{PartnershipID: pid, ID: id, BrandID: brand, Cycle: 1, Kind: "fee",
						AmountMinor: 100, Currency: "USD", Status: "awaiting_approval", CreatedAt: at.Add(time.Duration(i/2) * time.Minute), UpdatedAt: at})
					want = append(want, pid+"/"+id)
				}
				require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 1, Stage: "payout",
					State: store.JSON(`{}`), UpdatedAt: at, Payouts: rows}))
			}
			var got []string
			cursor := ""
			for page := 0; page < 10; page++ {
				rows, next, err := s.ListPayouts(ctx, store.PayoutFilter{Status: "awaiting_approval", BrandID: brand, Limit: 4, Cursor: cursor})
				require.NoError(t, err)
				for _, r := range rows {
					got = append(got, r.PartnershipID+"/"+r.ID)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			require.Equal(t, want, got)
			_, _, err := s.ListPayouts(ctx, store.PayoutFilter{Limit: 4, Cursor: "bm90LWEtY3Vyc29y"})
			require.ErrorIs(t, err, store.ErrBadCursor)
		})
	}
}

// The database itself refuses to change or delete an audit event.
func TestEventsAreAppendOnly(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 1)
			at := time.Now().UTC()
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[0], Version: 1, Stage: "vetting",
				State: store.JSON(`{}`), UpdatedAt: at, Events: []store.Event{{PartnershipID: ids[0], Seq: 1, Type: "created",
					Actor: "ann", Role: "brand_manager", At: at, Data: store.JSON(`{}`)}}}))
			db := s.DB()
			ph := "?"
			if s.Dialect() == store.DialectPostgres {
				ph = "$1"
			}
			_, err := db.ExecContext(ctx, "UPDATE partnership_events SET type = 'forged' WHERE partnership_id = "+ph, ids[0])
			require.ErrorContains(t, err, "append-only")
			_, err = db.ExecContext(ctx, "DELETE FROM partnership_events WHERE partnership_id = "+ph, ids[0])
			require.ErrorContains(t, err, "append-only")
			evs, err := s.ListEvents(ctx, ids[0], 0, 10)
			require.NoError(t, err)
			require.Len(t, evs, 1)
			require.Equal(t, "created", evs[0].Type)
		})
	}
}

// A snapshot right after the one this store last wrote leaves unchanged child rows alone
// (their updated_at stays the time they last changed); a changed row, or a snapshot after a gap
// in versions (another writer may have come in between), is written.
func TestTransitionSkipsUnchangedChildren(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			brand, ids := seed(t, s, 1)
			pid := ids[0]
			t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			snap := func(version int64, at time.Time, payStatus string) store.Transition {
				return store.Transition{PartnershipID: pid, Version: version, Stage: "payout", State: store.JSON(`{}`), UpdatedAt: at,
					Payouts: []store.PayoutRow{{PartnershipID: pid, ID: "po_1", BrandID: brand, CampaignID: "camp-" + t.Name(),
						CreatorID: "c-" + t.Name(), Cycle: 1, Kind: "fee", AmountMinor: 50000, Currency: "USD", Status: payStatus,
						TriggeredBy: "fin-1", CreatedAt: at, UpdatedAt: at}},
				}
			}
			payout := func() store.PayoutRow {
				t.Helper()
				pays, _, err := s.ListPayouts(ctx, store.PayoutFilter{BrandID: brand, Limit: 10})
				require.NoError(t, err)
				require.Len(t, pays, 1)
				return pays[0]
			}
			require.NoError(t, s.ApplyTransition(ctx, snap(1, t0, "processing")))
			require.NoError(t, s.ApplyTransition(ctx, snap(2, t0.Add(time.Minute), "processing")))
			require.True(t, payout().UpdatedAt.Equal(t0), "an unchanged payout is not rewritten, got %s", payout().UpdatedAt)

			require.NoError(t, s.ApplyTransition(ctx, snap(3, t0.Add(2*time.Minute), "paid")))
			require.Equal(t, "paid", payout().Status)
			require.True(t, payout().UpdatedAt.Equal(t0.Add(2*time.Minute)))

			// Version 4 was written elsewhere (or lost): 5 cannot trust what this store remembers.
			require.NoError(t, s.ApplyTransition(ctx, snap(5, t0.Add(4*time.Minute), "paid")))
			require.True(t, payout().UpdatedAt.Equal(t0.Add(4*time.Minute)), "after a gap the rows are written, got %s", payout().UpdatedAt)
		})
	}
}

// Concurrent writers (the API and many local activities of one process) all land: on SQLite
// they queue on the store's write lock instead of SQLite's busy handler, on PostgreSQL they run
// side by side.
func TestConcurrentTransitionsAllLand(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 8)
			at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			errs := make(chan error, len(ids)*10)
			for _, pid := range ids {
				wg.Go(func() {
					for v := int64(1); v <= 10; v++ {
						errs <- s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: v, Stage: "content",
							State: store.JSON(`{}`), UpdatedAt: at.Add(time.Duration(v) * time.Minute),
							Events: []store.Event{{PartnershipID: pid, Seq: v, Type: "x", At: at, Data: store.JSON(`{}`)}}})
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			for _, pid := range ids {
				p, err := s.GetPartnership(ctx, pid)
				require.NoError(t, err)
				require.EqualValues(t, 10, p.StateVersion)
				evs, err := s.ListEvents(ctx, pid, 0, 100)
				require.NoError(t, err)
				require.Len(t, evs, 10)
			}
		})
	}
}
