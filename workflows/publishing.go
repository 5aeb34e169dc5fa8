package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// publishing waits until every deliverable's live post is verified, which makes the fee
// payable, then re-checks the posts after the campaign's recheck_after_seconds. Verification
// failures go back to the creator, who can fix the post and submit again.
func (w *partnershipWorkflow) publishing() error {
	w.setStage(partnership.StagePublishing)
	if err := w.untilDeliverables(isVerified); err != nil {
		return err
	}
	if days := w.st.Terms.UsageRightsDays; days > 0 {
		end := workflow.Now(w.ctx).UTC().AddDate(0, 0, days)
		w.st.UsageRightsEndAt = &end
	}
	// The fee is payable once every deliverable is verified (PRODUCT.md), not only after the
	// re-check: the creator is not kept waiting for the re-check period, and a post taken
	// down later puts whatever is not paid yet on hold. Versioned ("fee-on-verification",
	// asked only for terms with a fee): the old branch made the fee payable after the
	// re-check, in tracking.
	if w.st.Terms.Fee.AmountMinor > 0 &&
		w.changed(w.ctx, "fee-on-verification") {
		w.feeEarly = true
		w.payable = append(w.payable, partnership.PayoutKindFee)
		w.emit("fee_payable", systemActor, map[string]any{"amount": w.st.Terms.Fee})
	}
	return w.recheck()
}

func isVerified(d partnership.Deliverable) bool { return d.Status == partnership.DeliverableVerified }

// recheck verifies every live post again once it has been up for recheck_after_seconds. A
// post deleted or with its disclosure edited out puts the partnership on compliance hold: the
// brand is told, the creator must fix and resubmit, and no fee or commission is paid (or
// approved) until the fix is verified. Until the re-check, the fee is paid as finance
// triggers it (fee-on-verification); on the old branch nothing was payable before it.
func (w *partnershipWorkflow) recheck() error {
	after := partnership.Seconds(w.in.Campaign.RecheckAfterSeconds)
	if after <= 0 {
		if w.feeEarly {
			return w.persist(w.ctx) // the fee_payable event
		}
		return nil
	}
	if w.feeEarly {
		at := workflow.Now(w.ctx).Add(after)
		if err := w.recheckNext(at); err != nil {
			return err
		}
		if _, err := w.settleUntil(at, func() error { return w.recheckNext(at) }); err != nil {
			return err
		}
	} else {
		w.setNext(partnership.RoleSystem, "recheck_posts", after)
		if err := w.persist(w.ctx); err != nil {
			return err
		}
		if _, err := workflow.AwaitWithTimeout(w.ctx, after, w.cancelled); err != nil {
			return err
		}
	}
	if w.cancelled() {
		return w.compensate(*w.cancel)
	}
	hold := partnership.ComplianceHold{DeliverableIDs: []string{}, Reasons: []string{}, Since: workflow.Now(w.ctx).UTC()}
	var found []string // each failed post and why, for the e-mails
	for i := range w.st.Deliverables {
		d := w.st.Deliverables[i]
		rep, err := w.verify(d)
		if err != nil {
			return err
		}
		dl := &w.st.Deliverables[i]
		dl.Publication.Report = &rep
		if !rep.Verified {
			dl.Status, dl.Publication.Status = partnership.DeliverableVerificationFailed, "failed"
			hold.DeliverableIDs = append(hold.DeliverableIDs, d.ID)
			hold.Reasons = append(hold.Reasons, rep.Reasons...)
			found = append(found, postFailure(d, rep.Reasons))
		}
	}
	if len(hold.DeliverableIDs) == 0 {
		w.emit("posts_rechecked", systemActor, nil)
		return w.persist(w.ctx)
	}
	w.st.ComplianceHold = &hold
	w.changes++
	w.emit("compliance_hold", systemActor, hold)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	posts := "the post is"
	if len(found) > 1 {
		posts = "the posts are"
	}
	finding := fmt.Sprintf("found that %s. Payout is on hold until %s fixed and verified.", strings.Join(found, "; and that "), posts)
	if err := w.notifyBrand("compliance_hold", "Compliance hold on a partnership",
		fmt.Sprintf("A re-check of %s %s%s", w.brandPartnership(false), finding, w.idLine())); err != nil {
		return err
	}
	if err := w.notifyCreator("compliance_hold", "Your post needs fixing",
		fmt.Sprintf("A re-check of %s with %s %s Fix the post (or publish it again) and submit its URL.", w.partnershipName(), w.in.BrandName, finding)); err != nil {
		return err
	}
	if err := w.untilDeliverables(isVerified); err != nil {
		return err
	}
	w.st.ComplianceHold = nil
	w.emit("compliance_hold_lifted", systemActor, nil)
	return w.persist(w.ctx)
}

// recheckNext says who acts next while the posts wait for their re-check at at, with the fee
// payable (fee-on-verification): finance, while a payable payout is to trigger or approve
// (asked for a second approval as it comes due), the system's transfer while one is out, the
// re-check once everything payable is paid. An unchanged next action keeps its deadline.
func (w *partnershipWorkflow) recheckNext(at time.Time) error {
	if err := w.askSecondApprovals(); err != nil {
		return err
	}
	w.nextWhileSettling(partnership.RoleSystem, "recheck_posts", at.Sub(workflow.Now(w.ctx)))
	return w.persist(w.ctx)
}

// nextWhileSettling sets next_action during a wait beside which payouts settle: finance while
// a payout is to trigger or approve, the transfer while one is on its way, otherwise the
// wait's own action (role, action, due within). An unchanged action keeps its deadline.
func (w *partnershipWorkflow) nextWhileSettling(role, action string, within time.Duration) {
	if !w.allPaid() {
		role, action = w.payoutNextAction()
		within = financeDue
		if role == partnership.RoleSystem {
			within = transferRetryWait
		}
	}
	if na := w.st.NextAction; na == nil || na.Role != role || na.Action != action {
		w.setNext(role, action, within)
	}
}

