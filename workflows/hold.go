package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// A provider step that fails for good (the provider refused it, or it ran out of its day of
// retries) used to fail the whole workflow: every action then got a 409 and nobody was asked
// to act. Instead the partnership holds in its stage, says so (provider_hold, the audit trail,
// an e-mail to the brand), and names an admin as who must act next: the admin retries the
// step once its cause is fixed, or the brand cancels as usual.

// holdDue is how long an admin has to retry a held step before the hold is escalated (a
// deadline_missed event, counted by partnerflow_deadlines_missed{role="admin"}, and an e-mail
// to the admin team), and the clock starts again. A day: the creator and the brand are both waiting on it, and a step
// that timed out has already been retried for one. The hold never resolves on its own: what
// fixes it (the provider, the configuration, the data) is outside the workflow. The OpenAPI
// document (NextAction.due_at) tells clients: change both.
const holdDue = 24 * time.Hour

// Provider names as they appear in provider_hold, the same as the sandbox's and the
// providers' error messages.
const (
	providerESign    = "esign"
	providerCommerce = "commerce"
	providerSocial   = "social"
)

// providerStep is a provider call whose failure holds the partnership.
type providerStep struct {
	// name is the system action the step performs (next_action while it runs); the admin's
	// action while it is held is "retry_" + name.
	name     string
	provider string
	// deliverable names the deliverable the step is for, if any (verify_post).
	deliverable string
}

// callProvider runs call, a provider activity, until it succeeds. When it fails for good the
// partnership holds (hold) until an admin retries the step, and call runs again; a
// cancellation meanwhile ends the partnership as usual (compensate's errEnded).
//
// call gets the idempotency sequence to build its key from. A refusal (ProviderRejected,
// ProviderRequestInvalid, NotFound) means the provider made nothing under that key, and some
// providers keep a refusal per key (Stripe does), so the retry takes the next key. Any other
// failure (out of retries, a 2xx the client could not read) may have made the thing at the
// provider, so the retry keeps the key and cannot make it twice; from then on the key is in
// doubt, and even a refusal under it (the body built again from changed data, say) keeps it:
// never made twice comes before getting past the refusal, which the brand can still end by
// cancelling. Steps that only read pay no attention to it.
//
// Versioned ("provider-step-hold"): such a failure used to end the workflow failed, and
// histories from then must replay that way. Asked only when a step has failed for good, so
// other partnerships record no marker; a partnership in flight whose step fails after the
// deploy holds.
func (w *partnershipWorkflow) callProvider(step providerStep, call func(keySeq int) error) error {
	keySeq, inDoubt := 1, false
	for attempt := 1; ; attempt++ {
		err := call(keySeq)
		if err == nil || temporal.IsCanceledError(err) {
			return err
		}
		if !w.changed(w.ctx, "provider-step-hold") {
			return err
		}
		if w.cancelled() {
			// Cancelled while the step ran: nothing left to hold for.
			return w.compensate(*w.cancel)
		}
		f := describeFailure(err, step.provider)
		switch {
		case !f.refused:
			inDoubt = true
		case !inDoubt:
			keySeq++
		}
		if err := w.hold(step, f, attempt); err != nil {
			return err
		}
	}
}

// stepFailure is what a failed provider step tells the people who must act on it.
type stepFailure struct {
	provider, errType, message string
	statusCode                 int
	// refused: the provider made nothing under the key (see callProvider).
	refused bool
}

// errTypeTimeout names a step that ran out of its retries (providerOptions'
// ScheduleToCloseTimeout) in provider_hold.error.
const errTypeTimeout = "Timeout"

