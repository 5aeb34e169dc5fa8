package store

import (
	"context"
	"time"
)

// OverdueByRole counts the open partnerships whose next action was due before now, by the
// role that must act (brand_manager, creator, finance, ...): the stuck partnerships
// operations watches. Roles with none are absent.
func (s *Store) OverdueByRole(ctx context.Context, now time.Time) (map[string]int64, error) {
	var rows []struct {
		NextActionRole string
		N              int64
	}
	err := s.db.WithContext(ctx).Model(&Partnership{}).
		Select("next_action_role, COUNT(*) AS n").
		Where("due_at IS NOT NULL AND due_at < ? AND outcome = ''", now.UTC()).
		Group("next_action_role").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.NextActionRole] = r.N
	}
	return out, nil
}
