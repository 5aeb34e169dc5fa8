package workflows

import (
	"fmt"
	"slices"
	"strings"
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
	var text string
	switch role {
	case partnership.RoleCreator:
		text = fmt.Sprintf("Your partnership with %s is waiting for you to %s%s.", w.in.BrandName, actionPhrase(action), w.due(" by ", ""))
	case partnership.RoleBrandManager:
		text = fmt.Sprintf("%s is waiting for you to %s%s.%s", upperFirst(w.brandPartnershipName()), actionPhrase(action), w.due(" by ", ""), w.idLine())
	case partnership.RoleFinance, partnership.RoleAdmin:
		if !w.teamEmails() {
			return nil
		}
		subject = "Reminder: a partnership is waiting for " + role
		text = fmt.Sprintf("Partnership %s (%s) is waiting for %s to %s%s.", w.in.PartnershipID, w.in.BrandName, role, actionPhrase(action), w.due(" by ", ""))
	default:
		return nil // system steps: next_action and the audit trail say what is under way
	}
	return w.notify(role, "reminder/"+action, subject, text)
}

// overdue records that role let the deadline to act pass (a deadline_missed event with
// data, which names role and action) and tells them by e-mail. The caller starts the clock
// again.
func (w *partnershipWorkflow) overdue(role, action string, data map[string]string) error {
	w.emit("deadline_missed", systemActor, data)
	if w.late == nil || w.late.Role != role || w.late.Action != action {
		since := workflow.Now(w.ctx).UTC()
		if na := w.st.NextAction; na != nil && na.Role == role && na.Action == action && na.DueAt != nil {
			since = *na.DueAt
		}
		w.late = &partnership.NextAction{Role: role, Action: action, OverdueSince: &since}
	}
	var subject, text string
	switch role {
	case partnership.RoleCreator:
		subject = "Overdue: your partnership is waiting"
		text = fmt.Sprintf("The deadline to %s on your partnership with %s has passed. Please act as soon as possible.", actionPhrase(action), w.in.BrandName)
	case partnership.RoleBrandManager, partnership.RoleFinance, partnership.RoleAdmin:
		if !w.teamEmails() {
			return nil
		}
		who := role
		if role == partnership.RoleBrandManager {
			who = "you"
		}
		on := fmt.Sprintf("partnership %s (%s)", w.in.PartnershipID, w.in.BrandName)
		if role == partnership.RoleBrandManager {
			on = w.brandPartnership(false)
		}
		if d := data["deliverable_id"]; d != "" {
			on = "deliverable " + d + " of " + on
		}
		subject = "Overdue: a partnership is waiting for " + who
		text = fmt.Sprintf("The deadline for %s to %s on %s%s has passed. Please act as soon as possible.",
			who, actionPhrase(action), on, w.due(", due ", ","))
		if role == partnership.RoleBrandManager {
			text += w.idLine()
		}
	default:
		return nil
	}
	return w.notify(role, "overdue/"+action, subject, text)
}

// teamEmails reports whether this partnership e-mails the finance and admin teams their
// reminders and missed deadlines, and brand managers their missed deadlines; before the
// change only next_action and the audit trail said so (and creators were e-mailed). Asked
// only when such an e-mail is due, so a partnership that never has one records no marker.
func (w *partnershipWorkflow) teamEmails() bool {
	return w.changed(w.ctx, "team-emails")
}

// emailTime is how an e-mail writes a deadline: "13 January 2030 09:04 UTC".
const emailTime = "2 January 2006 15:04 UTC"

// due is the next action's deadline for an e-mail between prefix and suffix (" by 13 January
// 2030 09:04 UTC"), or "" without one.
func (w *partnershipWorkflow) due(prefix, suffix string) string {
	if w.st.NextAction == nil || w.st.NextAction.DueAt == nil {
		return ""
	}
	return prefix + w.st.NextAction.DueAt.UTC().Format(emailTime) + suffix
}

// notice is an e-mail an Update handler, a stage loop or a signal asks for, which nobody waits
// for (partnership.Notice, as an ambassador run carries its unsent ones to the next).
type notice = partnership.Notice

