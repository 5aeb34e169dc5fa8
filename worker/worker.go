// Package worker builds the Temporal worker that runs partnership workflows and activities.
package worker

import (
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
}

// New registers the partnership workflow and every activity on a worker for the task queue.
func New(c client.Client, acts *activities.Activities, opts Options) worker.Worker {
	w := worker.New(c, partnership.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize:      opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize:  opts.MaxConcurrentWorkflowTasks,
		MaxConcurrentLocalActivityExecutionSize: opts.MaxConcurrentLocalActivities,
		Interceptors:                            []interceptor.WorkerInterceptor{&heartbeats{}},
	})
	w.RegisterWorkflowWithOptions(workflows.PartnershipWorkflow, workflow.RegisterOptions{Name: partnership.WorkflowType})
	w.RegisterActivity(acts)
	return w
}
