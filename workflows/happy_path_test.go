package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestHappyPath drives one partnership from an auto-approved vetting to the paid fee.
func TestHappyPath(t *testing.T) {
	f := newFixture(t, baseInput())
	f.snapshot(minute(0.5), "negotiation")
	f.toContent() // accept at 1, signed at 2
	f.snapshot(minute(2.5), "content")
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.snapshot(minute(3.5), "in_review")
	f.review(minute(4), "review-1", "d1", 1, "approve")
	f.snapshot(minute(4.5), "publishing")
	f.post(minute(5), "post-1", "d1", "https://instagram.example/p/1")
	f.snapshot(minute(5.5), "payout")
	f.trigger(minute(6), "trigger-1", finance1, partnership.PayoutKindFee)
	f.snapshot(minute(6.5), "processing")
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")

	st := f.runOK()

	// Intermediate states and who acts next.
	neg := f.snap("negotiation")
	require.Equal(t, partnership.StageNegotiation, neg.Stage)
	require.Equal(t, "auto_approved", neg.Vetting.Decision)
	require.True(t, neg.Vetting.Clean)
	require.Equal(t, 1, neg.Negotiation.Round)
	require.Equal(t, partnership.RoleCreator, neg.Negotiation.Turn)
	require.Len(t, neg.Negotiation.History, 1)
	require.Equal(t, "offer", neg.Negotiation.History[0].Action)
	requireNextAction(t, neg, partnership.RoleCreator, "answer_offer")
	requireDueAt(t, neg, testStart.Add(3*day))

	content := f.snap("content")
	require.Equal(t, partnership.StageContent, content.Stage)
	require.Equal(t, envelopeID, content.Contract.EnvelopeID)
	require.Equal(t, "completed", content.Contract.Status)
	require.NotNil(t, content.Contract.SignedAt)
	require.Equal(t, "https://esign.example/sign/creator-token", content.Contract.SigningURLs["creator"])
	require.Equal(t, discountCode, content.Tracking.DiscountCode)
	require.Equal(t, trackingLink, content.Tracking.Link)
	require.Len(t, content.Deliverables, 1)
	require.Equal(t, "d1", content.Deliverables[0].ID)
	require.Equal(t, partnership.DeliverableAwaitingDraft, content.Deliverables[0].Status)
	require.NotNil(t, content.Deliverables[0].DueAt)
	requireNextAction(t, content, partnership.RoleCreator, "submit_draft")

	inReview := f.snap("in_review")
	require.Equal(t, partnership.DeliverableInReview, inReview.Deliverables[0].Status)
	requireNextAction(t, inReview, partnership.RoleBrandManager, "review_draft")
	requireDueAt(t, inReview, testStart.Add(minute(3)).Add(2*day))

	pub := f.snap("publishing")
	require.Equal(t, partnership.StagePublishing, pub.Stage)
	require.Equal(t, partnership.DeliverableApproved, pub.Deliverables[0].Status)
	requireNextAction(t, pub, partnership.RoleCreator, "submit_publication")

	pay := f.snap("payout")
	require.Equal(t, partnership.StagePayout, pay.Stage)
	require.Equal(t, partnership.DeliverableVerified, pay.Deliverables[0].Status)
	requireNextAction(t, pay, partnership.RoleFinance, "trigger_payout")

	proc := f.snap("processing")
	require.Len(t, proc.Payouts, 1)
	require.Equal(t, partnership.PayoutProcessing, proc.Payouts[0].Status)
	require.Equal(t, "tr_po_1", proc.Payouts[0].TransferID)
	requireNextAction(t, proc, partnership.RoleSystem, "await_transfer")

	// Update results.
	dr := decodeResult[partnership.DraftResult](t, f.requireAccepted("draft-1"))
	require.Equal(t, 1, dr.Version)
	require.True(t, dr.Disclosure.Compliant)
	for _, id := range []string{"accept", "review-1", "post-1"} {
		f.requireAccepted(id)
	}
	po := decodeResult[partnership.Payout](t, f.requireAccepted("trigger-1"))
	require.Equal(t, "po_1", po.ID)
	require.Equal(t, partnership.PayoutProcessing, po.Status)
	require.Equal(t, usd(50_000), po.Amount)

	// Final state.
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, "completed", st.Outcome)
	require.Nil(t, st.NextAction)
	require.Nil(t, st.Cancellation)
	d := st.Deliverables[0]
	require.Equal(t, partnership.DeliverableVerified, d.Status)
	require.Len(t, d.Drafts, 1)
	require.NotNil(t, d.Drafts[0].Review)
	require.Equal(t, "approve", d.Drafts[0].Review.Decision)
	require.Equal(t, brand.Sub, d.Drafts[0].Review.By)
	require.NotNil(t, d.Publication)
	require.Equal(t, "verified", d.Publication.Status)
	require.NotNil(t, d.Publication.Report)
	require.True(t, d.Publication.Report.Verified)
	require.Len(t, st.Payouts, 1)
	p := st.Payouts[0]
	require.Equal(t, partnership.PayoutKindFee, p.Kind)
	require.Equal(t, partnership.PayoutPaid, p.Status)
	require.Equal(t, usd(50_000), p.Amount)
	require.Equal(t, finance1.Sub, p.TriggeredBy)
	require.Empty(t, p.ApprovedBy)
	require.NotNil(t, p.PaidAt)
	require.Equal(t, partnership.StageCompleted, f.finalRecord().Stage)

	// Activities: each side effect exactly once.
	for name, want := range map[string]int{
		"VetCreatorAccounts": 1, "CreateEnvelope": 1, "VoidEnvelope": 0, "CreateDiscountCode": 1, "CheckDisclosure": 1,
		"VerifyPost": 1, "CollectConversions": 0, "CreateTransfer": 1, "NotifyCreator": 3,
	} {
		require.Equal(t, want, f.n(name), "%s calls", name)
	}
	// Whoever acts next on a draft is told: the brand of the submitted draft, the creator of
	// the approval (after the offer and the signed contract).
	require.Equal(t, 1, countPrefix(f.brandSubjects(), "A draft is ready for your review"), "%v", f.brandSubjects())
	require.Equal(t, "Your draft is approved: time to publish", f.notifySubjects()[2])
	require.Equal(t, "Acme approved draft 1 of your instagram reel. Publish it as approved and submit the live post's URL in Partnerflow.", f.notifies[2].Text)
	require.Equal(t, "Draft 1 of the instagram reel (deliverable d1) of the partnership with @jane for the campaign \"Spring launch\" is ready for your review. It passes the disclosure check. Review it within 2 days. Partnership id: p-0001.",
		f.brandMails[0].Text)
	require.Equal(t, "p-0001/payout/po_1/1", f.transfers[0].IdempotencyKey)
	require.Equal(t, usd(50_000), f.transfers[0].Amount)
	require.Equal(t, "c-1", f.transfers[0].CreatorID)
	require.Equal(t, "p-0001/envelope/1", f.envelopes[0].IdempotencyKey)
	require.Equal(t, f.in.Offer, f.envelopes[0].Terms)
	// The agreement is dated when the envelope is made and states how long the parties have
	// to sign it (the offer's answer time, as the signing wait) and when drafts are due.
	require.False(t, f.envelopes[0].Date.Before(testStart))
	require.EqualValues(t, 3*86400, f.envelopes[0].SignWithinSeconds)
	require.EqualValues(t, 7*86400, f.envelopes[0].DraftDueSeconds)
	require.Equal(t, "p-0001/discount/1", f.discounts[0].IdempotencyKey)
	require.Equal(t, "https://instagram.example/p/1", f.verifies[0].URL)
	require.Equal(t, compliantText, f.verifies[0].ApprovedCaption)
	require.Equal(t, discountCode, f.verifies[0].DiscountCode)
	require.Equal(t, "US", f.disclosures[0].Jurisdiction)
	require.Equal(t, "reel", f.disclosures[0].Format)
	subjects := f.notifySubjects()
	require.Equal(t, 1, countPrefix(subjects, "New partnership offer"))
	require.Equal(t, 1, countPrefix(subjects, "Your contract is signed"))
	keys := f.notifyKeys()
	require.Equal(t, []string{"p-0001/email/offer/1", "p-0001/email/content_open/2", "p-0001/email/draft_approved/d1/4"}, keys,
		"each e-mail has its own idempotency key (3 went to the brand)")

	requireSubsequence(t, f.eventTypes(), []string{
		"partnership_created", "vetting_report", "vetting_auto_approved", "stage_changed", "offer_sent",
		"negotiation_accept", "terms_agreed", "stage_changed", "contract_sent", "contract_signed",
		"discount_code_created", "stage_changed", "draft_submitted", "draft_reviewed", "stage_changed",
		"post_submitted", "post_verified", "stage_changed", "payout_triggered", "transfer_created",
		"payout_paid", "completed",
	})
	// After completion the workflow stays open to remind the brand that usage rights end.
	evs := f.events()
	require.Equal(t, "usage_rights_reminder", evs[len(evs)-1].Type)
	require.Equal(t, 1, f.countEvents("completed"))
	completedAt := f.event("completed").At
	require.True(t, completedAt.Equal(testStart.Add(minute(7))), "completed at %s", completedAt)
	require.NotNil(t, st.UsageRightsEndAt)
	require.True(t, st.UsageRightsEndAt.Equal(testStart.Add(minute(5)).AddDate(0, 0, 90)), "usage rights end %s", st.UsageRightsEndAt)
	require.True(t, evs[len(evs)-1].At.Equal(st.UsageRightsEndAt.Add(-day)), "reminder one reminder_before ahead")
	require.Equal(t, []string{"A draft is ready for your review", "Usage rights ending soon"}, f.brandSubjects())
	require.NotNil(t, st.ExclusivityEndsAt)
	require.True(t, st.ExclusivityEndsAt.Equal(testStart.Add(minute(2)).AddDate(0, 0, 30)))
	require.Equal(t, 1, f.countEvents("payout_paid"))
	ev := f.event("payout_triggered")
	require.Equal(t, finance1.Sub, ev.Actor)
	require.Equal(t, partnership.RoleFinance, ev.Role)
	ev = f.event("negotiation_accept")
	require.Equal(t, creator.Sub, ev.Actor)
	require.Equal(t, partnership.RoleCreator, ev.Role)
}
