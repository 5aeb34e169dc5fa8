package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

var (
	errTemporalUnavailable = errors.New("temporal unavailable")
	// errWorkflowClosed: the partnership's workflow has completed; actions are refused.
	errWorkflowClosed = errors.New("workflow closed")
	// errWorkflowMissing: no workflow exists for the id.
	errWorkflowMissing = errors.New("workflow not found")
	// errWorkflowStarted: a start found a workflow with its id already there.
	errWorkflowStarted = errors.New("workflow already started")
)

// actionError is a refusal from a workflow validator or handler.
type actionError struct {
	Type    string
	Message string
	Stage   partnership.Stage
	// Field is the request field an invalid payload was refused for, when the workflow names
	// one; empty means the action's usual field (invalidFieldOf).
	Field string
}

func (e *actionError) Error() string { return e.Message }

// TemporalWorkflows implements Workflows with the SDK client.
type TemporalWorkflows struct {
	Client client.Client
	// AcceptTimeout bounds how long an Update may wait to be accepted. A workflow that cannot
	// take it (its tasks failing, say on a non-determinism error, or no worker running) would
	// otherwise hold the request until the client gave up; past this the API answers 503 and
	// the client retries with the same Idempotency-Key. Zero means 10 s.
	AcceptTimeout time.Duration
}

// Ping checks the frontend answers.
func (t TemporalWorkflows) Ping(ctx context.Context) error {
	if _, err := t.Client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("%w: %v", errTemporalUnavailable, err)
	}
	return nil
}

// Start starts the partnership workflow. The deterministic ID and the conflict policy make a
// duplicate start fail (errWorkflowStarted) instead of running a second workflow for the
// same partnership.
func (t TemporalWorkflows) Start(ctx context.Context, in partnership.Input) error {
	_, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       partnership.WorkflowID(in.PartnershipID),
		TaskQueue:                partnership.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, partnership.WorkflowType, in)
	return mapTemporalError(err)
}

// Exists reports whether the partnership's workflow exists, running or closed. Only
// Temporal's NotFound says it does not; any other failure is returned, and leaves it unknown.
func (t TemporalWorkflows) Exists(ctx context.Context, partnershipID string) (bool, error) {
	_, err := t.Client.DescribeWorkflowExecution(ctx, partnership.WorkflowID(partnershipID), "")
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nf):
		return false, nil
	}
	return false, mapTemporalError(err)
}

// Update sends an Update and waits for its result.
func (t TemporalWorkflows) Update(ctx context.Context, partnershipID, updateID, name string, arg, result any) error {
	accept := t.AcceptTimeout
	if accept <= 0 {
		accept = 10 * time.Second
	}
	actx, cancel := context.WithTimeout(ctx, accept)
	defer cancel()
	h, err := t.Client.UpdateWorkflow(actx, client.UpdateWorkflowOptions{
		WorkflowID:   partnership.WorkflowID(partnershipID),
		UpdateID:     updateID,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err != nil {
		return mapTemporalError(err)
	}
	// Accepted (validated and in history): wait for the handler's result within the request's
	// own deadline.
	return mapTemporalError(h.Get(ctx, result))
}

// Query runs a named query on the partnership's workflow.
func (t TemporalWorkflows) Query(ctx context.Context, partnershipID, name string, result any) error {
	v, err := t.Client.QueryWorkflow(ctx, partnership.WorkflowID(partnershipID), "", name)
	if err != nil {
		return mapTemporalError(err)
	}
	return v.Get(result)
}

// Signal delivers a provider event.
func (t TemporalWorkflows) Signal(ctx context.Context, partnershipID, name string, arg any) error {
	return mapTemporalError(t.Client.SignalWorkflow(ctx, partnership.WorkflowID(partnershipID), "", name, arg))
}

// ReportLatePayment signals the partnership's late-payment workflow with the report, starting
// a new run when none is running (a finished one's id is reused); a report it took before is
// recognised by its event id.
func (t TemporalWorkflows) ReportLatePayment(ctx context.Context, start partnership.LatePaymentStart, ev partnership.PaymentEvent) error {
	_, err := t.Client.SignalWithStartWorkflow(ctx, partnership.LatePaymentWorkflowID(start.PartnershipID), partnership.SignalPaymentEvent, ev,
		client.StartWorkflowOptions{
			TaskQueue:                partnership.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		}, partnership.LatePaymentWorkflowType, start)
	return mapTemporalError(err)
}

func mapTemporalError(err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		ae := &actionError{Type: appErr.Type(), Message: appErr.Message()}
		var d workflows.ConflictDetails
		if appErr.HasDetails() && appErr.Details(&d) == nil {
			ae.Stage, ae.Field = d.Stage, d.Field
		}
		return ae
	}
	var nf *serviceerror.NotFound
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	var canceled *serviceerror.Canceled
	switch {
	case errors.As(err, &nf):
		if nf.Message == "workflow execution already completed" {
			return errWorkflowClosed
		}
		return errWorkflowMissing
	case errors.As(err, &already):
		return fmt.Errorf("%w: %v", errWorkflowStarted, err)
	case errors.As(err, &unavailable), errors.As(err, &deadline), errors.As(err, &canceled),
		errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %v", errTemporalUnavailable, err)
	}
	var wfErr *temporal.WorkflowExecutionError
	if errors.As(err, &wfErr) {
		return errWorkflowClosed
	}
	return fmt.Errorf("%w: %v", errTemporalUnavailable, err)
}
