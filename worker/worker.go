// Package worker builds the Temporal worker that runs partnership workflows and activities.
package worker

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// Options tunes the worker; zero values keep the SDK defaults, except for the pollers.
type Options struct {
	MaxConcurrentActivities      int
	MaxConcurrentWorkflowTasks   int
	MaxConcurrentLocalActivities int
	// WorkflowTaskPollers is how many long polls for workflow tasks the worker keeps open
	// (0: DefaultWorkflowTaskPollers). It cannot be 1: the SDK alternates its pollers between
	// the sticky and the shared queue.
	WorkflowTaskPollers int
	// OnFatalError is called when the worker stops for good (the namespace is gone, the
	// credentials are refused); nil only logs it.
	OnFatalError func(error)
}

// DefaultWorkflowTaskPollers replaces the SDK's 2. Every human action is a workflow Update,
// which the server hands to the worker as a workflow task on its sticky queue, and the SDK
// keeps about half its pollers on that queue. When no poller is waiting there as the task
// arrives, the server's matching service writes it to its database backlog and hands it
// over from there: a database write and a wait that a waiting poller avoids.
//
// Measured with `partnerflow bench updates` (docs/benchmarks.md, Tuning 19), both sides
// alike: with 8 pollers, tasks spilled to the backlog at 16 clients (its writer took 2.5–3.8%
// of the CPU); with 32 none did, and an Update took 10–12% less CPU on both sides. An idle
// poller costs a goroutine and a long poll each; the frontend allows 1,200 long polls per API
// per instance (frontend.namespaceCount), 37 such workers.
const DefaultWorkflowTaskPollers = 32

// Validate reports options the SDK would refuse (it panics on them).
func (o Options) Validate() error {
	if o.WorkflowTaskPollers < 0 || o.WorkflowTaskPollers == 1 {
		return fmt.Errorf("workflow task pollers must be 0 (the default, %d) or at least 2, got %d", DefaultWorkflowTaskPollers, o.WorkflowTaskPollers)
	}
	return nil
}

// SDKOptions are the SDK worker options opts stands for, without the partnership worker's
// interceptors: the benchmark's bare-SDK baseline worker uses them too, so that both sides
// are tuned alike.
func SDKOptions(opts Options) worker.Options {
	pollers := opts.WorkflowTaskPollers
	if pollers == 0 {
		pollers = DefaultWorkflowTaskPollers
	}
	return worker.Options{
		MaxConcurrentActivityExecutionSize:      opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize:  opts.MaxConcurrentWorkflowTasks,
		MaxConcurrentLocalActivityExecutionSize: opts.MaxConcurrentLocalActivities,
		MaxConcurrentWorkflowTaskPollers:        pollers,
		OnFatalError:                            opts.OnFatalError,
		// On SIGTERM (a rolling deploy) let in-flight provider calls finish rather than cut
		// them off; Kubernetes' grace period (deploy/k8s) is longer than this.
		WorkerStopTimeout: 30 * time.Second,
	}
}

// New registers the partnership and late-payment workflows and every activity on a worker for the task queue.
// opts must be valid (Validate).
func New(c client.Client, acts *activities.Activities, opts Options) worker.Worker {
	o := SDKOptions(opts)
	o.Interceptors = []interceptor.WorkerInterceptor{&heartbeats{}}
	w := worker.New(c, partnership.TaskQueue, o)
	w.RegisterWorkflowWithOptions(workflows.PartnershipWorkflow, workflow.RegisterOptions{Name: partnership.WorkflowType})
	w.RegisterWorkflowWithOptions(workflows.LatePaymentReportWorkflow, workflow.RegisterOptions{Name: partnership.LatePaymentWorkflowType})
	w.RegisterActivity(acts)
	return w
}
