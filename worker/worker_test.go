package worker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOptionsPollers(t *testing.T) {
	// Zero means the tuned default, not the SDK's 2.
	require.NoError(t, Options{}.Validate())
	require.Equal(t, DefaultWorkflowTaskPollers, SDKOptions(Options{}).MaxConcurrentWorkflowTaskPollers)
	require.Equal(t, 3, SDKOptions(Options{WorkflowTaskPollers: 3}).MaxConcurrentWorkflowTaskPollers)

	// The SDK panics on 1 (its pollers alternate between the sticky and the shared queue).
	for _, n := range []int{1, -2} {
		err := Options{WorkflowTaskPollers: n}.Validate()
		require.Error(t, err, "%d pollers", n)
		require.Contains(t, err.Error(), "at least 2")
	}
	require.NoError(t, Options{WorkflowTaskPollers: 2}.Validate())
}
