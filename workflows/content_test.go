package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// finishFrom posts d1 at minute n, lets finance pay the fee and the provider settle it.
func (f *fixture) finishFrom(n float64) {
	f.post(minute(n), "post-final", "d1", "https://instagram.example/p/final")
	f.trigger(minute(n+1), "trigger-final", finance1, partnership.PayoutKindFee)
	f.payment(minute(n+2), "pay-evt-final", "po_1", "paid", "")
}

// TestContentNonCompliantDraftCannotBeApproved: the disclosure check result travels with the
// draft; a failing draft cannot be approved; changes are requested and the revision approved.
func TestContentNonCompliantDraftCannotBeApproved(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toContent()
	f.draft(minute(3), "draft-v1", "d1", "Loving my new shoes "+noAdMarker)
	f.review(minute(4), "approve-v1", "d1", 1, "approve")
	f.review(minute(5), "changes-v1", "d1", 1, "request_changes")
	f.snapshot(minute(5.5), "changes-requested")
	f.draft(minute(6), "draft-v2", "d1", compliantText)
	f.review(minute(7), "approve-stale-v1", "d1", 1, "approve")
	f.review(minute(8), "approve-v2", "d1", 2, "approve")
	f.finishFrom(9)
	st := f.runOK()

	r1 := decodeResult[partnership.DraftResult](t, f.requireAccepted("draft-v1"))
	require.Equal(t, 1, r1.Version)
	require.False(t, r1.Disclosure.Compliant)
	require.Len(t, r1.Disclosure.Violations, 1)
	require.Equal(t, "missing_label", r1.Disclosure.Violations[0].Code)
	f.requireRejected("approve-v1", partnership.ErrTypeConflict)
	f.requireAccepted("changes-v1")
	r2 := decodeResult[partnership.DraftResult](t, f.requireAccepted("draft-v2"))
	require.Equal(t, 2, r2.Version)
	require.True(t, r2.Disclosure.Compliant)
	f.requireRejected("approve-stale-v1", partnership.ErrTypeConflict)
	f.requireAccepted("approve-v2")

	cr := f.snap("changes-requested")
	require.Equal(t, partnership.StageContent, cr.Stage)
	d := cr.Deliverables[0]
	require.Equal(t, partnership.DeliverableChangesRequested, d.Status)
	require.NotNil(t, d.DueAt)
	require.True(t, d.DueAt.Equal(testStart.Add(minute(5)).Add(7*day)), "a new draft is due draft_due after the request")
	require.Equal(t, "request_changes", d.Drafts[0].Review.Decision)
	require.Equal(t, "thanks", d.Drafts[0].Review.Comments)
	requireNextAction(t, cr, partnership.RoleCreator, "submit_draft")

	require.Equal(t, partnership.StageCompleted, st.Stage)
	fd := st.Deliverables[0]
	require.Len(t, fd.Drafts, 2)
	require.Equal(t, "request_changes", fd.Drafts[0].Review.Decision)
	require.Equal(t, "approve", fd.Drafts[1].Review.Decision)
	require.Contains(t, string(fd.Drafts[0].Disclosure), "missing_label")
	require.Equal(t, 2, f.n("CheckDisclosure"))
	require.Equal(t, compliantText, f.verifies[0].ApprovedCaption, "the post is verified against the approved version")
	require.Equal(t, 2, f.countEvents("draft_reviewed"), "refused reviews leave no trace")
}

