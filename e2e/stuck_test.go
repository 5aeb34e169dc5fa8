package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdkclient "go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/partnership"
)

// TestActionOnUnresponsiveWorkflowIs503: a partnership whose workflow cannot take an Update
// (here: its run is on a task queue no worker polls, as when its tasks keep failing on a
// non-determinism error) answers a human action with 503 in bounded time, not a hang or a
// 500, and nothing changes.
func TestActionOnUnresponsiveWorkflowIs503(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(10000)
	w.waitStage(pid, "negotiation")
	before := len(events(t, w.bm, pid))

	c, err := sdkclient.Dial(sdkclient.Options{HostPort: stack.TemporalAddress, Namespace: devstack.Namespace})
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.TerminateWorkflow(ctx, partnership.WorkflowID(pid), "", "test: replace with an unresponsive run"))
	_, err = c.ExecuteWorkflow(ctx, sdkclient.StartWorkflowOptions{ID: partnership.WorkflowID(pid), TaskQueue: "nobody-polls-" + pid},
		partnership.WorkflowType)
	require.NoError(t, err)
	defer func() { _ = c.TerminateWorkflow(ctx, partnership.WorkflowID(pid), "", "test done") }()

	start := time.Now()
	r := w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"})
	took := time.Since(start)
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	require.NotEmpty(t, r.Header.Get("Retry-After"))
	require.Less(t, took, 20*time.Second, "answered in bounded time")
	require.Len(t, events(t, w.bm, pid), before, "nothing changed")
	require.Equal(t, "negotiation", w.state(pid)["stage"])
	figure(t, "unresponsive_workflow", "status", r.Status, "answer_s", fmt.Sprintf("%.1f", took.Seconds()), "events_changed", 0)
}
