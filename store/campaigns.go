package store

import (
	"context"
	"time"
)

// CampaignFilter narrows a campaign list; empty fields do not filter. BrandID and CreatorID
// also carry the caller's scope: a creator lists the campaigns they have a partnership in.
type CampaignFilter struct {
	BrandID   string
	CreatorID string
	Limit     int
	Cursor    string
}

// ListCampaigns pages through campaigns newest first with a keyset cursor (the index
// campaigns_brand_idx serves a brand's list).
func (s *Store) ListCampaigns(ctx context.Context, f CampaignFilter) ([]Campaign, string, error) {
	q := s.db.WithContext(ctx).Model(&Campaign{})
	if f.BrandID != "" {
		q = q.Where("brand_id = ?", f.BrandID)
	}
	if f.CreatorID != "" {
		q = q.Where("id IN (SELECT campaign_id FROM partnerships WHERE creator_id = ?)", f.CreatorID)
	}
	return newestFirst(q, f.Cursor, f.Limit, func(c Campaign) (time.Time, string) { return c.CreatedAt, c.ID })
}
