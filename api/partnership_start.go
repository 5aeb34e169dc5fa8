package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// Creating a partnership writes two things that no transaction spans: its row in the read
// model and its workflow in Temporal. The invariant kept between them:
//
//	A workflow never runs without its row, and a create retried with the same
//	Idempotency-Key ends in one partnership.
//
// So the row is written first and deleted only when Temporal says that no workflow has the
// partnership's id: a failed start is followed by a Describe, because a timeout says nothing
// of what the server did, and an earlier attempt with the same key may have started it. When
// Temporal cannot be asked either, the row stays and the client gets errStartInDoubt (503);
// if no workflow has its id, the reconciler (reconcile.go) deletes it minutes later, as it
// does the row of a create whose process died before the start.
// A keyed create names its partnership after the key (keyedPartnershipID), so the retry finds
// that row and that workflow: Temporal's WorkflowExecutionAlreadyStarted for its own id
// means the earlier attempt worked. The offer is not part of the id, so a retry that finds
// that row checks that it asks for the same offer (else 422, as for any key reused with
// another body). Left open: a start still in flight at the server when the Describe answers
// NotFound, which lands after the row is gone; a retry with the key then recreates the row
// around it (with its own offer, until the workflow writes its state).

// startCheckTimeout bounds asking Temporal whether a workflow exists after its start failed.
// Its own context: the request's has often expired (that is why the start failed). It is
// well inside abandonedClaimMargin, so no retry takes the key over meanwhile.
const startCheckTimeout = 5 * time.Second

// errStartInDoubt: the start failed and Temporal could not say whether the workflow exists.
var errStartInDoubt = errors.New("workflow start in doubt")

// partnershipIDSpace is the UUID namespace of partnership ids derived from an
// Idempotency-Key (version 5, so never equal to a newID, which is version 7).
var partnershipIDSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://partnerflow.dev/ids/partnership"))

// keyedPartnershipID names the partnership a create with an Idempotency-Key makes: the same
// subject, key, campaign and creator always give the same id. The body's other fields are
// left out, as in actionUpdateID, so that a retry whose JSON was re-serialised still finds
// what it retries; the campaign and creator keep a key reused for another invitation from
// meeting the first one.
func keyedPartnershipID(sub, key, campaignID, creatorID string) string {
	name, _ := json.Marshal([]string{sub, key, campaignID, creatorID})
	return uuid.NewSHA1(partnershipIDSpace, name).String()
}

// createTarget picks the id of the partnership a create makes and finds the row an earlier
// attempt with the same Idempotency-Key left (nil if none). A row older than the key's 24 h
// is not an earlier attempt but an earlier partnership, whose key the client has reused as
// it may: that create gets a fresh id, as one without a key does. Those 24 h run from the
// row's creation, not from the key's record, which each attempt renews and a 5xx releases: a
// create retried only after 503s for longer than that makes a second partnership (the
// Idempotency-Key parameter in openapi.yaml says so).
//
// The id leaves the offer out, so an earlier attempt's row may hold another offer: the key
// was used with another body. The idempotency layer answers that with a 422 while the key's
// record lasts, but a 5xx releases the record (so that the same request can be retried), and
// the row is then the only witness; the same 422 comes from here. The comparison is with the
// row's state document rather than a hash of the body stored on the row: the document
// already holds the offer as this handler normalised it, whereas a body hash would need a
// migration and would call a retry whose JSON was merely re-serialised (keys reordered, a
// default spelled out) another body, which the id was built to avoid.
func (s *Server) createTarget(ctx context.Context, c echo.Context, campaignID, creatorID string, offer partnership.Terms) (string, *store.Partnership, error) {
	key := c.Request().Header.Get(idempotencyHeader)
	if key == "" {
		return newID(), nil, nil
	}
	pid := keyedPartnershipID(identity(c).Sub, key, campaignID, creatorID)
	prev, err := s.store.GetPartnership(ctx, pid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return pid, nil, nil
	case err != nil:
		return "", nil, err
	case s.now().Sub(prev.CreatedAt) > idempotencyTTL:
		return newID(), nil, nil
	}
	first, err := offerMade(prev)
	if err != nil {
		return "", nil, err
	}
	if !sameTerms(first, offer) {
		return "", nil, keyReused()
	}
	return pid, &prev, nil
}

// offerMade is the offer the create that wrote p made: the state's terms until negotiation
// starts, then the first entry of its history (the offer sent; later entries are counters,
// which also replace the terms).
func offerMade(p store.Partnership) (partnership.Terms, error) {
	var st partnership.State
	if err := json.Unmarshal(p.State, &st); err != nil {
		return partnership.Terms{}, fmt.Errorf("partnership %s: reading its state: %w", p.ID, err)
	}
	if h := st.Negotiation.History; len(h) > 0 && h[0].Action == "offer" && h[0].Terms != nil {
		return *h[0].Terms, nil
	}
	return st.Terms, nil
}

// sameTerms compares two offers in the form the state document keeps them in, their JSON
// (an ambassador's end date by its UTC instant, not its location or monotonic reading).
func sameTerms(a, b partnership.Terms) bool {
	ra, err1 := json.Marshal(a)
	rb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ra, rb)
}

// retakeRow readies the row an earlier attempt left, and no workflow has written, for this
// retry's start. It touches the row first, so that the reconciler, which deletes only rows
// untouched since its cutoff, cannot delete it after it asked Temporal before this start (see
// reconcile.go). If the row is gone meanwhile (the reconciler found no workflow) it is
// written again; if the workflow wrote it, written says so and row is the partnership now.
func (s *Server) retakeRow(ctx context.Context, prev store.Partnership) (row store.Partnership, written bool, err error) {
	touched, err := s.store.TouchUnstartedPartnership(ctx, prev.ID, s.now().Truncate(time.Microsecond))
	if err != nil || touched {
		return prev, false, err
	}
	row, err = s.store.GetPartnership(ctx, prev.ID)
	switch {
	case err == nil:
		return row, row.StateVersion > 0, nil
	case !errors.Is(err, store.ErrNotFound):
		return prev, false, err
	}
	row = prev
	row.UpdatedAt = s.now().Truncate(time.Microsecond)
	return row, false, s.store.CreatePartnership(ctx, &row)
}

// startWorkflow starts the partnership's workflow and reports whether it exists afterwards.
// Not existing with an error other than errStartInDoubt means Temporal said no workflow has
// the id: nothing runs, and the caller deletes the row.
func (s *Server) startWorkflow(ctx context.Context, in partnership.Input) (bool, error) {
	pid := in.PartnershipID
	err := s.wf.Start(ctx, in)
	if err == nil || errors.Is(err, errWorkflowStarted) {
		// Already started: the id is this partnership's alone, so an earlier attempt did it.
		return true, nil
	}
	ask, cancel := context.WithTimeout(context.WithoutCancel(ctx), startCheckTimeout)
	defer cancel()
	exists, derr := s.wf.Exists(ask, pid)
	switch {
	case derr != nil:
		s.log.WarnContext(ctx, "partnership workflow start in doubt; its row is kept",
			"partnership_id", pid, "start_error", err, "describe_error", derr)
		return false, errStartInDoubt
	case exists:
		s.log.InfoContext(ctx, "partnership workflow started despite an error", "partnership_id", pid, "start_error", err)
		return true, nil
	}
	return false, err
}
