package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

func failedReport(reasons ...string) partnership.VerificationReport {
	return partnership.VerificationReport{MediaID: "m-1", Verified: false, Reasons: reasons, CheckedAt: testStart}
}

// TestPublishingVerificationFailsThenResubmitted: a failed verification goes back to the
// creator with its reasons; the fixed post is verified.
func TestPublishingVerificationFailsThenResubmitted(t *testing.T) {
	f := newFixture(t, baseInput())
	f.verifyResults = []partnership.VerificationReport{failedReport(activities.ReasonDisclosure, activities.ReasonNoCodeOrLink)}
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(minute(4), "review-1", "d1", 1, "approve")
	f.post(minute(5), "post-1", "d1", "https://instagram.example/p/1")
	f.snapshot(minute(5.5), "failed")
	f.trigger(minute(5.6), "trigger-too-early", finance1, partnership.PayoutKindFee)
	f.post(minute(6), "post-2", "d1", "https://instagram.example/p/1-fixed")
	f.snapshot(minute(6.5), "verified")
	f.trigger(minute(7), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	f.requireAccepted("post-1")
	fl := f.snap("failed")
	require.Equal(t, partnership.StagePublishing, fl.Stage)
	d := fl.Deliverables[0]
	require.Equal(t, partnership.DeliverableVerificationFailed, d.Status)
	require.Equal(t, "failed", d.Publication.Status)
	require.NotNil(t, d.Publication.Report)
	require.False(t, d.Publication.Report.Verified)
	require.Equal(t, []string{activities.ReasonDisclosure, activities.ReasonNoCodeOrLink}, d.Publication.Report.Reasons)
	requireNextAction(t, fl, partnership.RoleCreator, "submit_publication")
	f.requireRejected("trigger-too-early", partnership.ErrTypeConflict)

	f.requireAccepted("post-2")
	v := f.snap("verified")
	require.Equal(t, partnership.StagePayout, v.Stage)
	require.Equal(t, partnership.DeliverableVerified, v.Deliverables[0].Status)
	require.Equal(t, "https://instagram.example/p/1-fixed", v.Deliverables[0].Publication.URL)
	require.True(t, v.Deliverables[0].Publication.Report.Verified)

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 2, f.n("VerifyPost"))
	require.Equal(t, "https://instagram.example/p/1", f.verifies[0].URL)
	require.Equal(t, "https://instagram.example/p/1-fixed", f.verifies[1].URL)
	require.Equal(t, "@jane", f.verifies[1].Handle)
	require.Equal(t, trackingLink, f.verifies[1].Link)
	require.True(t, f.verifies[1].Disclosure.Caption == "", "the live caption is read at the provider")
	require.Equal(t, "US", f.verifies[1].Disclosure.Jurisdiction)
	requireSubsequence(t, f.eventTypes(), []string{"post_submitted", "post_verification_failed", "post_submitted", "post_verified", "stage_changed", "payout_triggered"})
	require.Equal(t, 1, f.n("CreateTransfer"))
}

// TestPublishingRecheckComplianceHold: a verified post re-checked after recheck_after_seconds
// that lost its disclosure puts the partnership on hold until it is fixed; only then is the
// fee payable.
func TestPublishingRecheckComplianceHold(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonDisclosure),
	}
	f.toPayout() // verified at minute 5
	f.snapshot(minute(5.5), "waiting-recheck")
	f.trigger(minute(6), "trigger-before-recheck", finance1, partnership.PayoutKindFee)
	hold := minute(5) + 14*day
	f.snapshot(hold+minute(1), "hold")
	f.post(hold+minute(2), "fix", "d1", "https://instagram.example/p/1-fixed")
	f.snapshot(hold+minute(3), "lifted")
	f.trigger(hold+minute(4), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(hold+minute(5), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	w := f.snap("waiting-recheck")
	require.Equal(t, partnership.StagePublishing, w.Stage)
	requireNextAction(t, w, partnership.RoleSystem, "recheck_posts")
	requireDueAt(t, w, testStart.Add(hold))
	f.requireRejected("trigger-before-recheck", partnership.ErrTypeConflict)

	h := f.snap("hold")
	require.NotNil(t, h.ComplianceHold)
	require.Equal(t, []string{"d1"}, h.ComplianceHold.DeliverableIDs)
	require.Equal(t, []string{activities.ReasonDisclosure}, h.ComplianceHold.Reasons)
	require.Equal(t, partnership.DeliverableVerificationFailed, h.Deliverables[0].Status)
	requireNextAction(t, h, partnership.RoleCreator, "submit_publication")
	require.Equal(t, 1, countPrefix(f.brandSubjects(), "Compliance hold"))
	require.Equal(t, 1, countPrefix(f.notifySubjects(), "Your post needs fixing"))

	f.requireAccepted("fix")
	l := f.snap("lifted")
	require.Nil(t, l.ComplianceHold)
	require.Equal(t, partnership.StagePayout, l.Stage)
	f.requireAccepted("trigger")

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 3, f.n("VerifyPost"))
	require.Equal(t, 1, f.n("CreateTransfer"))
	requireSubsequence(t, f.eventTypes(), []string{"post_verified", "compliance_hold", "post_submitted", "post_verified", "compliance_hold_lifted", "payout_paid"})
}
