package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// content opens every deliverable at once: the creator drafts them in parallel, each draft is
// checked for disclosure, and the brand approves or requests changes. It ends when every
// deliverable is approved (some may already be published by then).
func (w *partnershipWorkflow) content() error {
	w.setStage(partnership.StageContent)
	due := workflow.Now(w.ctx).UTC().Add(partnership.Seconds(w.in.Campaign.DraftDueSeconds))
	w.st.Deliverables = make([]partnership.Deliverable, 0, len(w.st.Terms.Deliverables))
	for i, spec := range w.st.Terms.Deliverables {
		d := due
		w.st.Deliverables = append(w.st.Deliverables, partnership.Deliverable{
			ID: fmt.Sprintf("d%d", i+1), Platform: spec.Platform, Format: spec.Format,
			Status: partnership.DeliverableAwaitingDraft, DueAt: &d, Drafts: []partnership.Draft{},
		})
	}
	what := "a draft of " + deliverableList(w.st.Terms.Deliverables)
	if len(w.st.Deliverables) > 1 {
		what = fmt.Sprintf("a draft for each of the %d deliverables (%s)", len(w.st.Deliverables), deliverableList(w.st.Terms.Deliverables))
	}
	if err := w.notifyCreator("content_open", "Your contract is signed: time to create",
		fmt.Sprintf("Your discount code is %s. Submit %s in Partnerflow by %s.",
			w.st.Tracking.DiscountCode, what, due.Format(emailTime))); err != nil {
		return err
	}
	return w.untilDeliverables(func(d partnership.Deliverable) bool {
		switch d.Status {
		case partnership.DeliverableApproved, partnership.DeliverableVerifying,
			partnership.DeliverableVerificationFailed, partnership.DeliverableVerified:
			return true
		}
		return false
	})
}

// untilDeliverables waits, verifying submitted posts as they come, until every deliverable
// satisfies done. Each wait has the deadline of whoever must act; a missed deadline is
// escalated in the audit trail and by e-mail, and the clock starts again.
//
// Deliverables run in parallel, so several people may be due at once: the brand reviewing one
// draft while the creator still owes another. Each deliverable keeps its own deadline, and the
// wait is for the earliest of them (earliestContentDue); a change to one deliverable no longer
// restarts the others' clocks. Versioned (version 2 of "record-once-per-task", setup):
// partnerships started before waited for one person at a time, the brand first, with a fresh
// deadline after every change.
func (w *partnershipWorkflow) untilDeliverables(done func(partnership.Deliverable) bool) error {
	for {
		if err := w.verifyPending(); err != nil {
			return err
		}
		all := true
		for _, d := range w.st.Deliverables {
			all = all && done(d)
		}
		if all {
			return nil
		}
		role, action, within := w.contentNextAction()
		var due contentDue
		if w.deadlinePerDeliverable {
			var ok bool
			if due, ok = w.earliestContentDue(done); ok {
				role, action = due.role, due.action
				within = max(due.at.Sub(workflow.Now(w.ctx)), time.Second)
			}
		}
		changes := w.changes
		ok, err := w.waitForPerson(role, action, within, func() bool { return w.changes != changes })
		if err != nil {
			return err
		}
		if w.cancelled() {
			return w.compensate(*w.cancel)
		}
		if !ok {
			missed := map[string]string{"role": role, "action": action}
			if due.key != "" {
				missed["deliverable_id"] = due.deliverable
				if d, ok := w.deliverable(due.deliverable); ok && due.action == "submit_draft" && d.DueAt != nil {
					// The draft's clock starts again: its due_at says so too (and so names the
					// next wait, whose key follows it).
					next := d.DueAt.Add(partnership.Seconds(w.in.Campaign.DraftDueSeconds))
					d.DueAt = &next
				} else {
					w.escalations[due.key]++
				}
			}
			if err := w.overdue(role, action, missed); err != nil {
				return err
			}
		}
	}
}

