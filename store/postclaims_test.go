package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// A post is claimed once: the same partnership, deliverable and cycle claiming it again get
// their own claim back (the first, unchanged), anyone else gets the holder's.
func TestPostClaimsAreIdempotentAndUnique(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 2)
			_, err := s.GetPostClaim(ctx, "instagram", "m-1")
			require.ErrorIs(t, err, store.ErrNotFound)

			first := store.PostClaim{Platform: "instagram", MediaID: "m-1", PostURL: "https://instagram.com/p/m-1",
				PartnershipID: ids[0], DeliverableID: "d1", Cycle: 1, ClaimedAt: time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)}
			held, err := s.ClaimPost(ctx, first)
			require.NoError(t, err)
			require.True(t, held.SameHolder(first))
			require.True(t, held.ClaimedAt.Equal(first.ClaimedAt.Truncate(time.Microsecond)))

			again := first
			again.PostURL, again.ClaimedAt = "https://www.instagram.com/p/m-1/", time.Time{}
			held, err = s.ClaimPost(ctx, again)
			require.NoError(t, err, "a retry or a re-check claims again")
			require.True(t, held.SameHolder(first))
			require.True(t, held.ClaimedAt.Equal(first.ClaimedAt.Truncate(time.Microsecond)), "the first claim stands: %v", held.ClaimedAt)
			require.Equal(t, first.PostURL, held.PostURL)

			for _, other := range []store.PostClaim{
				{PartnershipID: ids[1], DeliverableID: "d1", Cycle: 1}, // another partnership
				{PartnershipID: ids[0], DeliverableID: "d2", Cycle: 1}, // another deliverable
				{PartnershipID: ids[0], DeliverableID: "d1", Cycle: 2}, // a later ambassador cycle
			} {
				other.Platform, other.MediaID = "instagram", "m-1"
				held, err := s.ClaimPost(ctx, other)
				require.NoError(t, err)
				require.False(t, held.SameHolder(other), "%+v", other)
				require.True(t, held.SameHolder(first))
			}

			// The same id on another platform is another post.
			tt := store.PostClaim{Platform: "tiktok", MediaID: "m-1", PartnershipID: ids[1], DeliverableID: "d1", Cycle: 1}
			held, err = s.ClaimPost(ctx, tt)
			require.NoError(t, err)
			require.True(t, held.SameHolder(tt))
			got, err := s.GetPostClaim(ctx, "instagram", "m-1")
			require.NoError(t, err)
			require.True(t, got.SameHolder(first))
		})
	}
}

// Partnerships verifying one post at the same moment: one claim wins, every caller sees it.
func TestPostClaimRace(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			_, ids := seed(t, s, 8)
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				seen = map[string]int{}
			)
			for _, id := range ids {
				wg.Go(func() {
					held, err := s.ClaimPost(context.Background(), store.PostClaim{Platform: "instagram", MediaID: "m-race",
						PartnershipID: id, DeliverableID: "d1", Cycle: 1})
					require.NoError(t, err)
					mu.Lock()
					seen[held.PartnershipID]++
					mu.Unlock()
				})
			}
			wg.Wait()
			require.Len(t, seen, 1, "%v", seen)
			for _, n := range seen {
				require.Equal(t, len(ids), n)
			}
		})
	}
}

// Migration 9 claims the posts verified before it, from the partnerships' states (the current
// cycle and the finished ones); a post verified for two partnerships goes to the earlier
// verification, and posts not verified are not claimed.
func TestPostClaimsMigrationClaimsVerifiedPosts(t *testing.T) {
	const p0 = `{"id":"p-000","stage":"tracking","cycle":2,
		"deliverables":[
			{"id":"d1","platform":"Instagram","status":"verified","publication":{"url":"https://instagram.com/p/shared","status":"verified",
				"report":{"media_id":"shared","verified":true,"reasons":[],"checked_at":"2026-02-02T00:00:00Z"}}},
			{"id":"d2","platform":"tiktok","status":"verification_failed","publication":{"url":"https://tiktok.com/v/failed","status":"failed",
				"report":{"media_id":"failed","verified":false,"reasons":["wrong_account"],"checked_at":"2026-02-02T00:00:00Z"}}}],
		"cycles":[{"cycle":1,"deliverables":[
			{"id":"d1","platform":"instagram","status":"verified","publication":{"url":"https://instagram.com/p/old","status":"verified",
				"report":{"media_id":"old","verified":true,"reasons":[],"checked_at":"2026-01-02T00:00:00.5Z"}}}]}]}`
	const p1 = `{"id":"p-001","stage":"payout","cycle":1,
		"deliverables":[
			{"id":"d1","platform":"instagram","status":"verified","publication":{"url":"https://www.instagram.com/p/shared/","status":"verified",
				"report":{"media_id":"shared","verified":true,"reasons":[],"checked_at":"2026-01-15T00:00:00Z"}}}]}`
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 3)
			require.NoError(t, s.MigrateDownTo(ctx, 8))
			for i, doc := range []string{p0, p1, `{"stage":5}`} {
				require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[i], Version: 3, Stage: "tracking",
					State: store.JSON(doc), UpdatedAt: time.Now().UTC()}))
			}
			require.NoError(t, s.Migrate(ctx))

			claim := func(platform, media string) store.PostClaim {
				t.Helper()
				c, err := s.GetPostClaim(ctx, platform, media)
				require.NoError(t, err, media)
				return c
			}
			shared := claim("instagram", "shared")
			require.Equal(t, store.PostClaim{Platform: "instagram", MediaID: "shared", PostURL: "https://www.instagram.com/p/shared/",
				PartnershipID: ids[1], DeliverableID: "d1", Cycle: 1, ClaimedAt: shared.ClaimedAt}, shared,
				"verified first for p-001, on 15 January")
			require.True(t, shared.ClaimedAt.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)), "%v", shared.ClaimedAt)
			old := claim("instagram", "old")
			require.Equal(t, ids[0], old.PartnershipID)
			require.Equal(t, 1, old.Cycle, "an earlier cycle's post")
			require.True(t, old.ClaimedAt.Equal(time.Date(2026, 1, 2, 0, 0, 0, 5e8, time.UTC)), "%v", old.ClaimedAt)
			_, err := s.GetPostClaim(ctx, "tiktok", "failed")
			require.ErrorIs(t, err, store.ErrNotFound, "a post that did not verify is not claimed")
		})
	}
}
