// Package worker builds the Temporal worker that runs partnership workflows and activities.
package worker

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// Options tunes the worker; zero values keep the SDK defaults.
type Options struct {
	MaxConcurrentActivities      int
	MaxConcurrentWorkflowTasks   int
	MaxConcurrentLocalActivities int
	// OnFatalError is called when the worker stops for good (the namespace is gone, the
	// credentials are refused); nil only logs it.
	OnFatalError func(error)
}

// New registers the partnership workflow and every activity on a worker for the task queue.
func New(c client.Client, acts *activities.Activities, opts Options) worker.Worker {
	w := worker.New(c, partnership.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize:      opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize:  opts.MaxConcurrentWorkflowTasks,
		MaxConcurrentLocalActivityExecutionSize: opts.MaxConcurrentLocalActivities,
		OnFatalError:                            opts.OnFatalError,
		Interceptors:                            []interceptor.WorkerInterceptor{&heartbeats{}},
		// On SIGTERM (a rolling deploy) let in-flight provider calls finish rather than cut
		// them off; Kubernetes' grace period (deploy/k8s) is longer than this.
		WorkerStopTimeout: 30 * time.Second,
	})
	w.RegisterWorkflowWithOptions(workflows.PartnershipWorkflow, workflow.RegisterOptions{Name: partnership.WorkflowType})
	w.RegisterActivity(acts)
	return w
}
