package api

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// act runs one human action on a partnership: role check, scope check, then the workflow
// Update. The Idempotency-Key (when given) decides the Update ID (actionUpdateID), so a
// retried request is applied once. Validator refusals come back as 409 with the current stage.
//
// checks run after the body is valid and before the Update, with the loaded partnership.
func (s *Server) act(c echo.Context, name string, body any, build func() any, result any,
	checks ...func(context.Context, store.Partnership) error) error {
	id := identity(c)
	if err := allow(id, actionRoles[name]...); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.loadPartnershipHead(c, ctx)
	if err != nil {
		return err
	}
	if body != nil && !(isOptional(body) && c.Request().ContentLength == 0) {
		if err := bind(c, body); err != nil {
			return err
		}
		if ch, ok := body.(interface{ checkBody() error }); ok {
			if err := ch.checkBody(); err != nil {
				return err
			}
		}
	}
	for _, check := range checks {
		if err := check(ctx, p); err != nil {
			return err
		}
	}
	err = s.wf.Update(ctx, p.ID, actionUpdateID(c, name), name, build(), result)
	var ae *actionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		stage := ae.Stage
		if stage == "" {
			stage = partnership.Stage(p.Stage)
		}
		switch ae.Type {
		case partnership.ErrTypeForbidden:
			return problem(http.StatusForbidden, ae.Message)
		case partnership.ErrTypeInvalid:
			field := cmp.Or(ae.Field, invalidFieldOf[name], "body")
			p := invalidFields(map[string]string{field: ae.Message})
			p.p.Detail = ae.Message
			return p
		case partnership.ErrTypeNotFound:
			return problem(http.StatusNotFound, ae.Message)
		}
		return conflictAt(stage, ae.Message)
	case errors.Is(err, errWorkflowClosed), errors.Is(err, errWorkflowMissing):
		latest, lerr := s.store.GetPartnership(ctx, p.ID)
		if lerr == nil {
			p = latest
		}
		return conflictAt(partnership.Stage(p.Stage), "the partnership is "+partnership.Stage(p.Stage).InWords()+"; no further actions are possible")
	}
	return err
}

// invalidFieldOf names, per action, the request field its workflow validator means when it
// refuses the payload as invalid (partnership.ErrTypeInvalid), so the 422 carries the errors
// map API.md asks of validation failures. The workflow mostly says which only in words; each
// validator checks one field of its action (negotiate: which side may decline or withdraw,
// a property of "action"), and the API's own checks catch the rest before the Update. A
// refusal that names its own field (a counter-offer's deliverable platform) overrides this.
var invalidFieldOf = map[string]string{
	partnership.UpdateVettingDecision: "decision",
	partnership.UpdateNegotiate:       "action",
	partnership.UpdateSubmitDraft:     "caption",
	partnership.UpdateReviewDraft:     "decision",
	partnership.UpdateSubmitPost:      "url",
	partnership.UpdateTriggerPayout:   "kind",
	partnership.UpdateCancel:          "reason",
	partnership.UpdateRetryStep:       "reason",
}

// actionUpdateID names the workflow Update for an action: "<action>/<hex sha256 of sub, key
// and path>" when the request has an Idempotency-Key, a fresh id otherwise.
//
// Temporal deduplicates Updates by ID within a workflow run, so the ID must be exactly as
// specific as the idempotency record. Keys are scoped to the token's sub: without the sub,
// another user's action with the same key (approving payout B after a colleague approved
// payout A with that key) would be answered with the first Update's result and never run.
// The path (which names the payout or deliverable) keeps a key reused once its 24 h record
// has expired from being answered with an old action on another target; the body is left
// out so that a retry whose JSON is re-serialised still finds the Update it retries. The
// parts are NUL-separated and HTTP allows no NUL in a header or path, so no two triples
// hash the same input.
//
// IDs were "<action>/<key>" before; a request first sent before the deploy of this scheme
// and retried after it gets a new Update ID, so that one retry is not deduplicated by
// Temporal (it runs again, and the workflow's validators refuse what no longer fits).
func actionUpdateID(c echo.Context, name string) string {
	req := c.Request()
	key := req.Header.Get(idempotencyHeader)
	if key == "" {
		return name + "/" + newID()
	}
	sum := sha256.Sum256([]byte(identity(c).Sub + "\x00" + key + "\x00" + req.URL.Path))
	return name + "/" + hex.EncodeToString(sum[:])
}

