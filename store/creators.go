package store

import (
	"context"
	"strings"
	"time"
)

// CreatorFilter narrows a creator list; empty fields do not filter.
type CreatorFilter struct {
	// BrandID keeps the creators that brand added or has a partnership with (a brand
	// manager's scope).
	BrandID string
	// Query keeps the creators whose name or one of whose account handles contains it,
	// ignoring case.
	Query  string
	Limit  int
	Cursor string
}

// ListCreators pages through creators newest first with a keyset cursor.
func (s *Store) ListCreators(ctx context.Context, f CreatorFilter) ([]Creator, string, error) {
	q := s.db.WithContext(ctx).Model(&Creator{})
	if f.BrandID != "" {
		q = q.Where("created_by_brand_id = ? OR id IN (SELECT creator_id FROM partnerships WHERE brand_id = ?)", f.BrandID, f.BrandID)
	}
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(f.Query)) + "%"
		handles := "EXISTS (SELECT 1 FROM json_each(accounts) a WHERE LOWER(json_extract(a.value, '$.handle')) LIKE ? ESCAPE '\\')"
		if s.dialect == DialectPostgres {
			handles = "EXISTS (SELECT 1 FROM jsonb_array_elements(accounts) a WHERE LOWER(a->>'handle') LIKE ? ESCAPE '\\')"
		}
		q = q.Where("LOWER(name) LIKE ? ESCAPE '\\' OR "+handles, like, like)
	}
	return newestFirst(q, f.Cursor, f.Limit, func(c Creator) (time.Time, string) { return c.CreatedAt, c.ID })
}

// likeEscaper makes a search text match itself in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
