package worker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// slowCall blocks like a provider call that reports no progress of its own.
func slowCall(ctx context.Context) (string, error) {
	select {
	case <-time.After(2500 * time.Millisecond):
		return "done", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func callWithHeartbeatTimeout(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, HeartbeatTimeout: time.Second,
	})
	var out string
	err := workflow.ExecuteActivity(ctx, slowCall).Get(ctx, &out)
	return out, err
}

// TestHeartbeatsKeepASlowActivityAlive: an activity that runs longer than its heartbeat
// timeout without heartbeating itself survives with the interceptor, and times out without it
// (which shows the test environment enforces the timeout, so the first half means something).
func TestHeartbeatsKeepASlowActivityAlive(t *testing.T) {
	for _, tc := range []struct {
		name         string
		interceptors []interceptor.WorkerInterceptor
		wantErr      bool
	}{
		{"with heartbeats", []interceptor.WorkerInterceptor{&heartbeats{}}, false},
		{"without", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			env.SetWorkerOptions(worker.Options{Interceptors: tc.interceptors})
			env.RegisterWorkflow(callWithHeartbeatTimeout)
			env.RegisterActivity(slowCall)
			env.SetTestTimeout(30 * time.Second)
			env.ExecuteWorkflow(callWithHeartbeatTimeout)
			require.True(t, env.IsWorkflowCompleted())
			if tc.wantErr {
				require.ErrorContains(t, env.GetWorkflowError(), "Heartbeat")
				return
			}
			require.NoError(t, env.GetWorkflowError())
			var out string
			require.NoError(t, env.GetWorkflowResult(&out))
			require.Equal(t, "done", out)
		})
	}
}
