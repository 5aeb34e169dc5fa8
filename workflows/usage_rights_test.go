package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// usageRightsOnly runs just the post-completion part of a partnership whose posts were
// verified now, with 90 days of usage rights.
func usageRightsOnly(ctx workflow.Context, in partnership.Input) (time.Time, error) {
	w := newPartnershipWorkflow(ctx, in)
	end := workflow.Now(ctx).UTC().AddDate(0, 0, 90)
	w.st.UsageRightsEndAt = &end
	if err := w.remindUsageRights(); err != nil {
		return time.Time{}, err
	}
	return workflow.Now(ctx).UTC(), nil
}

// newUsageRightsEnv is a test environment for usageRightsOnly.
func newUsageRightsEnv() *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(usageRightsOnly)
	env.RegisterActivity(&activities.Activities{})
	return env
}

// runUsageRightsOnly runs usageRightsOnly (90 days of rights, reminded 3 days before their
// end) and returns when it closed.
func runUsageRightsOnly(t *testing.T, env *testsuite.TestWorkflowEnvironment) time.Time {
	t.Helper()
	env.ExecuteWorkflow(usageRightsOnly, partnership.Input{PartnershipID: "p1", BrandID: "b1",
		Campaign: partnership.Campaign{ReminderBeforeSeconds: 3 * 24 * 3600}})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var at time.Time
	require.NoError(t, env.GetWorkflowResult(&at))
	return at
}

func TestUsageRightsReminderBeforeExpiry(t *testing.T) {
	env := newUsageRightsEnv()
	var sent []activities.BrandNotifyInput
	env.OnActivity(a.NotifyBrand, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.BrandNotifyInput) error {
		sent = append(sent, in)
		return nil
	})
	env.OnActivity(a.RecordTransition, mock.Anything, mock.Anything).Return(nil)
	start := env.Now().UTC()

	remindedAt := runUsageRightsOnly(t, env)
	require.Len(t, sent, 1)
	require.Equal(t, "b1", sent[0].BrandID)
	require.Equal(t, "p1/email/usage_rights/1", sent[0].IdempotencyKey)
	require.WithinDuration(t, start.AddDate(0, 0, 87), remindedAt, time.Minute, "3 days before the 90-day end")
}

// TestUsageRightsReminderBeforeVersion: partnerships that completed before
// "usage-rights-reminder" closed at once, reminding nobody, and their histories replay so.
func TestUsageRightsReminderBeforeVersion(t *testing.T) {
	env := newUsageRightsEnv()
	env.OnGetVersion("usage-rights-reminder", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	start := env.Now().UTC()

	closedAt := runUsageRightsOnly(t, env)
	require.WithinDuration(t, start, closedAt, time.Second, "closed at once, no reminder (NotifyBrand is not mocked)")
}
