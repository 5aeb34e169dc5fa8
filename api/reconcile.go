package api

import (
	"context"
	"time"

	"github.com/partnerflow/partnerflow/store"
)

// A create whose workflow never started leaves its row behind when its start failed in doubt
// (errStartInDoubt) or its process died between writing the row and starting the workflow:
// a partnership listed in vetting, waiting on the system to vet the creator, that refuses
// every action. The reconciler removes those rows, and only those: each round it takes the
// rows no workflow has written (state_version 0) that nothing touched for unstartedGrace, asks
// Temporal about each, and deletes the row only when Temporal answers that no workflow has
// its id. A workflow that exists writes its row itself; a Temporal that cannot answer is asked
// again next round.
//
// Safe on several replicas at once: a row another replica deleted is deleted again to no
// effect. And never a row whose workflow exists: a start that could still land is one whose
// create wrote or touched the row less than a request timeout ago (a keyed retry touches the
// row it finds before starting, store.TouchUnstartedPartnership), far inside the grace, and
// the delete only takes the row while it is untouched since the cutoff the round listed it
// by.

const (
	// defaultReconcileInterval is how often a round runs.
	defaultReconcileInterval = time.Minute
	// defaultUnstartedGrace is how long a row no workflow has written is left alone after it
	// was last touched: far longer than any start can take (a request timeout).
	defaultUnstartedGrace = 5 * time.Minute
	// reconcileBatch bounds the rows one round asks Temporal about.
	reconcileBatch = 100
	// reconcileDBTimeout bounds each of a round's database statements.
	reconcileDBTimeout = 30 * time.Second
)

// unstartedCursor is where the next round continues: after the row with that updated_at and
// id (zero: from the oldest). Rounds page through the candidates, so a batch of rows whose
// workflows exist but have not written yet (their worker is down, say) does not hide the
// rows behind it.
type unstartedCursor struct {
	at time.Time
	id string
}

// RunReconciler runs a reconciliation round every interval until ctx ends.
func (s *Server) RunReconciler(ctx context.Context) {
	tick := time.NewTicker(s.cfg.ReconcileInterval)
	defer tick.Stop()
	var cur unstartedCursor
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		cur = s.reconcileUnstarted(ctx, cur)
	}
}

// reconcileUnstarted runs one round from cur and returns where the next one continues.
func (s *Server) reconcileUnstarted(ctx context.Context, cur unstartedCursor) unstartedCursor {
	cutoff := s.now().Add(-s.cfg.UnstartedGrace)
	lctx, cancel := context.WithTimeout(ctx, reconcileDBTimeout)
	rows, err := s.store.UnstartedPartnerships(lctx, store.UnstartedFilter{Before: cutoff, AfterAt: cur.at, AfterID: cur.id, Limit: reconcileBatch})
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "reconciler: listing the partnerships no workflow has written", "error", err)
		}
		return cur
	}
	for _, p := range rows {
		ask, cancel := context.WithTimeout(ctx, startCheckTimeout)
		exists, err := s.wf.Exists(ask, p.ID)
		cancel()
		switch {
		case ctx.Err() != nil:
			return cur
		case err != nil:
			// Temporal cannot say; the rest of the round would fare no better. This row first
			// next round.
			s.log.WarnContext(ctx, "reconciler: Temporal did not say whether a partnership's workflow exists; asked again next round",
				"partnership_id", p.ID, "error", err)
			return cur
		case exists:
			// It will write its row.
		default:
			dctx, cancel := context.WithTimeout(ctx, reconcileDBTimeout)
			deleted, err := s.store.DeleteUnstartedPartnership(dctx, p.ID, cutoff)
			cancel()
			switch {
			case err != nil:
				s.log.WarnContext(ctx, "reconciler: could not delete a partnership whose workflow never started",
					"partnership_id", p.ID, "error", err)
				return cur
			case deleted:
				s.unstartedRemoved.Inc()
				s.log.InfoContext(ctx, "reconciler: deleted a partnership whose workflow never started",
					"partnership_id", p.ID, "brand_id", p.BrandID, "campaign_id", p.CampaignID, "creator_id", p.CreatorID,
					"created_at", p.CreatedAt)
			}
		}
		cur = unstartedCursor{at: p.UpdatedAt, id: p.ID}
	}
	if len(rows) < reconcileBatch {
		return unstartedCursor{} // the last page: from the oldest again
	}
	return cur
}
