package api

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestStartAndExistsReadTemporalsAnswers: a start that finds its id taken says so
// (errWorkflowStarted, which the create takes as its own earlier attempt), and Exists says
// "no" only on Temporal's NotFound: any other failure leaves it unknown.
func TestStartAndExistsReadTemporalsAnswers(t *testing.T) {
	ctx := context.Background()
	c := mocks.NewClient(t)
	wf := TemporalWorkflows{Client: c}

	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, partnership.WorkflowType, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "req", "run")).Once()
	err := wf.Start(ctx, partnership.Input{PartnershipID: "p1"})
	require.ErrorIs(t, err, errWorkflowStarted)
	require.NotErrorIs(t, err, errWorkflowClosed)

	id := partnership.WorkflowID("p1")
	c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(&workflowservice.DescribeWorkflowExecutionResponse{}, nil).Once()
	exists, err := wf.Exists(ctx, "p1")
	require.NoError(t, err)
	require.True(t, exists)

	c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(nil, serviceerror.NewNotFound("workflow not found")).Once()
	exists, err = wf.Exists(ctx, "p1")
	require.NoError(t, err)
	require.False(t, exists)

	for _, fail := range []error{serviceerror.NewUnavailable("down"), serviceerror.NewDeadlineExceeded("slow"),
		context.DeadlineExceeded, serviceerror.NewNamespaceNotFound("default"), errors.New("connection reset")} {
		c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(nil, fail).Once()
		_, err = wf.Exists(ctx, "p1")
		require.Error(t, err, "%v leaves it unknown", fail)
	}
}