// TestContentFailingDraftReplacedWithoutReview: a draft that fails the disclosure check can
// never be approved, so the creator may replace it while it waits for review, without a round
// trip through the brand: the new version is the one under review, with the review SLA from
// its submission. A draft that passes the check waits for the brand as before.
func TestContentFailingDraftReplacedWithoutReview(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toContent()
	f.draft(minute(3), "draft-v1", "d1", "Loving my new shoes "+noAdMarker)
	f.draft(minute(4), "draft-v2", "d1", compliantText)
	f.snapshot(minute(4.5), "replaced")
	f.draft(minute(5), "draft-v3", "d1", compliantText+" again")
	f.review(minute(6), "review-v1", "d1", 1, "request_changes")
	f.review(minute(7), "approve-v2", "d1", 2, "approve")
	f.finishFrom(8)
	st := f.runOK()

	f.requireAccepted("draft-v1")
	r2 := decodeResult[partnership.DraftResult](t, f.requireAccepted("draft-v2"))
	require.Equal(t, 2, r2.Version)
	f.requireRejected("draft-v3", partnership.ErrTypeConflict) // v2 passes: it waits for the brand
	f.requireRejected("review-v1", partnership.ErrTypeConflict)
	f.requireAccepted("approve-v2")

	r := f.snap("replaced")
	d := r.Deliverables[0]
	require.Equal(t, partnership.DeliverableInReview, d.Status)
	require.Len(t, d.Drafts, 2)
	require.Nil(t, d.Drafts[0].Review, "the replaced draft was never reviewed")
	requireNextAction(t, r, partnership.RoleBrandManager, "review_draft")
	requireDueAt(t, r, testStart.Add(minute(4)).Add(2*day))
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, compliantText, f.verifies[0].ApprovedCaption)
}

// TestContentDraftsRacingForOneDeliverable: two drafts for one deliverable submitted together
// (two tabs, a retry with another key) are not both recorded: the second is refused while the
// first one's disclosure check runs.
func TestContentDraftsRacingForOneDeliverable(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toContent()
	f.at(minute(3), func() {
		f.updateNow("draft-a", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: creator, DeliverableID: "d1", Caption: compliantText})
		f.updateNow("draft-b", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: creator, DeliverableID: "d1", Caption: compliantText + " v2"})
	})
	f.snapshot(minute(4), "after")
	f.review(minute(5), "approve", "d1", 1, "approve")
	f.finishFrom(6)
	st := f.runOK()

	f.requireAccepted("draft-a")
	f.requireRejected("draft-b", partnership.ErrTypeConflict)
	require.Len(t, f.snap("after").Deliverables[0].Drafts, 1)
	require.Equal(t, partnership.StageCompleted, st.Stage)
}

// TestContentDraftRacingCancellation: a draft submitted in the same moment as the brand's
// cancellation is not recorded after it (nor e-mailed to the brand for review): the
// submission is answered with a conflict. Before "draft-after-cancel" it was recorded, and a
// cancelled partnership showed a draft waiting for review.
func TestContentDraftRacingCancellation(t *testing.T) {
	for _, before := range []bool{false, true} {
		t.Run(map[bool]string{false: "now", true: "before the version"}[before], func(t *testing.T) {
			in := baseInput()
			in.Offer.KillFee = usd(0)
			f := newFixture(t, in)
			if before {
				f.oldBranch("draft-after-cancel")
			}
			f.toContent()
			f.at(minute(3), func() {
				f.updateNow("draft", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: creator, DeliverableID: "d1", Caption: compliantText})
				f.updateNow("cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "stop"})
			})
			st := f.runOK()
			f.requireAccepted("cancel")
			require.Equal(t, partnership.StageCancelled, st.Stage)
			if before {
				require.Equal(t, partnership.DeliverableInReview, st.Deliverables[0].Status)
				return
			}
			o := f.upd("draft")
			require.True(t, o.completed)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, o.err, &appErr)
			require.Equal(t, partnership.ErrTypeConflict, appErr.Type())
			require.Empty(t, st.Deliverables[0].Drafts)
			require.Equal(t, 0, f.countEvents("draft_submitted"))
			require.Equal(t, 0, countPrefix(f.brandSubjects(), "A draft is ready"))
		})
	}
}