// noticeTurn queues an e-mail telling role that it is their turn, when this partnership sends
// them (turnEmails). Handlers queue and noticeLoop sends, so neither the Update's answer nor
// the stage waits for an e-mail, and each change gets its own.
func (w *partnershipWorkflow) noticeTurn(role, step, subject, text string) {
	if w.turnEmails {
		w.notices = append(w.notices, notice{Role: role, Step: step, Subject: subject, Text: text, Turn: true})
	}
}

// tell e-mails role something nobody waits for (a failed payout or post verification, a
// payout to approve). From version 6 of record-once-per-task it is queued for noticeLoop, so
// the stage goes on at once: in line, the e-mail held the main loop for as long as the e-mail
// provider took, up to its hour of retries, and next_action showed the step before the
// failure until it was sent. Partnerships started before send it in line, as they did.
func (w *partnershipWorkflow) tell(role, step, subject, text string) error {
	if w.base >= 6 {
		w.notices = append(w.notices, notice{Role: role, Step: step, Subject: subject, Text: text})
		return nil
	}
	return w.notify(role, step, subject, text)
}

// noticeLoop sends the queued e-mails in the order they were asked for, beside the main loop,
// until the workflow's context is done.
func (w *partnershipWorkflow) noticeLoop(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return len(w.notices) > 0 }); err != nil {
			return
		}
		n := w.notices[0]
		w.notices = w.notices[1:]
		w.noticeSending = true
		err := w.notifyIn(ctx, n.Role, n.Step, n.Subject, n.Text, n.Turn)
		w.noticeSending = false
		if err != nil {
			return // cancelled, or the read model could not record the failure
		}
	}
}

// awaitNotices waits until noticeLoop has sent every queued e-mail, on partnerships from
// version 6: a run that ended dropped the e-mails still queued or on their way. It stops
// waiting once the workflow's context is done (noticeLoop has stopped).
func (w *partnershipWorkflow) awaitNotices(ctx workflow.Context) error {
	if w.base < 6 {
		return nil
	}
	return workflow.Await(ctx, w.noticesSent)
}

// noticesSent reports whether noticeLoop has nothing left to send, nor will have once the
// payment conflicts being checked at the provider are resolved, or has stopped.
func (w *partnershipWorkflow) noticesSent() bool {
	return (len(w.notices) == 0 && !w.noticeSending && len(w.conflictChecks) == 0) || w.ctx.Err() != nil
}

// noticeHandOverWait is how long an ambassador cycle's hand-over waits for its queued e-mails.
const noticeHandOverWait = time.Minute

// noticesAtHandOver gives the e-mails queued at an ambassador cycle's hand-over a minute to be
// sent, on partnerships from version 6, and returns those still queued, which the next run
// sends first (Carry.Notices). The next cycle is not held for an e-mail provider that is slow
// or down: each e-mail may retry for an hour. One on its way after the minute is left to its
// activity, which the hand-over abandons.
func (w *partnershipWorkflow) noticesAtHandOver() ([]partnership.Notice, error) {
	if w.base < 6 || w.noticesSent() {
		return nil, nil // nothing to wait for: no timer
	}
	if _, err := workflow.AwaitWithTimeout(w.ctx, noticeHandOverWait, w.noticesSent); err != nil {
		return nil, err
	}
	w.unresolvedConflictsTold()
	carried := slices.Clone(w.notices)
	if w.base >= 8 {
		// Carried, so not sent here too: noticeLoop could take one before the run ends, and
		// the next run would send it again under another key.
		w.notices = nil
	}
	return carried, nil
}

// notifyCreator e-mails the creator once per step.
func (w *partnershipWorkflow) notifyCreator(step, subject, text string) error {
	return w.notify(partnership.RoleCreator, step, subject, text)
}

// notifyBrand e-mails the brand's contact once per step.
func (w *partnershipWorkflow) notifyBrand(step, subject, text string) error {
	return w.notify(partnership.RoleBrandManager, step, subject, text)
}

// notify e-mails whoever holds role on this partnership once per step (the step names the
// idempotency key): the creator (NotifyCreator), the brand's contact (NotifyBrand), or the
// deployment's finance or admin team (NotifyTeam). The addresses are looked up by the
// activities, so none enters workflow history.
func (w *partnershipWorkflow) notify(role, step, subject, text string) error {
	return w.notifyIn(w.ctx, role, step, subject, text, false)
}

