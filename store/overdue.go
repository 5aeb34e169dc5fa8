package store

import (
	"context"
	"time"
)

// OverdueByRole counts the partnerships whose next action was due before now, by the role
// that must act (brand_manager, creator, finance, ...): the stuck partnerships operations
// watches. Roles with none are absent. A cancelled partnership that still owes a payout has a
// next action (finance's) and counts; one that has ended for good has none.
func (s *Store) OverdueByRole(ctx context.Context, now time.Time) (map[string]int64, error) {
	var rows []struct {
		NextActionRole string
		N              int64
	}
	err := s.db.WithContext(ctx).Model(&Partnership{}).
		Select("next_action_role, COUNT(*) AS n").
		Where("due_at < ? AND next_action_role <> ''", now.UTC()).
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
