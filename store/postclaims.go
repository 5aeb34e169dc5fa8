package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// PostClaim says which deliverable a live post counts for: one deliverable of one
// partnership, in one cycle, across every partnership (migration 9). A claim is never
// released, so a post counted once is never counted again: not after its partnership is
// cancelled, nor after the post fails a later re-check.
type PostClaim struct {
	// Platform and MediaID identify the post: the social provider's id of it on the platform
	// (or "url:" and its URL key when the provider gives it no id).
	Platform string `gorm:"primaryKey"`
	MediaID  string `gorm:"primaryKey"`
	// PostURL is the URL the claim was made under, for people reading the table.
	PostURL       string
	PartnershipID string
	DeliverableID string
	Cycle         int
	ClaimedAt     time.Time
}

// TableName names the table.
func (PostClaim) TableName() string { return "post_claims" }

// SameHolder reports whether o claims for the same partnership, deliverable and cycle as c.
func (c PostClaim) SameHolder(o PostClaim) bool {
	return c.PartnershipID == o.PartnershipID && c.DeliverableID == o.DeliverableID && c.Cycle == o.Cycle
}

// ClaimPost claims c's post for c's deliverable unless it is claimed already, and returns
// the claim that holds: c itself when it is new, else the earlier one, which is c's own
// (SameHolder: a retry, a re-check, a resubmission of the same post) or another's. Two claims
// racing for one post both get the winner's; the unique key decides.
func (s *Store) ClaimPost(ctx context.Context, c PostClaim) (PostClaim, error) {
	if c.ClaimedAt.IsZero() {
		c.ClaimedAt = time.Now().UTC()
	}
	// Microseconds: PostgreSQL keeps no more, so the claim returned reads back the same.
	c.ClaimedAt = c.ClaimedAt.UTC().Truncate(time.Microsecond)
	inserted, err := s.insertPostClaim(ctx, &c)
	if err != nil || inserted {
		return c, err
	}
	return s.GetPostClaim(ctx, c.Platform, c.MediaID)
}

// insertPostClaim inserts c and reports whether it did; false when the post is claimed.
func (s *Store) insertPostClaim(ctx context.Context, c *PostClaim) (bool, error) {
	defer s.writing()()
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(c)
	if res.Error != nil {
		return false, translate(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// GetPostClaim returns the claim on a post; ErrNotFound when it is not claimed.
func (s *Store) GetPostClaim(ctx context.Context, platform, mediaID string) (PostClaim, error) {
	var c PostClaim
	err := s.db.WithContext(ctx).Where("platform = ? AND media_id = ?", platform, mediaID).Take(&c).Error
	return c, translate(err)
}
