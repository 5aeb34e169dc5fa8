package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// unstartedRow writes a camp2 partnership row that no workflow has written, last touched at.
func (s *actionServer) unstartedRow(t *testing.T, id string, at time.Time) {
	t.Helper()
	require.NoError(t, s.st.CreatePartnership(context.Background(), &store.Partnership{ID: id, BrandID: "b1", CampaignID: "camp2",
		CreatorID: "c1", Stage: "vetting", NextActionRole: "system", NextAction: "vet_creator", State: store.JSON(`{}`),
		CreatedAt: at, UpdatedAt: at}))
}

func (s *actionServer) rowIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, r := range s.rows(t) {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestReconcilerRemovesCreatesThatNeverStarted: a round deletes the rows no workflow has
// written, older than the grace, whose workflow Temporal says does not exist, and only those:
// a workflow that exists will write its row, a Temporal that cannot say is asked again next
// round, and young rows (a create in flight) are not even asked about.
func TestReconcilerRemovesCreatesThatNeverStarted(t *testing.T) {
	s := newCreateServer(t, Config{})
	now := time.Now().UTC().Truncate(time.Microsecond)
	s.now = func() time.Time { return now }
	old := now.Add(-s.cfg.UnstartedGrace - time.Second)
	s.unstartedRow(t, "never-started", old.Add(-time.Hour))
	s.unstartedRow(t, "running", old.Add(-time.Minute))
	s.wf.setRunning("running")
	s.unstartedRow(t, "in-flight", now.Add(-s.cfg.UnstartedGrace+time.Second))
	s.unstartedRow(t, "also-never-started", old)
	// Written by its workflow long ago: not a candidate.
	s.unstartedRow(t, "written", old.Add(-2*time.Hour))
	require.NoError(t, s.st.ApplyTransition(context.Background(), store.Transition{PartnershipID: "written", Version: 1,
		Stage: "vetting", State: store.JSON(`{}`), UpdatedAt: old.Add(-2 * time.Hour)}))

	// Temporal cannot say: nothing is deleted, and the round stops at the first row.
	s.wf.existsErr = errTemporalUnavailable
	cur := s.reconcileUnstarted(context.Background(), unstartedCursor{})
	require.Equal(t, unstartedCursor{}, cur, "the next round starts where this one did")
	require.ElementsMatch(t, []string{"never-started", "running", "in-flight", "also-never-started", "written"}, s.rowIDs(t))
	require.Equal(t, []string{"never-started"}, s.wf.askedAbout())

	s.wf.existsErr = nil
	cur = s.reconcileUnstarted(context.Background(), cur)
	require.Equal(t, unstartedCursor{}, cur, "all seen: the next round starts from the oldest")
	require.ElementsMatch(t, []string{"running", "in-flight", "written"}, s.rowIDs(t))
	require.Equal(t, []string{"never-started", "never-started", "running", "also-never-started"}, s.wf.askedAbout(),
		"oldest first; neither the young row nor the written one is asked about")
	require.Equal(t, 2.0, testutil.ToFloat64(s.unstartedRemoved), "each deletion is counted for alerting")

	// Another replica's round, on the same rows: nothing left to do.
	s.reconcileUnstarted(context.Background(), unstartedCursor{})
	require.ElementsMatch(t, []string{"running", "in-flight", "written"}, s.rowIDs(t))
}

// TestReconcilerPagesThroughRunningWorkflows: a full batch of rows whose workflows exist but
// have not written yet does not hide the row behind them.
func TestReconcilerPagesThroughRunningWorkflows(t *testing.T) {
	s := newCreateServer(t, Config{})
	now := time.Now().UTC().Truncate(time.Microsecond)
	s.now = func() time.Time { return now }
	old := now.Add(-time.Hour)
	for i := range reconcileBatch {
		id := fmt.Sprintf("running-%03d", i)
		s.unstartedRow(t, id, old)
		s.wf.setRunning(id)
	}
	s.unstartedRow(t, "never-started", old.Add(time.Second))
	cur := s.reconcileUnstarted(context.Background(), unstartedCursor{})
	require.Len(t, s.rows(t), reconcileBatch+1)
	require.Equal(t, unstartedCursor{at: old, id: fmt.Sprintf("running-%03d", reconcileBatch-1)}, cur)
	cur = s.reconcileUnstarted(context.Background(), cur)
	require.Len(t, s.rows(t), reconcileBatch)
	require.NotContains(t, s.rowIDs(t), "never-started")
	require.Equal(t, unstartedCursor{}, cur)
}

// TestReconcilerAndAKeyedRetry: a keyed retry of a create whose start was in doubt, sent once
// the reconciler may look at its row, is never left with a workflow and no row. The retry
// touches the row before it starts the workflow, so a round that heard "no workflow" before
// that start does not delete it; and a row the round deleted before the retry is written
// again.
func TestReconcilerAndAKeyedRetry(t *testing.T) {
	const key = "invite-maya"
	pid := keyedPartnershipID(brandManager.Sub, key, "camp2", "c1")
	inDoubt := func(t *testing.T) *actionServer {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(false)
		s.wf.existsErr = errTemporalUnavailable
		rec := s.do(t, brandManager, http.MethodPost, createPath, key, createBody)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		require.Contains(t, decodeProblem(t, rec).Detail, "removed within minutes")
		s.wf.startFault, s.wf.existsErr = nil, nil
		// Minutes later, Temporal is back.
		later := time.Now().UTC().Add(s.cfg.UnstartedGrace + time.Minute)
		s.now = func() time.Time { return later }
		return s
	}
	converged := func(t *testing.T, s *actionServer) {
		t.Helper()
		require.Equal(t, []string{pid}, s.rowIDs(t), "the row stays while its workflow runs")
		require.Equal(t, 1, s.wf.workflowCount())
		s.reconcileUnstarted(context.Background(), unstartedCursor{})
		require.Equal(t, []string{pid}, s.rowIDs(t))
	}

	t.Run("the retry starts it while the round hears there is no workflow", func(t *testing.T) {
		s := inDoubt(t)
		retried := false
		s.wf.afterExists = func(string) {
			if !retried {
				retried = true
				rec := s.do(t, brandManager, http.MethodPost, createPath, key, createBody)
				require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			}
		}
		s.reconcileUnstarted(context.Background(), unstartedCursor{})
		require.True(t, retried)
		converged(t, s)
	})

	t.Run("the round deletes it while the retry reads it", func(t *testing.T) {
		s := inDoubt(t)
		s.Server.store = deleteBeforeTouch{Store: s.st, round: func() { s.reconcileUnstarted(context.Background(), unstartedCursor{}) }}
		rec := s.do(t, brandManager, http.MethodPost, createPath, key, createBody)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		converged(t, s)
	})

	t.Run("the round deleted it before the retry", func(t *testing.T) {
		s := inDoubt(t)
		s.reconcileUnstarted(context.Background(), unstartedCursor{})
		require.Empty(t, s.rows(t))
		rec := s.do(t, brandManager, http.MethodPost, createPath, key, createBody)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		converged(t, s)
	})
}

// deleteBeforeTouch runs a reconciler round just before the first touch of a row.
type deleteBeforeTouch struct {
	*store.Store
	round func()
}

func (d deleteBeforeTouch) TouchUnstartedPartnership(ctx context.Context, id string, at time.Time) (bool, error) {
	d.round()
	return d.Store.TouchUnstartedPartnership(ctx, id, at)
}
