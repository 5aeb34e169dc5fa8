package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"
)

// foldedGolden is foldedAt as released. A history recorded at a base version that folds a
// change holds no marker for it, so on replay a missing or raised entry would ask GetVersion,
// get DefaultVersion and take the old branch: for many of these changes silently (the
// difference is only in state or a continue-as-new input, which replay does not compare).
// Entries may be added (with a version above every released one); none may be removed or
// changed.
var foldedGolden = map[string]workflow.Version{
	"approval-emails": 5, "async-transfers": 5, "cancel-ack-after-write": 5, "cancel-at-signing-deadline": 5,
	"cancel-during-handover": 5, "commission-on-cancel-in-tracking": 5, "compact-cycles": 5, "draft-after-cancel": 5,
	"end-emails": 5, "esign-before-envelope": 5, "esign-final-only": 5, "failure-emails": 5, "fee-on-verification": 5,
	"flush-after-cancel": 5, "no-code-after-cancel": 5, "provider-expiry-expires": 5, "provider-step-hold": 5,
	"settle-chases": 5, "team-emails": 5, "transfer-wait-wakes": 5, "usage-rights-reminder": 5,
	"void-refused-envelope-final": 5, "withdrawal-owes-no-kill-fee": 5,
	"conflict-lookup": 8, "transfer-lookup": 8,
}

func TestFoldedAtKeepsEveryReleasedEntry(t *testing.T) {
	for id, v := range foldedGolden {
		require.Equal(t, v, foldedAt[id], "%s: a released entry is never removed or changed", id)
		// At the version that folded it the change is taken without asking (a nil context
		// makes GetVersion panic).
		require.NotPanics(t, func() {
			require.True(t, (&partnershipWorkflow{base: v}).changed(nil, id), id)
		}, "%s: asked GetVersion at version %d", id, v)
	}
	for id, v := range foldedAt {
		if _, released := foldedGolden[id]; !released {
			require.LessOrEqual(t, v, BaseVersion, "%s: folded at a version new partnerships do not take yet", id)
		}
	}
}