// contentDue is one deliverable waiting for a person, and by when.
type contentDue struct {
	role, action, deliverable string
	at                        time.Time
	// key names this wait (deliverable, action and when its clock started) for escalations.
	key string
}

// earliestContentDue finds the deliverable whose person is due first. A draft is due at the
// deliverable's due_at (set when content opens and again when changes are requested), a
// review the review SLA after the draft came in, a live post the draft period after the
// approval or the failed verification. Each missed deadline restarts that clock once more.
// Deliverables being verified, or done, wait for nobody.
func (w *partnershipWorkflow) earliestContentDue(done func(partnership.Deliverable) bool) (contentDue, bool) {
	draftDue := partnership.Seconds(w.in.Campaign.DraftDueSeconds)
	reviewSLA := partnership.Seconds(w.in.Campaign.ReviewSLASeconds)
	var best contentDue
	found := false
	for _, d := range w.st.Deliverables {
		if done(d) {
			continue
		}
		c := contentDue{role: partnership.RoleCreator, deliverable: d.ID}
		var start time.Time
		window := draftDue
		switch d.Status {
		case partnership.DeliverableInReview:
			c.role, c.action, window = partnership.RoleBrandManager, "review_draft", reviewSLA
			start = d.Drafts[len(d.Drafts)-1].SubmittedAt
		case partnership.DeliverableAwaitingDraft, partnership.DeliverableChangesRequested:
			if d.DueAt == nil {
				continue
			}
			c.action, start = "submit_draft", d.DueAt.Add(-draftDue)
		case partnership.DeliverableApproved:
			c.action = "submit_publication"
			if n := len(d.Drafts); n > 0 && d.Drafts[n-1].Review != nil {
				start = d.Drafts[n-1].Review.At
			}
		case partnership.DeliverableVerificationFailed:
			c.action = "submit_publication"
			if d.Publication != nil && d.Publication.Report != nil {
				start = d.Publication.Report.CheckedAt
			}
		default:
			continue
		}
		if start.IsZero() {
			start = workflow.Now(w.ctx).UTC()
		}
		c.key = fmt.Sprintf("%s/%s/%d", d.ID, c.action, start.UnixNano())
		c.at = start.Add(window * time.Duration(1+w.escalations[c.key]))
		if !found || c.at.Before(best.at) {
			best, found = c, true
		}
	}
	return best, found
}

// contentNextAction picks who must act: the brand while a draft waits for review, otherwise
// the creator (draft or live post).
func (w *partnershipWorkflow) contentNextAction() (string, string, time.Duration) {
	for _, d := range w.st.Deliverables {
		if d.Status == partnership.DeliverableInReview {
			return partnership.RoleBrandManager, "review_draft", partnership.Seconds(w.in.Campaign.ReviewSLASeconds)
		}
	}
	for _, d := range w.st.Deliverables {
		if d.Status == partnership.DeliverableAwaitingDraft || d.Status == partnership.DeliverableChangesRequested {
			return partnership.RoleCreator, "submit_draft", partnership.Seconds(w.in.Campaign.DraftDueSeconds)
		}
	}
	return partnership.RoleCreator, "submit_publication", partnership.Seconds(w.in.Campaign.DraftDueSeconds)
}

func (w *partnershipWorkflow) deliverable(id string) (*partnership.Deliverable, bool) {
	for i := range w.st.Deliverables {
		if w.st.Deliverables[i].ID == id {
			return &w.st.Deliverables[i], true
		}
	}
	return nil, false
}

// replaceable reports whether the creator may replace the draft a deliverable has in review
// without waiting for the brand: it fails the disclosure check, so it can never be approved,
// and the brand has not reviewed it yet. The new version gets the review SLA afresh.
func replaceable(d partnership.Deliverable) bool {
	n := len(d.Drafts)
	return d.Status == partnership.DeliverableInReview && n > 0 && !d.Drafts[n-1].Compliant && d.Drafts[n-1].Review == nil
}

