package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

func TestOverdueByRole(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 5)
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
			set := func(id, role, outcome string, due *time.Time) {
				require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: id, Version: 1, Stage: "content",
					Outcome: outcome, NextActionRole: role, NextAction: "x", DueAt: due, State: store.JSON(`{}`), UpdatedAt: now}))
			}
			set(ids[0], "creator", "", at(-time.Hour))          // overdue
			set(ids[1], "creator", "", at(-time.Minute))        // overdue
			set(ids[2], "finance", "", at(-48*time.Hour))       // overdue
			set(ids[3], "creator", "", at(time.Hour))           // due later
			set(ids[4], "finance", "cancelled", at(-time.Hour)) // cancelled, the kill fee still owed
			got, err := s.OverdueByRole(ctx, now)
			require.NoError(t, err)
			require.Equal(t, map[string]int64{"creator": 2, "finance": 2}, got)
		})
	}
}