// verifyPending verifies every submitted post that is waiting for it.
func (w *partnershipWorkflow) verifyPending() error {
	for i := range w.st.Deliverables {
		d := w.st.Deliverables[i]
		if d.Status != partnership.DeliverableVerifying || d.Publication == nil {
			continue
		}
		rep, err := w.verify(d)
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
		if !rep.Verified && w.failureEmails() {
			if err := w.tell(partnership.RoleCreator, "verification_failed/"+d.ID, "Your post could not be verified",
				fmt.Sprintf("The live post you submitted for your %s %s with %s could not be verified: %s. Fix the post (or publish it again) and submit its URL.",
					d.Platform, d.Format, w.in.BrandName, humanizeAll(rep.Reasons))); err != nil {
				return err
			}
		}
	}
	return nil
}

// postFailure names a post that failed its re-check and says why, for an e-mail: "the
// instagram reel d1 (https://instagram.example/p/1) no longer passes verification: caption
// differs from approved draft, disclosure not compliant".
func postFailure(d partnership.Deliverable, reasons []string) string {
	post := fmt.Sprintf("the %s %s %s", d.Platform, d.Format, d.ID)
	if d.Publication != nil && d.Publication.URL != "" {
		post += " (" + d.Publication.URL + ")"
	}
	post += " no longer passes verification"
	if len(reasons) == 0 {
		return post
	}
	return post + ": " + humanizeAll(reasons)
}

// humanizeAll writes verification reason codes for people, comma-separated.
func humanizeAll(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = humanize(c)
	}
	return strings.Join(out, ", ")
}

// verify checks a deliverable's live post against its approved draft, the creator's account
// on the deliverable's platform, and the posts verified for the other deliverables, of this
// cycle and of an ambassador partnership's earlier ones. It names the partnership, the
// deliverable and the cycle, for which the activity claims the post across every
// partnership (store.PostClaim): the re-check and a resubmission claim it for the same three
// again, which succeeds. Activity input only, not compared on replay: no version needed.
func (w *partnershipWorkflow) verify(d partnership.Deliverable) (partnership.VerificationReport, error) {
	approved := approvedDraft(d)
	handle, _ := w.in.HandleOn(d.Platform) // every platform of the terms has one (validated)
	others := slices.Clone(w.usedPosts.MediaIDs)
	for _, o := range w.st.Deliverables {
		if o.ID != d.ID && o.Status == partnership.DeliverableVerified && o.Publication != nil &&
			o.Publication.Report != nil && o.Publication.Report.MediaID != "" {
			others = append(others, o.Publication.Report.MediaID)
		}
	}
	var rep partnership.VerificationReport
	err := w.callProvider(providerStep{name: "verify_post", provider: providerSocial, deliverable: d.ID}, func(int) error {
		return workflow.ExecuteActivity(w.providerCtx(), a.VerifyPost, activities.VerifyInput{
			URL: d.Publication.URL, Handle: handle, Platform: d.Platform, ApprovedCaption: approved.Caption,
			PartnershipID: w.in.PartnershipID, DeliverableID: d.ID, Cycle: w.st.Cycle,
			DiscountCode: w.st.Tracking.DiscountCode, Link: w.st.Tracking.Link, OtherMediaIDs: others,
			Disclosure: w.disclosureInput(d, "", approved.OnscreenDisclosure, approved.SpokenDisclosure, approved.PlatformPaidLabel),
		}).Get(w.ctx, &rep)
	})
	return rep, err
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
		func(ctx workflow.Context, p partnership.PostSubmission) (partnership.Ack, error) {
			d, _ := w.deliverable(p.DeliverableID)
			d.Publication = &partnership.Publication{URL: p.URL, Status: "verifying"}
			d.Status = partnership.DeliverableVerifying
			w.changes++
			w.emit("post_submitted", p.Actor, map[string]string{"deliverable_id": d.ID, "url": p.URL})
			return w.persistAck(ctx)
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
				return w.conflict("deliverable %s is %s; a live post is accepted once its draft is approved", d.ID, humanize(d.Status))
			}
			if p.URL == "" {
				return w.invalid("url is required")
			}
			// One post counts for one deliverable. Verification also refuses a post already
			// verified for another deliverable, whatever URL it was submitted under.
			for _, o := range w.st.Deliverables {
				if o.ID != d.ID && o.Publication != nil && partnership.PostURLKey(o.Publication.URL) == partnership.PostURLKey(p.URL) {
					return w.conflict("this post is already the publication of deliverable %s; each deliverable needs its own post", o.ID)
				}
			}
			if slices.Contains(w.usedPosts.URLKeys, partnership.PostURLKey(p.URL)) {
				return w.conflict("this post was already verified for a deliverable of an earlier cycle; each cycle needs new posts")
			}
			return nil
		}})
}

// addUsedPosts adds the posts verified for deliverables to used, each once.
func addUsedPosts(used *partnership.UsedPosts, deliverables []partnership.Deliverable) {
	for _, d := range deliverables {
		if d.Status != partnership.DeliverableVerified || d.Publication == nil {
			continue
		}
		if r := d.Publication.Report; r != nil && r.MediaID != "" && !slices.Contains(used.MediaIDs, r.MediaID) {
			used.MediaIDs = append(used.MediaIDs, r.MediaID)
		}
		if key := partnership.PostURLKey(d.Publication.URL); !slices.Contains(used.URLKeys, key) {
			used.URLKeys = append(used.URLKeys, key)
		}
	}
}