func (w *partnershipWorkflow) registerContentUpdates() error {
	if err := workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateSubmitDraft,
		func(ctx workflow.Context, s partnership.DraftSubmission) (partnership.DraftResult, error) {
			d, _ := w.deliverable(s.DeliverableID)
			// Until this draft is recorded, another for the same deliverable is refused: both
			// would pass the validator while this one's check runs.
			w.checking[d.ID] = true
			defer delete(w.checking, s.DeliverableID)
			var check partnership.DisclosureReply
			lctx := workflow.WithLocalActivityOptions(ctx, checkOptions)
			if err := workflow.ExecuteLocalActivity(lctx, a.CheckDisclosure, w.disclosureInput(*d, s.Caption,
				s.OnscreenDisclosure, s.SpokenDisclosure, s.PlatformPaidLabel)).Get(lctx, &check); err != nil {
				return partnership.DraftResult{}, err
			}
			if (w.cancel != nil || w.ended) && w.changed(ctx, "draft-after-cancel") {
				// Cancelled (or ended) while the check ran: the draft is not recorded, nor sent
				// to the brand for a review that will never come. The old branch recorded it
				// after the cancellation; asked only on this path.
				return partnership.DraftResult{}, w.conflict("the partnership was cancelled while the draft was being checked")
			}
			d, _ = w.deliverable(s.DeliverableID) // the slice may have moved while we waited
			draft := partnership.Draft{
				Version: len(d.Drafts) + 1, Caption: s.Caption, MediaURLs: s.MediaURLs,
				OnscreenDisclosure: s.OnscreenDisclosure, SpokenDisclosure: s.SpokenDisclosure, PlatformPaidLabel: s.PlatformPaidLabel,
				Disclosure: mustJSON(check), Compliant: check.Compliant, SubmittedAt: workflow.Now(ctx).UTC(),
			}
			d.Drafts = append(d.Drafts, draft)
			d.Status = partnership.DeliverableInReview
			w.changes++
			w.emit("draft_submitted", s.Actor, map[string]any{"deliverable_id": d.ID, "version": draft.Version, "compliant": check.Compliant})
			verdict := "It passes the disclosure check."
			if !check.Compliant {
				verdict = "It fails the disclosure check, so it cannot be approved: ask for changes (the creator may also replace it)."
			}
			w.noticeTurn(partnership.RoleBrandManager, "draft_submitted/"+d.ID, "A draft is ready for your review",
				fmt.Sprintf("Draft %d of the %s %s (deliverable %s) of %s is ready for your review. %s Review it within %s.%s",
					draft.Version, d.Platform, d.Format, d.ID, w.brandPartnership(false), verdict, partnership.HumanSeconds(w.in.Campaign.ReviewSLASeconds), w.idLine()))
			return partnership.DraftResult{Version: draft.Version, Disclosure: check}, w.persistAndWait(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(s partnership.DraftSubmission) error {
			if err := w.requireRole(s.Actor, partnership.RoleCreator); err != nil {
				return err
			}
			if err := w.requireStage(partnership.StageContent, partnership.StagePublishing); err != nil {
				return err
			}
			d, ok := w.deliverable(s.DeliverableID)
			if !ok {
				return w.notFound("deliverable %q not found", s.DeliverableID)
			}
			if w.checking[d.ID] {
				return w.conflict("a draft of deliverable %s is being checked; submit again once it is answered", d.ID)
			}
			if d.Status != partnership.DeliverableAwaitingDraft && d.Status != partnership.DeliverableChangesRequested && !replaceable(*d) {
				return w.conflict("deliverable %s is %s; a draft is not expected now (one in review can be replaced only while it fails the disclosure check)", d.ID, humanize(d.Status))
			}
			if strings.TrimSpace(s.Caption) == "" {
				return w.invalid("caption is required")
			}
			return nil
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateReviewDraft,
		func(ctx workflow.Context, r partnership.DraftReview) (partnership.Ack, error) {
			d, _ := w.deliverable(r.DeliverableID)
			draft := &d.Drafts[len(d.Drafts)-1]
			draft.Review = &partnership.Review{Decision: r.Decision, Comments: r.Comments, By: r.Actor.Sub, At: workflow.Now(ctx).UTC()}
			if r.Decision == "approve" {
				d.Status = partnership.DeliverableApproved
				w.noticeTurn(partnership.RoleCreator, "draft_approved/"+d.ID, "Your draft is approved: time to publish",
					fmt.Sprintf("%s approved draft %d of your %s %s. Publish it as approved and submit the live post's URL in Partnerflow.",
						w.in.BrandName, draft.Version, d.Platform, d.Format))
			} else {
				d.Status = partnership.DeliverableChangesRequested
				due := workflow.Now(ctx).UTC().Add(partnership.Seconds(w.in.Campaign.DraftDueSeconds))
				d.DueAt = &due
				comments := ""
				if strings.TrimSpace(r.Comments) != "" {
					comments = fmt.Sprintf(": %q", r.Comments)
				}
				w.noticeTurn(partnership.RoleCreator, "changes_requested/"+d.ID, "Changes requested on your draft",
					fmt.Sprintf("%s asked for changes to draft %d of your %s %s%s. Submit a new version in Partnerflow by %s.",
						w.in.BrandName, draft.Version, d.Platform, d.Format, comments, due.Format(emailTime)))
			}
			w.changes++
			w.emit("draft_reviewed", r.Actor, map[string]any{"deliverable_id": d.ID, "version": r.Version, "decision": r.Decision, "comments": r.Comments})
			return w.persistAck(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(r partnership.DraftReview) error {
			if err := w.requireRole(r.Actor, partnership.RoleBrandManager, partnership.RoleAdmin); err != nil {
				return err
			}
			if err := w.requireStage(partnership.StageContent, partnership.StagePublishing); err != nil {
				return err
			}
			d, ok := w.deliverable(r.DeliverableID)
			if !ok {
				return w.notFound("deliverable %q not found", r.DeliverableID)
			}
			if d.Status != partnership.DeliverableInReview {
				return w.conflict("deliverable %s is %s; nothing to review", d.ID, humanize(d.Status))
			}
			latest := d.Drafts[len(d.Drafts)-1]
			if r.Version != latest.Version {
				return w.conflict("version %d is not the draft under review (version %d)", r.Version, latest.Version)
			}
			switch r.Decision {
			case "approve":
				if !latest.Compliant {
					return w.conflict("draft version %d fails the disclosure check and cannot be approved", latest.Version)
				}
			case "request_changes":
				if strings.TrimSpace(r.Comments) == "" {
					return w.invalid("comments must say what to change when changes are requested")
				}
				rounds := 0
				for _, dr := range d.Drafts {
					if dr.Review != nil && dr.Review.Decision == "request_changes" {
						rounds++
					}
				}
				// A draft that fails the disclosure check can never be approved, so changes may
				// always be requested on it, whatever the revision limit.
				if max := w.in.Campaign.MaxRevisionRounds; max > 0 && rounds >= max && latest.Compliant {
					return w.conflict("the limit of %d revision rounds is reached: approve the draft or cancel", max)
				}
			default:
				return w.invalid("decision must be approve or request_changes")
			}
			return nil
		}})
}

func (w *partnershipWorkflow) disclosureInput(d partnership.Deliverable, caption string, onscreen, spoken, paidLabel bool) activities.DisclosureInput {
	return activities.DisclosureInput{
		Caption: caption, Platform: d.Platform, Format: d.Format, Jurisdiction: w.in.Campaign.Jurisdiction,
		BrandName: w.in.BrandName, BrandHandles: w.in.BrandHandles,
		OnscreenDisclosure: onscreen, SpokenDisclosure: spoken, PlatformPaidLabel: paidLabel,
	}
}