// TestContentRevisionRoundsLimit: once max_revision_rounds changes were requested the brand
// can only approve.
func TestContentRevisionRoundsLimit(t *testing.T) {
	in := baseInput()
	in.Campaign.MaxRevisionRounds = 1
	f := newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-v1", "d1", compliantText)
	f.review(minute(4), "changes-v1", "d1", 1, "request_changes")
	f.draft(minute(5), "draft-v2", "d1", compliantText+" v2")
	f.review(minute(6), "changes-v2", "d1", 2, "request_changes")
	f.review(minute(7), "approve-v2", "d1", 2, "approve")
	f.finishFrom(8)
	st := f.runOK()

	f.requireAccepted("changes-v1")
	f.requireRejected("changes-v2", partnership.ErrTypeConflict)
	f.requireAccepted("approve-v2")
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, compliantText+" v2", f.verifies[0].ApprovedCaption)
}

// TestContentValidation: actions on unknown deliverables, in the wrong status or with bad
// payloads are refused.
func TestContentValidation(t *testing.T) {
	f := newFixture(t, baseInput())
	f.draft(minute(1.5), "draft-in-negotiation", "d1", compliantText)
	f.toContent()
	f.draft(minute(3), "draft-unknown", "d9", compliantText)
	f.review(minute(3.1), "review-unknown", "d9", 1, "approve")
	f.post(minute(3.2), "post-unknown", "d9", "https://instagram.example/p/9")
	f.review(minute(3.3), "review-nothing", "d1", 1, "approve")
	f.post(minute(3.4), "post-before-approval", "d1", "https://instagram.example/p/1")
	f.draft(minute(3.5), "draft-empty-caption", "d1", "")
	f.draft(minute(4), "draft-v1", "d1", compliantText)
	f.draft(minute(4.1), "draft-while-in-review", "d1", compliantText)
	f.review(minute(4.2), "review-bad-decision", "d1", 1, "love it")
	f.review(minute(4.3), "review-future-version", "d1", 2, "approve")
	f.review(minute(5), "approve-v1", "d1", 1, "approve")
	f.post(minute(5.5), "post-empty-url", "d1", "")
	f.draft(minute(5.6), "draft-after-approval", "d1", compliantText)
	f.finishFrom(6)
	f.runOK()

	f.requireRejected("draft-in-negotiation", partnership.ErrTypeConflict)
	f.requireRejected("draft-unknown", partnership.ErrTypeNotFound)
	f.requireRejected("review-unknown", partnership.ErrTypeNotFound)
	f.requireRejected("post-unknown", partnership.ErrTypeNotFound)
	f.requireRejected("review-nothing", partnership.ErrTypeConflict)
	f.requireRejected("post-before-approval", partnership.ErrTypeConflict)
	f.requireRejected("draft-empty-caption", partnership.ErrTypeInvalid)
	f.requireAccepted("draft-v1")
	f.requireRejected("draft-while-in-review", partnership.ErrTypeConflict)
	f.requireRejected("review-bad-decision", partnership.ErrTypeInvalid)
	f.requireRejected("review-future-version", partnership.ErrTypeConflict)
	f.requireAccepted("approve-v1")
	f.requireRejected("post-empty-url", partnership.ErrTypeInvalid)
	f.requireRejected("draft-after-approval", partnership.ErrTypeConflict)
	require.Equal(t, 1, f.n("CheckDisclosure"), "refused drafts are never checked")
	require.Equal(t, 1, f.countEvents("draft_submitted"))
}

