package store

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStateShapeIsTheLastRewrite: the API's entity tags name the documents' shape by the last
// migration that rewrote them, so a client's tag from before a rewrite never matches after it.
// A new rewriting migration that forgot StateShape would keep serving 304 on the old shape.
func TestStateShapeIsTheLastRewrite(t *testing.T) {
	last := int64(0)
	for _, m := range stateMigrations(DialectSQLite) {
		last = max(last, m.Version)
	}
	require.EqualValues(t, last, StateShape)
}
