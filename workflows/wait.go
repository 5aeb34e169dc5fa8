package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// waitForPerson blocks until done() or a cancellation, for at most within. It records the next
// action with its due time and, reminderBefore the deadline, reminds the person. It returns
// false when the deadline passed; the caller decides what that means (expire, escalate).
func (w *partnershipWorkflow) waitForPerson(role, action string, within time.Duration, done func() bool) (bool, error) {
	w.setNext(role, action, within)
	if err := w.persist(w.ctx); err != nil {
		return false, err
	}
	cond := func() bool { return done() || w.cancelled() }
	remind := partnership.Seconds(w.in.Campaign.ReminderBeforeSeconds)
	if remind > 0 && remind < within {
		ok, err := workflow.AwaitWithTimeout(w.ctx, within-remind, cond)
		if err != nil || ok {
			return ok, err
		}
		if err := w.remind(role, action); err != nil {
			return false, err
		}
		within = remind
	}
	return workflow.AwaitWithTimeout(w.ctx, within, cond)
}

// remind tells the person whose turn it is that the deadline is near.
func (w *partnershipWorkflow) remind(role, action string) error {
	w.emit("reminder_sent", systemActor, map[string]string{"role": role, "action": action})
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	subject := "Reminder: action needed on your partnership"
	switch role {
	case partnership.RoleCreator:
		return w.notifyCreator("reminder/"+action, subject,
			fmt.Sprintf("Your partnership with %s is waiting for you to %s.", w.in.BrandName, humanize(action)))
	case partnership.RoleBrandManager:
		return w.notifyBrand("reminder/"+action, subject,
			fmt.Sprintf("Your partnership %s is waiting for you to %s.", w.in.PartnershipID, humanize(action)))
	case partnership.RoleFinance, partnership.RoleAdmin:
		if w.teamEmails() {
			return w.notifyTeam(role, "reminder/"+action, "Reminder: a partnership is waiting for "+role,
				fmt.Sprintf("Partnership %s (%s) is waiting for %s to %s%s.", w.in.PartnershipID, w.in.BrandName, role, humanize(action), w.due(" by ")))
		}
	}
	// System steps are surfaced through next_action and the audit trail only.
	return nil
}

// overdue records that role let the deadline to act pass (a deadline_missed event with
// data, which names role and action) and tells them by e-mail. The caller starts the clock
// again.
func (w *partnershipWorkflow) overdue(role, action string, data map[string]string) error {
	w.emit("deadline_missed", systemActor, data)
	switch role {
	case partnership.RoleCreator:
		return w.notifyCreator("overdue/"+action, "Overdue: your partnership is waiting",
			fmt.Sprintf("The deadline to %s has passed. Please act as soon as possible.", humanize(action)))
	case partnership.RoleBrandManager:
		if w.teamEmails() {
			return w.notifyBrand("overdue/"+action, "Overdue: a partnership is waiting for you",
				fmt.Sprintf("The deadline to %s on partnership %s%s has passed. Please act as soon as possible.",
					humanize(action), w.in.PartnershipID, w.due(", ")))
		}
	case partnership.RoleFinance, partnership.RoleAdmin:
		if w.teamEmails() {
			return w.notifyTeam(role, "overdue/"+action, "Overdue: a partnership is waiting for "+role,
				fmt.Sprintf("The deadline for %s to %s on partnership %s (%s)%s has passed. Please act as soon as possible.",
					role, humanize(action), w.in.PartnershipID, w.in.BrandName, w.due(", ")))
		}
	}
	return nil
}

// teamEmails reports whether this partnership e-mails the finance and admin teams their
// reminders and missed deadlines, and brand managers their missed deadlines; before the
// change only next_action and the audit trail said so (and creators were e-mailed). Asked
// only when such an e-mail is due, so a partnership that never has one records no marker.
func (w *partnershipWorkflow) teamEmails() bool {
	return workflow.GetVersion(w.ctx, "team-emails", workflow.DefaultVersion, 1) >= 1
}

// due is the next action's deadline for an e-mail, after prefix (" by 2 January 2006 15:04
// UTC"), or "" without one.
func (w *partnershipWorkflow) due(prefix string) string {
	if w.st.NextAction == nil || w.st.NextAction.DueAt == nil {
		return ""
	}
	return prefix + w.st.NextAction.DueAt.UTC().Format("2 January 2006 15:04 UTC")
}

// notifyCreator e-mails the creator once per step (the step names the idempotency key).
func (w *partnershipWorkflow) notifyCreator(step, subject, text string) error {
	w.messages++ // the key must differ per message even for the same step
	in := activities.NotifyInput{IdempotencyKey: w.idemKey("email/"+step, w.messages), CreatorID: w.in.CreatorID, Subject: subject, Text: text}
	return w.bestEffort(step, workflow.ExecuteActivity(w.providerCtx(), a.NotifyCreator, in).Get(w.ctx, nil))
}

// bestEffort keeps an e-mail that could not be sent (after a day of retries, or rejected) from
// ending the partnership: the failure goes into the audit trail and next_action still says
// who must act.
func (w *partnershipWorkflow) bestEffort(step string, err error) error {
	if err == nil || temporal.IsCanceledError(err) {
		return err
	}
	w.emit("email_failed", systemActor, map[string]string{"step": step, "error": rootMessage(err)})
	return w.persist(w.ctx)
}

func humanize(action string) string {
	out := []rune(action)
	for i, r := range out {
		if r == '_' {
			out[i] = ' '
		}
	}
	return string(out)
}

// notifyTeam e-mails the finance or admin team once per step (NotifyTeam: nothing when the
// deployment names no address).
func (w *partnershipWorkflow) notifyTeam(role, step, subject, text string) error {
	w.messages++
	in := activities.TeamNotifyInput{IdempotencyKey: w.idemKey("email/"+step, w.messages), Role: role, Subject: subject, Text: text}
	return w.bestEffort(step, workflow.ExecuteActivity(w.providerCtx(), a.NotifyTeam, in).Get(w.ctx, nil))
}

// notifyBrand e-mails the brand's contact once per step.
func (w *partnershipWorkflow) notifyBrand(step, subject, text string) error {
	w.messages++
	in := activities.BrandNotifyInput{IdempotencyKey: w.idemKey("email/"+step, w.messages), BrandID: w.in.BrandID, Subject: subject, Text: text}
	return w.bestEffort(step, workflow.ExecuteActivity(w.providerCtx(), a.NotifyBrand, in).Get(w.ctx, nil))
}

// humanSeconds writes a duration of seconds the way an e-mail should: "3 days", "5 hours", "20 minutes".
func humanSeconds(s int64) string {
	switch {
	case s >= 2*86400:
		return fmt.Sprintf("%d days", s/86400)
	case s >= 2*3600:
		return fmt.Sprintf("%d hours", s/3600)
	case s >= 120:
		return fmt.Sprintf("%d minutes", s/60)
	}
	return fmt.Sprintf("%d seconds", s)
}
