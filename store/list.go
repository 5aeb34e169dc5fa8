package store

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrBadCursor is returned for a cursor this store did not issue.
var ErrBadCursor = errors.New("store: invalid cursor")

// PartnershipFilter narrows a list; empty fields do not filter. BrandID and CreatorID also
// carry the caller's scope.
type PartnershipFilter struct {
	BrandID    string
	CreatorID  string
	CampaignID string
	Stage      string
	// NextRole keeps the partnerships whose next action is that role's (brand_manager,
	// creator, finance, admin, system).
	NextRole string
	// Overdue keeps the partnerships whose next action was due before OverdueAt.
	Overdue   bool
	OverdueAt time.Time
	// ByDue lists the partnerships whose next action has a deadline, soonest first, instead
	// of every partnership newest first: a work queue.
	ByDue  bool
	Limit  int
	Cursor string
}

// ListPartnerships pages through partnerships newest first (or by deadline, ByDue) with a
// keyset cursor, so a page costs the same at row 100 as at row 100,000.
func (s *Store) ListPartnerships(ctx context.Context, f PartnershipFilter) ([]Partnership, string, error) {
	q := s.db.WithContext(ctx).Model(&Partnership{})
	if f.BrandID != "" {
		q = q.Where("brand_id = ?", f.BrandID)
	}
	if f.CreatorID != "" {
		q = q.Where("creator_id = ?", f.CreatorID)
	}
	if f.CampaignID != "" {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if f.Stage != "" {
		q = q.Where("stage = ?", f.Stage)
	}
	if f.NextRole != "" {
		q = q.Where("next_action_role = ?", f.NextRole)
	}
	if f.Overdue {
		q = q.Where("due_at < ?", f.OverdueAt.UTC())
	}
	if f.ByDue {
		return listByDue(q, f)
	}
	return newestFirst(q, f.Cursor, f.Limit, func(p Partnership) (time.Time, string) { return p.CreatedAt, p.ID })
}

// newestFirst pages the rows of q by (created_at, id) descending: at most limit rows after
// the cursor, and the cursor of the next page ("" on the last). key gives a row's pair.
func newestFirst[T any](q *gorm.DB, cursor string, limit int, key func(T) (time.Time, string)) ([]T, string, error) {
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil || strings.HasPrefix(id, dueCursorMark) {
			return nil, "", ErrBadCursor
		}
		q = q.Where("(created_at < ?) OR (created_at = ? AND id < ?)", at, at, id)
	}
	var rows []T
	if err := q.Order("created_at DESC").Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor(key(rows[len(rows)-1]))
	}
	return rows, next, nil
}

// dueCursorMark starts the key of a cursor into a deadline-ordered list, so that a cursor
// of the newest-first list is refused there and the other way round.
const dueCursorMark = "due "

// listByDue pages by (due_at, id) ascending over the rows with a deadline. Deadlines move
// as partnerships move on: a row whose deadline moved later while a client walks the pages
// shows up again further on, and one that moved earlier is not seen in this walk.
func listByDue(q *gorm.DB, f PartnershipFilter) ([]Partnership, string, error) {
	q = q.Where("due_at IS NOT NULL")
	if f.Cursor != "" {
		at, key, err := decodeCursor(f.Cursor)
		id, ok := strings.CutPrefix(key, dueCursorMark)
		if err != nil || !ok || id == "" {
			return nil, "", ErrBadCursor
		}
		q = q.Where("(due_at > ?) OR (due_at = ? AND id > ?)", at, at, id)
	}
	var rows []Partnership
	if err := q.Order("due_at").Order("id").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err)
	}
	next := ""
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = encodeCursor(*last.DueAt, dueCursorMark+last.ID)
	}
	return rows, next, nil
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return time.Time{}, "", ErrBadCursor
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	return at, id, nil
}

// PayoutFilter narrows the payout list; empty fields do not filter. BrandID and CreatorID also
// carry the caller's scope.
type PayoutFilter struct {
	Status        string
	BrandID       string
	CreatorID     string
	CampaignID    string
	PartnershipID string
	// ConflictingReport keeps the contested payouts whose conflicting_report it is.
	ConflictingReport string
	Limit             int
	Cursor            string
}

// ListPayouts pages through payouts oldest first (finance works the queue in order) with a
// keyset cursor on (created_at, partnership, id), none of which a later snapshot changes.
func (s *Store) ListPayouts(ctx context.Context, f PayoutFilter) ([]PayoutRow, string, error) {
	q := s.db.WithContext(ctx).Model(&PayoutRow{})
	for _, w := range [...]struct{ col, v string }{{"status", f.Status}, {"brand_id", f.BrandID},
		{"creator_id", f.CreatorID}, {"campaign_id", f.CampaignID}, {"partnership_id", f.PartnershipID},
		{"conflicting_report", f.ConflictingReport}} {
		if w.v != "" {
			q = q.Where(w.col+" = ?", w.v)
		}
	}
	if f.Cursor != "" {
		at, key, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		pid, id, ok := strings.Cut(key, " ")
		if !ok {
			return nil, "", ErrBadCursor
		}
		q = q.Where("(created_at > ?) OR (created_at = ? AND (partnership_id > ? OR (partnership_id = ? AND id > ?)))",
			at, at, pid, pid, id)
	}
	var rows []PayoutRow
	if err := q.Order("created_at").Order("partnership_id").Order("id").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err)
	}
	next := ""
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = encodeCursor(last.CreatedAt, last.PartnershipID+" "+last.ID)
	}
	return rows, next, nil
}