// TestContentParallelDeliverables: deliverables are drafted, reviewed and even published
// independently; the stage moves on only when all are approved, payout only when all verified.
func TestContentParallelDeliverables(t *testing.T) {
	in := baseInput()
	in.Offer.Deliverables = []partnership.DeliverableSpec{{Platform: "instagram", Format: "reel"}, {Platform: "tiktok", Format: "video"}}
	f := newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-d2", "d2", compliantText+" tiktok")
	f.draft(minute(3.5), "draft-d1", "d1", compliantText)
	f.review(minute(4), "approve-d2", "d2", 1, "approve")
	f.post(minute(4.5), "post-d2", "d2", "https://tiktok.example/v/2")
	f.snapshot(minute(4.8), "d2-live")
	f.review(minute(5), "approve-d1", "d1", 1, "approve")
	f.snapshot(minute(5.5), "publishing")
	f.post(minute(6), "post-d1", "d1", "https://instagram.example/p/1")
	f.snapshot(minute(6.5), "payout")
	f.trigger(minute(7), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	for _, id := range []string{"draft-d2", "draft-d1", "approve-d2", "post-d2", "approve-d1", "post-d1", "trigger"} {
		f.requireAccepted(id)
	}
	live := f.snap("d2-live")
	require.Equal(t, partnership.StageContent, live.Stage, "d1 still waits for its review")
	require.Equal(t, partnership.DeliverableInReview, live.Deliverables[0].Status)
	require.Equal(t, partnership.DeliverableVerified, live.Deliverables[1].Status, "a post submitted during content is verified right away")
	requireNextAction(t, live, partnership.RoleBrandManager, "review_draft")

	pub := f.snap("publishing")
	require.Equal(t, partnership.StagePublishing, pub.Stage)
	requireNextAction(t, pub, partnership.RoleCreator, "submit_publication")
	require.Equal(t, partnership.StagePayout, f.snap("payout").Stage)

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, st.Deliverables, 2)
	require.Equal(t, "tiktok", st.Deliverables[1].Platform)
	require.Equal(t, "video", st.Deliverables[1].Format)
	for _, d := range st.Deliverables {
		require.Equal(t, partnership.DeliverableVerified, d.Status)
	}
	require.Equal(t, 2, f.n("VerifyPost"))
	require.Equal(t, 1, f.n("CreateTransfer"), "one fee for all deliverables")
	require.Equal(t, "tiktok", f.disclosures[0].Platform)
}