func describeFailure(err error, provider string) stepFailure {
	f := stepFailure{provider: provider, errType: "Failed", message: rootMessage(err)}
	var appErr *temporal.ApplicationError
	hasApp := errors.As(err, &appErr)
	var timeout *temporal.TimeoutError
	var actErr *temporal.ActivityError
	switch {
	case errors.As(err, &timeout),
		errors.As(err, &actErr) && actErr.RetryState() == enumspb.RETRY_STATE_TIMEOUT:
		// Out of time: the schedule-to-close timer fired, or the next retry would have passed
		// it. The last attempt's failure, when there was one, says why it kept failing.
		f.errType = errTypeTimeout
		f.message = "no success after a day of retries"
		if hasApp {
			f.message += ": " + appErr.Message()
		}
		return f
	case hasApp:
		f.errType = cmp.Or(appErr.Type(), f.errType)
	}
	var rej providers.Rejection
	if (f.errType == providers.ErrTypeRejected || f.errType == providers.ErrTypeRefusedInDoubt) && appErr.HasDetails() && appErr.Details(&rej) == nil {
		f.provider, f.statusCode = cmp.Or(rej.Provider, provider), rej.StatusCode
	}
	switch f.errType {
	case providers.ErrTypeRejected, providers.ErrTypeRequestInvalid, activities.ErrTypeNotFound:
		f.refused = true // not ErrTypeRefusedInDoubt: an earlier sending may have made it
	}
	return f
}

// hold records the failed step, tells the brand, and waits until an admin retries it (nil)
// or the partnership is cancelled (compensate's outcome). Each missed deadline is escalated
// and starts the admin's clock again.
func (w *partnershipWorkflow) hold(step providerStep, f stepFailure, attempt int) error {
	h := partnership.ProviderHold{Step: step.name, Provider: f.provider, Error: f.errType, StatusCode: f.statusCode,
		Message: f.message, DeliverableID: step.deliverable, Attempt: attempt, Since: workflow.Now(w.ctx).UTC()}
	w.st.ProviderHold = &h
	action := "retry_" + step.name
	w.emit("provider_step_failed", systemActor, h)
	w.setNext(partnership.RoleAdmin, action, holdDue)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	if err := w.notifyBrand("provider_hold/"+step.name, "A partnership is on hold",
		fmt.Sprintf("Partnership %s is on hold: the %s step failed at the %s provider (%s). An administrator has been asked to retry it once the cause is fixed; you may also cancel the partnership.",
			w.in.PartnershipID, humanize(step.name), f.provider, f.message)); err != nil {
		return err
	}
	for w.st.ProviderHold != nil && !w.cancelled() {
		ok, err := w.waitForPerson(partnership.RoleAdmin, action, holdDue, func() bool { return w.st.ProviderHold == nil })
		if err != nil {
			return err
		}
		if !ok && !w.cancelled() {
			if err := w.overdue(partnership.RoleAdmin, action, map[string]string{"role": partnership.RoleAdmin, "action": action}); err != nil {
				return err
			}
		}
	}
	if w.cancelled() {
		return w.compensate(*w.cancel)
	}
	return nil
}

func (w *partnershipWorkflow) registerRetryUpdate() error {
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateRetryStep,
		func(ctx workflow.Context, r partnership.RetryRequest) (partnership.Ack, error) {
			held := *w.st.ProviderHold
			w.st.ProviderHold = nil
			// The step runs again as soon as the main loop wakes; say so in the same write.
			w.setNext(partnership.RoleSystem, held.Step, 0)
			w.emit("provider_step_retried", r.Actor, map[string]any{"step": held.Step, "provider": held.Provider,
				"attempt": held.Attempt + 1, "reason": r.Reason})
			return w.persistAck(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(r partnership.RetryRequest) error {
			if err := w.requireRole(r.Actor, partnership.RoleAdmin); err != nil {
				return err
			}
			if w.ended || w.st.ProviderHold == nil {
				return w.conflict("nothing to retry: no provider step is on hold while the partnership is %s", w.st.Stage.InWords())
			}
			if w.cancelled() {
				return w.conflict("the partnership is being cancelled")
			}
			if strings.TrimSpace(r.Reason) == "" {
				return w.invalid("reason is required: say why")
			}
			return nil
		}})
}
