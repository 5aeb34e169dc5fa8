package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	sdkclient "go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/partnership"
)

// TestActionOnUnresponsiveWorkflowIs503: a partnership whose workflow is stuck on a
// non-determinism error answers a human action with 503 in bounded time, not a hang or a 500,
// and nothing changes. The stuck run is made for real: its first workflow task is completed by
// one implementation (a timer), then a worker with another (an activity) takes over, so every
// replay fails as it would after an unversioned code change.
func TestActionOnUnresponsiveWorkflowIs503(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(10000)
	w.waitStage(pid, "negotiation")
	before := len(events(t, w.bm, pid))

	// The replay failures are expected; the history shows them (checked below), the log need not.
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: stack.TemporalAddress, Namespace: devstack.Namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	wid, queue := partnership.WorkflowID(pid), "nondeterministic-"+pid
	require.NoError(t, c.TerminateWorkflow(ctx, wid, "", "test: replace with a run that fails replay"))
	defer func() { _ = c.TerminateWorkflow(ctx, wid, "", "test done") }()

	oldCode := sdkworker.New(c, queue, sdkworker.Options{})
	oldCode.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		return workflow.Sleep(ctx, time.Hour)
	}, workflow.RegisterOptions{Name: partnership.WorkflowType})
	require.NoError(t, oldCode.Start())
	run, err := c.ExecuteWorkflow(ctx, sdkclient.StartWorkflowOptions{ID: wid, TaskQueue: queue}, partnership.WorkflowType)
	require.NoError(t, err)
	eventually(t, "the first workflow task completed", func() bool {
		return hasHistoryEvent(t, c, wid, run.GetRunID(), func(e enumspb.EventType, _ enumspb.WorkflowTaskFailedCause) bool {
			return e == enumspb.EVENT_TYPE_TIMER_STARTED
		})
	})
	oldCode.Stop()

	newCode := sdkworker.New(c, queue, sdkworker.Options{})
	newCode.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		return workflow.ExecuteActivity(ctx, "NotRegistered").Get(ctx, nil)
	}, workflow.RegisterOptions{Name: partnership.WorkflowType})
	require.NoError(t, newCode.Start())
	defer newCode.Stop()

	start := time.Now()
	r := w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"})
	took := time.Since(start)
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	require.NotEmpty(t, r.Header.Get("Retry-After"))
	require.Less(t, took, 20*time.Second, "answered in bounded time")
	require.Len(t, events(t, w.bm, pid), before, "nothing changed")
	require.Equal(t, "negotiation", w.state(pid)["stage"])
	// The run is stuck on non-determinism. The Update's workflow task may be speculative, and
	// a failed speculative task need not reach the history (twice in CI it had not after one
	// and three minutes), so a signal asks for an ordinary task, whose failure always does,
	// once the new worker takes it after the stopped worker's sticky queue times out.
	require.NoError(t, c.SignalWorkflow(ctx, wid, run.GetRunID(), "test-poke", nil))
	eventuallyWithin(t, 3*time.Minute, "the workflow task failed on non-determinism", func() bool {
		return hasHistoryEvent(t, c, wid, run.GetRunID(), func(e enumspb.EventType, cause enumspb.WorkflowTaskFailedCause) bool {
			return e == enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED && cause == enumspb.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
		})
	})
	require.Len(t, events(t, w.bm, pid), before, "still nothing changed")
	figure(t, "unresponsive_workflow", "status", r.Status, "answer_s", fmt.Sprintf("%.1f", took.Seconds()),
		"nondeterminism_in_history", true, "events_changed", 0)
}

// hasHistoryEvent reports whether the run's history has an event matching f.
func hasHistoryEvent(t *testing.T, c sdkclient.Client, wid, runID string, f func(enumspb.EventType, enumspb.WorkflowTaskFailedCause) bool) bool {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), wid, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		if f(e.GetEventType(), e.GetWorkflowTaskFailedEventAttributes().GetCause()) {
			return true
		}
	}
	return false
}