// TestContentDeadlines: a late draft gets a reminder and an overdue e-mail to the creator; a
// late review a reminder to the brand and an escalation in the audit trail.
func TestContentDeadlines(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent() // content opens at minute 2; draft due after 7 days, reminder 1 day before
	f.snapshot(minute(2)+7*day+minute(1), "draft-overdue")
	f.draft(minute(2)+8*day, "late-draft", "d1", compliantText)
	// review SLA 2 days, reminder 1 day before
	f.snapshot(minute(2)+10*day+minute(1), "review-overdue")
	f.update(minute(2)+10*day+12*time.Hour, "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "too slow"})
	st := f.runOK()

	f.requireAccepted("late-draft")
	f.requireAccepted("cancel")
	require.Equal(t, partnership.StageCancelled, st.Stage)

	od := f.snap("draft-overdue")
	require.Equal(t, partnership.StageContent, od.Stage)
	requireNextAction(t, od, partnership.RoleCreator, "submit_draft")
	requireDueAt(t, od, testStart.Add(minute(2)+14*day)) // the clock starts again after an escalation

	ro := f.snap("review-overdue")
	requireNextAction(t, ro, partnership.RoleBrandManager, "review_draft")

	subjects := f.notifySubjects()
	require.Equal(t, 1, countPrefix(subjects, "Reminder"), "creator reminded before the draft deadline: %v", subjects)
	require.Equal(t, 1, countPrefix(subjects, "Overdue"), "creator told once the deadline passed: %v", subjects)
	require.Equal(t, 1, countPrefix(f.brandSubjects(), "Reminder"), "brand reminded before the review SLA")
	var missed []string
	for _, e := range f.events() {
		if e.Type == "deadline_missed" {
			missed = append(missed, string(e.Data))
		}
	}
	require.Len(t, missed, 2, "one missed draft deadline, one missed review SLA")
	require.Contains(t, missed[0], `"submit_draft"`)
	require.Contains(t, missed[1], `"review_draft"`)
	require.EqualValues(t, 1, f.metrics.count(workflows.MetricDeadlinesMissed+"{role=creator}"))
	require.EqualValues(t, 1, f.metrics.count(workflows.MetricDeadlinesMissed+"{role=brand_manager}"))
	rem := f.event("reminder_sent")
	require.True(t, rem.At.Equal(testStart.Add(minute(2)+6*day)), "reminder at %s", rem.At)
}

// TestContentDeadlinesPerDeliverable: with deliverables in parallel, a draft waiting for a slow
// review does not hide another deliverable's draft deadline. The creator is reminded and told
// it is overdue on that deliverable's own clock, and next_action names whoever is due first.
func TestContentDeadlinesPerDeliverable(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	in.Offer.Deliverables = append(in.Offer.Deliverables, partnership.DeliverableSpec{Platform: "tiktok", Format: "video"})
	in.Campaign.ReviewSLASeconds = 30 * 86400
	f := newFixture(t, in)
	f.toContent() // content opens at minute 2: both drafts due 7 days later
	f.draft(minute(3), "draft-d1", "d1", compliantText)
	f.snapshot(day, "d1-in-review")
	f.snapshot(minute(2)+7*day+minute(1), "d2-overdue")
	f.update(20*day, "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()

	open := testStart.Add(minute(2))
	r := f.snap("d1-in-review")
	requireNextAction(t, r, partnership.RoleCreator, "submit_draft")
	requireDueAt(t, r, open.Add(7*day))
	od := f.snap("d2-overdue")
	requireNextAction(t, od, partnership.RoleCreator, "submit_draft")
	requireDueAt(t, od, open.Add(14*day)) // its clock starts again after the escalation
	require.True(t, od.Deliverables[1].DueAt.Equal(open.Add(14*day)), "d2's due_at follows: %v", od.Deliverables[1].DueAt)
	require.True(t, od.Deliverables[0].DueAt.Equal(open.Add(7*day)), "d1 (in review) keeps its own")

	rem := f.event("reminder_sent")
	require.True(t, rem.At.Equal(open.Add(6*day)), "reminder at %s", rem.At)
	require.Contains(t, string(rem.Data), `"submit_draft"`)
	missed := f.event("deadline_missed")
	require.True(t, missed.At.Equal(open.Add(7*day)), "missed at %s", missed.At)
	require.Contains(t, string(missed.Data), `"deliverable_id":"d2"`)
	subjects := f.notifySubjects()
	require.GreaterOrEqual(t, countPrefix(subjects, "Reminder"), 1, "%v", subjects)
	require.GreaterOrEqual(t, countPrefix(subjects, "Overdue"), 1, "%v", subjects)
}

// TestContentDeadlinesBeforeVersion: a partnership started before content deadlines per
// deliverable (version 1 of "record-once-per-task") waits for one person at a time, the brand
// first, so its history replays.
func TestContentDeadlinesBeforeVersion(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	in.Offer.Deliverables = append(in.Offer.Deliverables, partnership.DeliverableSpec{Platform: "tiktok", Format: "video"})
	in.Campaign.ReviewSLASeconds = 30 * 86400
	f := newFixture(t, in)
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(1))
	f.toContent()
	f.draft(minute(3), "draft-d1", "d1", compliantText)
	f.snapshot(day, "d1-in-review")
	f.update(20*day, "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()
	requireNextAction(t, f.snap("d1-in-review"), partnership.RoleBrandManager, "review_draft")
	require.Equal(t, 0, f.countEvents("deadline_missed"))
}

// TestContentChangesNeedComments: a request for changes whose comments are blank is refused as
// invalid (the creator would not know what to change) and uses no revision round; the draft
// stays in review and is approved as usual.
func TestContentChangesNeedComments(t *testing.T) {
	f := newFixture(t, baseInput())
	f.update(minute(3.5), "blank", partnership.UpdateReviewDraft, partnership.DraftReview{
		Actor: brand, DeliverableID: "d1", Version: 1, Decision: "request_changes", Comments: " \n "})
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	f.requireRejected("blank", partnership.ErrTypeInvalid)
	f.requireAccepted("review-1")
	require.Len(t, st.Deliverables[0].Drafts, 1)
	require.Equal(t, "approve", st.Deliverables[0].Drafts[0].Review.Decision)
}
