package workflows

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestReplayStoredHistories replays the histories recorded from real lifecycles against the
// current workflow code: a change that would break partnerships in flight fails here. See
// REPLAY.md for how to regenerate them and when to use workflow.GetVersion.
func TestReplayStoredHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no stored histories: regenerate them (REPLAY.md)")
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(PartnershipWorkflow, workflow.RegisterOptions{Name: partnership.WorkflowType})
			r.RegisterWorkflowWithOptions(LatePaymentReportWorkflow, workflow.RegisterOptions{Name: partnership.LatePaymentWorkflowType})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}

// incompatiblePartnershipWorkflow is the workflow with one unversioned change: it sleeps
// before doing anything, a command the recorded histories do not have.
func incompatiblePartnershipWorkflow(ctx workflow.Context, in partnership.Input) (partnership.State, error) {
	if err := workflow.Sleep(ctx, 1); err != nil {
		return partnership.State{}, err
	}
	return PartnershipWorkflow(ctx, in)
}

// TestReplayCatchesIncompatibleChange proves the replay test can fail: the same histories
// replayed against an unversioned change report non-determinism.
func TestReplayCatchesIncompatibleChange(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(incompatiblePartnershipWorkflow, workflow.RegisterOptions{Name: partnership.WorkflowType})
	err = r.ReplayWorkflowHistoryFromJSONFile(nil, files[0])
	require.Error(t, err)
	require.Contains(t, err.Error(), "TMPRL1100", "the SDK's non-determinism error")
}
