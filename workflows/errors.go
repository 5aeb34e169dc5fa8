package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/partnership"
)

// ConflictDetails travels with a refused action so the API can say what the current stage is.
type ConflictDetails struct {
	Stage partnership.Stage `json:"stage"`
	// Field names the request field an invalid payload is refused for, when it is not the one
	// the API names for the action (as "terms.deliverables[1].platform" of a counter-offer).
	Field string `json:"field,omitempty"`
}

func (w *partnershipWorkflow) conflict(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), partnership.ErrTypeConflict, ConflictDetails{Stage: w.st.Stage})
}

func (w *partnershipWorkflow) invalid(format string, args ...any) error {
	return w.invalidField("", format, args...)
}

// invalidField refuses a payload as invalid, naming the request field at fault (empty: the
// action's usual field).
func (w *partnershipWorkflow) invalidField(field, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), partnership.ErrTypeInvalid, ConflictDetails{Stage: w.st.Stage, Field: field})
}

func (w *partnershipWorkflow) forbidden(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), partnership.ErrTypeForbidden, ConflictDetails{Stage: w.st.Stage})
}

func (w *partnershipWorkflow) notFound(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), partnership.ErrTypeNotFound, ConflictDetails{Stage: w.st.Stage})
}

// requireRole refuses actors whose role is not one of roles.
func (w *partnershipWorkflow) requireRole(actor partnership.Actor, roles ...string) error {
	for _, r := range roles {
		if actor.Role == r {
			return nil
		}
	}
	return w.forbidden("role %q may not take this action", actor.Role)
}

// notNow refuses an action the partnership's stage does not allow, in words: "not allowed
// while the partnership is in negotiation", "not allowed: the partnership is cancelled".
func (w *partnershipWorkflow) notNow() string {
	if w.st.Stage.Terminal() {
		return "not allowed: the partnership is " + w.st.Stage.InWords()
	}
	if w.ended {
		return "not allowed: the partnership has ended"
	}
	return "not allowed while the partnership is " + w.st.Stage.InWords()
}

// requireStage refuses actions outside the given stages, and everything once ended.
func (w *partnershipWorkflow) requireStage(stages ...partnership.Stage) error {
	for _, s := range stages {
		if w.st.Stage == s && !w.ended {
			return nil
		}
	}
	return w.conflict("%s", w.notNow())
}