// notifyIn is notify on the coroutine of ctx. turn marks the turn e-mails (noticeLoop's),
// which NotifyBrand leaves unsent to a brand that turned them off; the flag is only in the
// activity's input, which replay does not compare, so histories recorded before it replay.
func (w *partnershipWorkflow) notifyIn(wctx workflow.Context, role, step, subject, text string, turn bool) error {
	key := func() string {
		w.messages++ // the key must differ per message even for the same step
		return w.idemKey("email/"+step, w.messages)
	}
	ctx := workflow.WithActivityOptions(wctx, emailOptions)
	var sent workflow.Future
	switch role {
	case partnership.RoleCreator:
		sent = workflow.ExecuteActivity(ctx, a.NotifyCreator,
			activities.NotifyInput{IdempotencyKey: key(), CreatorID: w.in.CreatorID, Subject: subject, Text: text})
	case partnership.RoleBrandManager:
		sent = workflow.ExecuteActivity(ctx, a.NotifyBrand,
			activities.BrandNotifyInput{IdempotencyKey: key(), BrandID: w.in.BrandID, Subject: subject, Text: text, Turn: turn})
	case partnership.RoleFinance, partnership.RoleAdmin:
		sent = workflow.ExecuteActivity(ctx, a.NotifyTeam,
			activities.TeamNotifyInput{IdempotencyKey: key(), Role: role, Subject: subject, Text: text})
	default:
		return nil
	}
	return w.bestEffort(wctx, step, sent.Get(wctx, nil))
}

// bestEffort keeps an e-mail that could not be sent (after an hour of retries, or rejected) from
// ending the partnership: the failure goes into the audit trail and next_action still says
// who must act.
func (w *partnershipWorkflow) bestEffort(ctx workflow.Context, step string, err error) error {
	if err == nil || temporal.IsCanceledError(err) {
		return err
	}
	w.emit("email_failed", systemActor, map[string]string{"step": step, "error": rootMessage(err)})
	return w.persist(ctx)
}

// partnershipName names the partnership for the creator's e-mails, after its brand: "your
// one-off partnership for the campaign "Spring launch" (an instagram reel)", or without a
// campaign name "your one-off partnership (an instagram reel)". The terms agreed so far say
// what it is about, the offer's before any.
func (w *partnershipWorkflow) partnershipName() string {
	t := w.st.Terms
	if len(t.Deliverables) == 0 {
		t = w.in.Offer
	}
	name := "your " + partnership.KindName(t.Kind) + " partnership"
	if campaign := strings.TrimSpace(w.in.Campaign.Name); campaign != "" {
		name += fmt.Sprintf(" for the campaign %q", campaign)
	}
	if len(t.Deliverables) > 0 {
		name += " (" + deliverableList(t.Deliverables) + ")"
	}
	return name
}

// deliverableList writes deliverables for people: "an instagram reel", "an instagram reel and
// a tiktok video", "3 instagram posts".
func deliverableList(specs []partnership.DeliverableSpec) string {
	var kinds []string
	counts := map[string]int{}
	for _, d := range specs {
		k := d.Platform + " " + d.Format
		if counts[k] == 0 {
			kinds = append(kinds, k)
		}
		counts[k]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		if n := counts[k]; n > 1 {
			parts[i] = partnership.Plural(n, k)
		} else {
			parts[i] = partnership.WithArticle(k)
		}
	}
	return partnership.JoinAnd(parts)
}

// actionPhrases say what each next action asks of a person, for reminders and overdue
// notices ("waiting for you to answer the offer").
var actionPhrases = map[string]string{
	"answer_offer":       "answer the offer",
	"decide_vetting":     "approve or reject the creator's vetting",
	"sign_contract":      "sign the contract",
	"submit_draft":       "submit a draft",
	"review_draft":       "review the draft",
	"submit_publication": "submit the live post's URL",
	"trigger_payout":     "trigger the payout",
	"approve_payout":     "approve the payout",
}

// actionPhrase writes a next action for people: its phrase, "retry the held create contract
// step" for an admin's retry, or the action's words.
func actionPhrase(action string) string {
	if p, ok := actionPhrases[action]; ok {
		return p
	}
	if step, ok := strings.CutPrefix(action, "retry_"); ok {
		return "retry the held " + humanize(step) + " step"
	}
	return humanize(action)
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
