package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// publishing waits until every deliverable's live post is verified. Verification failures
// go back to the creator, who can fix the post and submit again.
func (w *partnershipWorkflow) publishing() error {
	w.setStage(partnership.StagePublishing)
	return w.untilDeliverables(func(d partnership.Deliverable) bool { return d.Status == partnership.DeliverableVerified })
}

// verifyPending verifies every submitted post that is waiting for it.
func (w *partnershipWorkflow) verifyPending() error {
	for i := range w.st.Deliverables {
		d := w.st.Deliverables[i]
		if d.Status != partnership.DeliverableVerifying || d.Publication == nil {
			continue
		}
		approved := approvedDraft(d)
		var rep partnership.VerificationReport
		err := workflow.ExecuteActivity(w.providerCtx(), a.VerifyPost, activities.VerifyInput{
			URL: d.Publication.URL, Handle: w.in.CreatorHandle, ApprovedCaption: approved.Caption,
			DiscountCode: w.st.Tracking.DiscountCode, Link: w.st.Tracking.Link,
			Disclosure: w.disclosureInput(d, "", approved.OnscreenDisclosure, approved.SpokenDisclosure, approved.PlatformPaidLabel),
		}).Get(w.ctx, &rep)
		if err != nil {
			return err
		}
		dl := &w.st.Deliverables[i]
		if dl.Publication == nil || dl.Publication.URL != d.Publication.URL {
			continue // resubmitted while we verified: verify the new URL on the next pass
		}
		dl.Publication.Report = &rep
		if rep.Verified {
			dl.Status, dl.Publication.Status = partnership.DeliverableVerified, "verified"
			w.emit("post_verified", systemActor, map[string]string{"deliverable_id": d.ID, "url": d.Publication.URL})
		} else {
			dl.Status, dl.Publication.Status = partnership.DeliverableVerificationFailed, "failed"
			w.emit("post_verification_failed", systemActor, map[string]any{"deliverable_id": d.ID, "reasons": rep.Reasons})
		}
		w.changes++
		if err := w.persist(w.ctx); err != nil {
			return err
		}
	}
	return nil
}

func approvedDraft(d partnership.Deliverable) partnership.Draft {
	for i := len(d.Drafts) - 1; i >= 0; i-- {
		if r := d.Drafts[i].Review; r != nil && r.Decision == "approve" {
			return d.Drafts[i]
		}
	}
	return partnership.Draft{}
}

func (w *partnershipWorkflow) registerPublishingUpdates() error {
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateSubmitPost,
		func(ctx workflow.Context, p partnership.PostSubmission) (partnership.State, error) {
			d, _ := w.deliverable(p.DeliverableID)
			d.Publication = &partnership.Publication{URL: p.URL, Status: "verifying"}
			d.Status = partnership.DeliverableVerifying
			w.changes++
			w.emit("post_submitted", p.Actor, map[string]string{"deliverable_id": d.ID, "url": p.URL})
			return w.st, w.persist(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(p partnership.PostSubmission) error {
			if err := w.requireRole(p.Actor, partnership.RoleCreator); err != nil {
				return err
			}
			if err := w.requireStage(partnership.StageContent, partnership.StagePublishing); err != nil {
				return err
			}
			d, ok := w.deliverable(p.DeliverableID)
			if !ok {
				return w.notFound("deliverable %q not found", p.DeliverableID)
			}
			if d.Status != partnership.DeliverableApproved && d.Status != partnership.DeliverableVerificationFailed {
				return w.conflict("deliverable %s is %s; a live post is accepted once its draft is approved", d.ID, d.Status)
			}
			if p.URL == "" {
				return w.invalid("url is required")
			}
			return nil
		}})
}