// isOptional reports whether an action's body may be left out (its zero value applies).
func isOptional(body any) bool {
	_, ok := body.(interface{ optionalBody() })
	return ok
}

// adminReason is PRODUCT.md's rule for admins: an admin taking a brand manager's or
// finance's action is an override, and an override always has a reason (the field named),
// which the action's audit event records. reason points into the request body, read once
// the body is bound.
func adminReason(c echo.Context, field string, reason *string) func(context.Context, store.Partnership) error {
	return func(context.Context, store.Partnership) error {
		if identity(c).Role == partnership.RoleAdmin && strings.TrimSpace(*reason) == "" {
			return invalidFields(map[string]string{field: "is required when an admin overrides: say why"})
		}
		return nil
	}
}

// actOnState runs an action whose answer is the whole partnership. The workflow acknowledges
// it with the read-model version that holds it, written before the Update returned, so the
// answer is the read model's row: the same document GET /v1/partnerships/{id} serves.
func (s *Server) actOnState(c echo.Context, name string, body any, build func() any,
	checks ...func(context.Context, store.Partnership) error) (json.RawMessage, error) {
	var ack partnership.Ack
	if err := s.act(c, name, body, build, &ack, checks...); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	id := c.Param("id")
	p, err := s.store.GetPartnership(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.StateVersion >= ack.Version {
		return stateView(identity(c), p.State)
	}
	// Not expected (the read model is written before the Update returns), but never answer
	// with a state from before the action: ask the workflow itself.
	var st partnership.State
	if err := s.wf.Query(ctx, id, partnership.QueryState, &st); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(st.ForReadModel())
	if err != nil {
		return nil, err
	}
	if raw, err = s.store.WithCycles(ctx, id, raw); err != nil {
		return nil, err
	}
	return stateView(identity(c), raw)
}

type vettingDecisionRequest struct {
	Decision string `json:"decision" validate:"required,oneof=approve reject"`
	Note     string `json:"note" validate:"max=2000"`
}

func (s *Server) decideVetting(c echo.Context) error {
	var req vettingDecisionRequest
	st, err := s.actOnState(c, partnership.UpdateVettingDecision, &req, func() any {
		return partnership.VettingDecision{Actor: identity(c).Actor(), Decision: req.Decision, Note: req.Note}
	}, adminReason(c, "note", &req.Note))
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, st)
}

type negotiationRequest struct {
	Action string     `json:"action" validate:"required,oneof=accept decline counter withdraw"`
	Terms  *termsBody `json:"terms" validate:"required_if=Action counter,omitempty"`
}

func (r *negotiationRequest) checkBody() error {
	if r.Terms == nil {
		return nil
	}
	return r.Terms.check("terms")
}

func (s *Server) negotiate(c echo.Context) error {
	var req negotiationRequest
	st, err := s.actOnState(c, partnership.UpdateNegotiate, &req, func() any {
		m := partnership.NegotiationMove{Actor: identity(c).Actor(), Action: req.Action}
		if req.Terms != nil && req.Action == "counter" {
			t := req.Terms.terms()
			m.Terms = &t
		}
		return m
	})
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, st)
}

type draftRequest struct {
	Caption            string   `json:"caption" validate:"required,notblank,max=5000"`
	MediaURLs          []string `json:"media_urls" validate:"max=20,dive,required,http_url"`
	OnscreenDisclosure bool     `json:"onscreen_disclosure"`
	SpokenDisclosure   bool     `json:"spoken_disclosure"`
	PlatformPaidLabel  bool     `json:"platform_paid_label"`
}

