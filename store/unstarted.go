package store

import (
	"context"
	"time"
)

// A partnership's row is written before its workflow is started, and the workflow's first
// transition moves its state_version past 0. A row still at version 0 is a create in flight,
// or one whose start failed in doubt or whose process died before starting it: the API's
// reconciler asks Temporal about those old enough (UnstartedPartnerships) and removes the
// ones no workflow has (DeleteUnstartedPartnership). updated_at, not created_at, says how old
// such a row is: a create retried with the same Idempotency-Key touches the row before it
// starts the workflow (TouchUnstartedPartnership), so a reconciler that asked Temporal before
// that start cannot delete the row after it.

// UnstartedFilter selects rows for UnstartedPartnerships.
type UnstartedFilter struct {
	// Before: only rows last touched before it.
	Before time.Time
	// AfterAt and AfterID continue a listing after the row with that updated_at and id; a
	// zero AfterAt starts from the oldest.
	AfterAt time.Time
	AfterID string
	Limit   int
}

// UnstartedPartnerships lists, oldest touch first, the partnerships that no workflow has
// written and that were last touched before f.Before. Only the keys and times are read.
func (s *Store) UnstartedPartnerships(ctx context.Context, f UnstartedFilter) ([]Partnership, error) {
	// state_version = 0 is written out, not bound, so that PostgreSQL uses the partial index.
	q := s.db.WithContext(ctx).Model(&Partnership{}).
		Select("id, brand_id, campaign_id, creator_id, state_version, created_at, updated_at").
		Where("state_version = 0 AND updated_at < ?", f.Before.UTC())
	if !f.AfterAt.IsZero() {
		at := f.AfterAt.UTC()
		q = q.Where("(updated_at > ? OR (updated_at = ? AND id > ?))", at, at, f.AfterID)
	}
	var rows []Partnership
	err := q.Order("updated_at").Order("id").Limit(f.Limit).Find(&rows).Error
	return rows, translate(err)
}

// DeleteUnstartedPartnership deletes the row if no workflow has written it and it was last
// touched before before (both as UnstartedPartnerships listed it), and reports whether it did.
// A row already gone, written meanwhile or touched by a retry is left as it is (false).
func (s *Store) DeleteUnstartedPartnership(ctx context.Context, id string, before time.Time) (bool, error) {
	defer s.writing()()
	res := s.db.WithContext(ctx).Where("id = ? AND state_version = 0 AND updated_at < ?", id, before.UTC()).
		Delete(&Partnership{})
	return res.RowsAffected == 1, translate(res.Error)
}

// TouchUnstartedPartnership sets updated_at of a row no workflow has written yet to at, and
// reports whether there was such a row (false: it is gone, or its workflow wrote it).
func (s *Store) TouchUnstartedPartnership(ctx context.Context, id string, at time.Time) (bool, error) {
	defer s.writing()()
	res := s.db.WithContext(ctx).Exec("UPDATE partnerships SET updated_at = ? WHERE id = ? AND state_version = 0", at.UTC(), id)
	return res.RowsAffected == 1, translate(res.Error)
}