func (s *Server) submitDraft(c echo.Context) error {
	var req draftRequest
	var res partnership.DraftResult
	err := s.act(c, partnership.UpdateSubmitDraft, &req, func() any {
		return partnership.DraftSubmission{Actor: identity(c).Actor(), DeliverableID: c.Param("did"), Caption: req.Caption,
			MediaURLs: nonNil(req.MediaURLs), OnscreenDisclosure: req.OnscreenDisclosure, SpokenDisclosure: req.SpokenDisclosure,
			PlatformPaidLabel: req.PlatformPaidLabel}
	}, &res)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

type reviewRequest struct {
	Version  int    `json:"version" validate:"required,min=1"`
	Decision string `json:"decision" validate:"required,oneof=approve request_changes"`
	// Comments say what to change: required when changes are requested (PRODUCT.md: "requests
	// changes with comments"), optional with an approval.
	Comments string `json:"comments" validate:"required_if=Decision request_changes,max=5000"`
}

func (s *Server) reviewDraft(c echo.Context) error {
	var req reviewRequest
	st, err := s.actOnState(c, partnership.UpdateReviewDraft, &req, func() any {
		return partnership.DraftReview{Actor: identity(c).Actor(), DeliverableID: c.Param("did"), Version: req.Version,
			Decision: req.Decision, Comments: req.Comments}
	}, adminReason(c, "comments", &req.Comments))
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, st)
}

type publicationRequest struct {
	URL string `json:"url" validate:"required,http_url,max=2000"`
}

func (s *Server) submitPublication(c echo.Context) error {
	var req publicationRequest
	raw, err := s.actOnState(c, partnership.UpdateSubmitPost, &req, func() any {
		return partnership.PostSubmission{Actor: identity(c).Actor(), DeliverableID: c.Param("did"), URL: req.URL}
	})
	if err != nil {
		return err
	}
	var st partnership.State
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	for _, d := range st.Deliverables {
		if d.ID == c.Param("did") {
			return c.JSON(http.StatusAccepted, d)
		}
	}
	return c.JSONBlob(http.StatusAccepted, raw)
}

type payoutRequest struct {
	Kind   string `json:"kind" validate:"required,oneof=fee commission kill_fee"`
	Reason string `json:"reason" validate:"max=2000"`
}

func (s *Server) triggerPayout(c echo.Context) error {
	var req payoutRequest
	var po partnership.Payout
	err := s.act(c, partnership.UpdateTriggerPayout, &req, func() any {
		return partnership.PayoutTrigger{Actor: identity(c).Actor(), Kind: req.Kind, Reason: req.Reason}
	}, &po, adminReason(c, "reason", &req.Reason), s.requirePayoutProfile)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, po)
}

// requirePayoutProfile refuses a payout early and clearly when the creator has no payout
// account or tax form, rather than failing the transfer later.
func (s *Server) requirePayoutProfile(ctx context.Context, p store.Partnership) error {
	cr, err := s.store.GetCreator(ctx, p.CreatorID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if cr.PaymentsAccountID == "" || cr.TaxForm == "" {
		return conflictAt(partnership.Stage(p.Stage), "the creator has no payout account and tax form on file")
	}
	return nil
}

type approvalRequest struct {
	Reason string `json:"reason" validate:"max=2000"`
}

// The approval's body is optional: finance approves with none, as before reasons existed.
func (approvalRequest) optionalBody() {}

func (s *Server) approvePayout(c echo.Context) error {
	var req approvalRequest
	var po partnership.Payout
	err := s.act(c, partnership.UpdateApprovePayout, &req, func() any {
		return partnership.PayoutApproval{Actor: identity(c).Actor(), PayoutID: c.Param("pid"), Reason: req.Reason}
	}, &po, adminReason(c, "reason", &req.Reason))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, po)
}

// reasonRequest is the body of an action that is only a reason: a cancellation, a retry.
type reasonRequest struct {
	Reason string `json:"reason" validate:"required,notblank,max=2000"`
}

func (s *Server) cancel(c echo.Context) error {
	var req reasonRequest
	st, err := s.actOnState(c, partnership.UpdateCancel, &req, func() any {
		return partnership.CancelRequest{Actor: identity(c).Actor(), Reason: req.Reason}
	})
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, st)
}

// retryStep has the provider step a partnership is held on (provider_hold) run again, once an
// admin has fixed its cause. Only admins retry, so every retry is an override with a reason.
func (s *Server) retryStep(c echo.Context) error {
	var req reasonRequest
	st, err := s.actOnState(c, partnership.UpdateRetryStep, &req, func() any {
		return partnership.RetryRequest{Actor: identity(c).Actor(), Reason: req.Reason}
	}, adminReason(c, "reason", &req.Reason))
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, st)
}
