package workflows_test

import (
	"strings"
	"testing"
	"time"

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

	// The creator is told why, at once, rather than finding out from the state.
	var told []activities.NotifyInput
	for _, n := range f.notifies {
		if n.Subject == "Your post could not be verified" {
			told = append(told, n)
		}
	}
	require.Len(t, told, 1)
	require.Contains(t, told[0].IdempotencyKey, "/email/verification_failed/d1/")
	require.Equal(t, "The live post you submitted for your instagram reel with Acme could not be verified: disclosure not compliant, discount code or link missing. Fix the post (or publish it again) and submit its URL.", told[0].Text)
}

// TestPublishingRecheckComplianceHold: a verified post re-checked after recheck_after_seconds
// that lost its disclosure puts the partnership on hold until it is fixed; only then is the
// fee payable.
// TestPublishingFeePayableOnVerification: the fee is payable once every deliverable is
// verified, during the re-check period; a payout the re-check finds on compliance hold cannot
// be approved until the fixed post verifies.
func TestPublishingFeePayableOnVerification(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	in.Campaign.DualApprovalThresholdMinor = 10_000
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonDisclosure),
	}
	f.toPayout() // verified at minute 5
	f.snapshot(minute(5.5), "waiting-recheck")
	f.trigger(minute(6), "trigger-before-recheck", finance1, partnership.PayoutKindFee)
	f.snapshot(minute(6.5), "triggered")
	asked := -1
	f.at(minute(10), func() { asked = len(f.teamMailsSent()) })
	hold := minute(5) + 14*day
	f.snapshot(hold+minute(1), "hold")
	f.update(hold+minute(1.5), "approve-on-hold", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.trigger(hold+minute(1.6), "trigger-on-hold", finance1, partnership.PayoutKindFee)
	f.post(hold+minute(2), "fix", "d1", "https://instagram.example/p/1-fixed")
	f.update(hold+minute(4), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.payment(hold+minute(5), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	w := f.snap("waiting-recheck")
	require.Equal(t, partnership.StagePublishing, w.Stage)
	// Finance's move while the posts wait for their re-check: the fee is payable.
	requireNextAction(t, w, partnership.RoleFinance, "trigger_payout")
	requireDueAt(t, w, testStart.Add(minute(5)+7*day))
	requireNextAction(t, f.snap("triggered"), partnership.RoleFinance, "approve_payout")
	f.requireAccepted("trigger-before-recheck")
	require.Equal(t, 1, f.countEvents("fee_payable"))

	h := f.snap("hold")
	require.NotNil(t, h.ComplianceHold)
	require.Equal(t, partnership.PayoutAwaitingApproval, h.Payouts[0].Status)
	require.Equal(t, 1, asked, "finance is asked for the second approval when the payout waits for it, not after the re-check")
	var subjects []string
	for _, m := range f.teamMailsSent() {
		subjects = append(subjects, m.subject)
	}
	// Asked once; then chased while the re-check waits, as in any wait for finance: reminded a
	// day before the approval's week is up (the campaign's reminder_before_seconds), told
	// when it passes, given a week again and reminded again before the re-check comes.
	require.Equal(t, []string{"A payout awaits a second approval", "Reminder: a partnership is waiting for finance",
		"Overdue: a partnership is waiting for finance", "Reminder: a partnership is waiting for finance"}, subjects)
	missed := 0
	for _, e := range f.events() {
		if e.Type == "deadline_missed" && strings.Contains(string(e.Data), `"role":"finance"`) {
			missed++
			require.True(t, e.At.Equal(testStart.Add(minute(6)+7*day)), "at the approval's deadline, a week after the trigger: %s", e.At)
		}
	}
	require.Equal(t, 1, missed)
	f.requireRejected("approve-on-hold", partnership.ErrTypeConflict)
	f.requireRejected("trigger-on-hold", partnership.ErrTypeConflict)
	f.requireAccepted("fix")
	f.requireAccepted("approve")

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, 1, f.n("CreateTransfer"))
	requireSubsequence(t, f.eventTypes(), []string{"post_verified", "fee_payable", "payout_triggered", "compliance_hold",
		"post_verified", "compliance_hold_lifted", "payout_approved", "payout_paid"})
}

// TestSettleChasesBeforeVersion: a partnership from before "settle-chases" lets finance's
// deadline during the re-check wait pass in silence, as it did (only the approval is asked).
func TestSettleChasesBeforeVersion(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	in.Campaign.DualApprovalThresholdMinor = 10_000
	f := newFixture(t, in)
	f.oldBranch("settle-chases")
	f.toPayout()
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.update(minute(5)+14*day+minute(4), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.payment(minute(5)+14*day+minute(5), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	var subjects []string
	for _, m := range f.teamMailsSent() {
		subjects = append(subjects, m.subject)
	}
	require.Equal(t, []string{"A payout awaits a second approval"}, subjects)
	require.Equal(t, 0, f.countEvents("deadline_missed"))
}

// TestSettleChasesRemindOnceAcrossWaits: finance's reminder for the fee goes out once, even
// when the re-check's wait ends between the reminder and the deadline and the attribution
// window's wait takes over the same deadline.
func TestSettleChasesRemindOnceAcrossWaits(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 6*86400 + 43200 // ends half a day after the reminder
	in.Offer.CommissionBps = 1000
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Conversions: 1, Revenue: usd(10_000)}
	f.toPayout() // verified at minute 5: the fee is due a week later, reminded a day before
	f.trigger(minute(5)+8*day, "fee", finance1, partnership.PayoutKindFee)
	f.payment(minute(5)+8*day+minute(1), "pay-evt-1", "po_1", "paid", "")
	end := minute(5) + 6*day + 12*time.Hour + 30*day
	f.trigger(end+minute(1), "commission", finance1, partnership.PayoutKindCommission)
	f.payment(end+minute(2), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	var reminders []time.Time
	for _, e := range f.events() {
		if e.Type == "reminder_sent" && strings.Contains(string(e.Data), `"role":"finance"`) && e.At.Before(testStart.Add(minute(5)+7*day)) {
			reminders = append(reminders, e.At)
		}
	}
	require.Equal(t, []time.Time{testStart.Add(minute(5) + 6*day)}, reminders, "one reminder before the fee's deadline")
}

// TestPublishingFeePaidDuringRecheck: a fee triggered while the posts wait for their re-check
// is sent and settled then, not after the re-check period.
func TestPublishingFeePaidDuringRecheck(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.toPayout() // verified at minute 5
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	f.snapshot(minute(8), "paid")
	st := f.runOK()

	p := f.snap("paid")
	require.Equal(t, partnership.StagePublishing, p.Stage, "the re-check is still to come")
	require.Equal(t, partnership.PayoutPaid, p.Payouts[0].Status)
	requireNextAction(t, p, partnership.RoleSystem, "recheck_posts")
	requireDueAt(t, p, testStart.Add(minute(5)+14*day))
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 2, f.n("VerifyPost"), "verified, then re-checked")
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.True(t, f.event("completed").At.Equal(testStart.Add(minute(5)+14*day)), "completed at the re-check")
	// The verification and the re-check claim the post for the same partnership, deliverable
	// and cycle (the activity's claim across partnerships), so the re-check is not refused by
	// the verification's own claim.
	for _, v := range f.verifies {
		require.Equal(t, []string{in.PartnershipID, st.Deliverables[0].ID}, []string{v.PartnershipID, v.DeliverableID})
		require.Equal(t, 1, v.Cycle)
	}
}

// TestPublishingRecheckComplianceHoldBeforeFeeOnVerification: partnerships that reached
// their verified posts before fee-on-verification owe the fee only after the re-check.
func TestPublishingRecheckComplianceHoldBeforeFeeOnVerification(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.oldBranch("fee-on-verification")
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonCaptionMismatch, activities.ReasonDisclosure),
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
	require.Equal(t, []string{activities.ReasonCaptionMismatch, activities.ReasonDisclosure}, h.ComplianceHold.Reasons)
	require.Equal(t, partnership.DeliverableVerificationFailed, h.Deliverables[0].Status)
	requireNextAction(t, h, partnership.RoleCreator, "submit_publication")
	require.Equal(t, 1, countPrefix(f.brandSubjects(), "Compliance hold"))
	require.Equal(t, 1, countPrefix(f.notifySubjects(), "Your post needs fixing"))
	// The e-mails name the post and say what is wrong in words, as the verification failure's do.
	found := "found that the instagram reel d1 (https://instagram.example/p/1) " +
		"no longer passes verification: caption differs from approved draft, disclosure not compliant. Payout is on hold until the post is fixed and verified."
	require.Equal(t, "A re-check of the partnership with @jane for the campaign \"Spring launch\" "+found+" Partnership id: p-0001.", f.brandText("Compliance hold on a partnership"))
	require.Equal(t, "A re-check of your one-off partnership for the campaign \"Spring launch\" (an instagram reel) with Acme "+found+
		" Fix the post (or publish it again) and submit its URL.", f.notifyText("Your post needs fixing"))

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

// multiPlatformInput is the base input with an Instagram and a TikTok deliverable and a
// creator who is maya on Instagram and maya.tt on TikTok.
func multiPlatformInput() partnership.Input {
	in := baseInput()
	in.CreatorHandle = "maya"
	in.CreatorHandles = map[string]string{"instagram": "maya", "tiktok": "maya.tt"}
	in.Offer.Deliverables = []partnership.DeliverableSpec{{Platform: "instagram", Format: "post"}, {Platform: "tiktok", Format: "video"}}
	return in
}

// toTwoApproved drives an input with two deliverables to both drafts approved by minute 4.5.
func (f *fixture) toTwoApproved() {
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.draft(minute(3.2), "draft-2", "d2", compliantText)
	f.review(minute(4), "review-1", "d1", 1, "approve")
	f.review(minute(4.2), "review-2", "d2", 1, "approve")
}

// TestPublishingVerifiesEachPlatformsAccount: each deliverable's post is verified against the
// creator's account on the deliverable's own platform, not the first deliverable's, and
// against that platform. A partnership started before the handles per platform (no
// CreatorHandles in its input) keeps verifying every post against its one CreatorHandle.
func TestPublishingVerifiesEachPlatformsAccount(t *testing.T) {
	old := multiPlatformInput()
	old.CreatorHandle, old.CreatorHandles = "@jane", nil
	for _, tc := range []struct {
		name    string
		in      partnership.Input
		handles []string
	}{
		{"handle per platform", multiPlatformInput(), []string{"maya", "maya.tt"}},
		{"input from before", old, []string{"@jane", "@jane"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.in)
			f.toTwoApproved()
			f.post(minute(5), "post-1", "d1", "https://instagram.example/p/1")
			f.post(minute(6), "post-2", "d2", "https://tiktok.example/@maya.tt/video/2")
			f.snapshot(minute(6.5), "verified")
			f.trigger(minute(7), "trigger", finance1, partnership.PayoutKindFee)
			f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
			st := f.runOK()

			require.Equal(t, partnership.StageCompleted, st.Stage)
			require.Equal(t, partnership.StagePayout, f.snap("verified").Stage)
			require.Len(t, f.verifies, 2)
			require.Equal(t, tc.handles, []string{f.verifies[0].Handle, f.verifies[1].Handle},
				"each post is checked against the creator's account on its deliverable's platform")
			require.Equal(t, "instagram", f.verifies[0].Platform)
			require.Equal(t, "tiktok", f.verifies[1].Platform)
			require.Equal(t, "tiktok", f.verifies[1].Disclosure.Platform, "the disclosure rules are the deliverable's platform's")
			require.Equal(t, tc.in.CreatorHandle, f.discounts[0].CreatorHandle, "the discount code is named after the first platform's handle")
		})
	}
}

// TestPublishingPostCountsOnce: a URL that is already another deliverable's publication is
// refused, however its host, trailing slash or fragment is written, and the post verified for
// one deliverable is handed to the verification of the others, which refuses it whatever URL
// it came under.
func TestPublishingPostCountsOnce(t *testing.T) {
	in := baseInput()
	in.Offer.Deliverables = append(in.Offer.Deliverables, partnership.DeliverableSpec{Platform: "instagram", Format: "story"})
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		{MediaID: "m-1", Verified: false, Reasons: []string{activities.ReasonPostReused}, CheckedAt: testStart},
		{MediaID: "m-1", Verified: false, Reasons: []string{activities.ReasonPostReused}, CheckedAt: testStart},
		{MediaID: "m-2", Verified: true, Reasons: []string{}, CheckedAt: testStart},
	}
	f.toTwoApproved()
	f.post(minute(5), "post-1", "d1", "https://instagram.example/p/1")
	f.post(minute(5.5), "same-url", "d2", "https://instagram.example/p/1")
	f.post(minute(5.6), "same-url-respelled", "d2", " HTTPS://WWW.Instagram.example/p/1/#comments")
	f.post(minute(6), "other-url-same-post", "d2", "https://instagram.example/p/1?igsh=x")
	f.snapshot(minute(6.5), "reused")
	f.post(minute(6.7), "resubmit-own", "d2", "https://instagram.example/p/1?igsh=x") // its own URL again: not a conflict
	f.post(minute(7), "own-post", "d2", "https://instagram.example/p/2")
	f.snapshot(minute(7.5), "verified")
	f.trigger(minute(8), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(9), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	f.requireAccepted("post-1")
	f.requireRejected("same-url", partnership.ErrTypeConflict)
	require.Contains(t, f.upd("same-url").rejectErr.Error(), "already the publication of deliverable d1")
	f.requireRejected("same-url-respelled", partnership.ErrTypeConflict)
	f.requireAccepted("other-url-same-post")
	r := f.snap("reused")
	require.Equal(t, partnership.DeliverableVerificationFailed, r.Deliverables[1].Status)
	require.Equal(t, []string{activities.ReasonPostReused}, r.Deliverables[1].Publication.Report.Reasons)
	f.requireAccepted("resubmit-own")
	f.requireAccepted("own-post")
	require.Equal(t, partnership.StagePayout, f.snap("verified").Stage)
	require.Equal(t, partnership.StageCompleted, st.Stage)

	require.Len(t, f.verifies, 4)
	require.Empty(t, f.verifies[0].OtherMediaIDs)
	for _, v := range f.verifies[1:] {
		require.Equal(t, []string{"m-1"}, v.OtherMediaIDs, "d1's verified post goes with d2's verification")
	}
}

// TestCancelOnHoldAfterFeePaid: a fee paid before the re-check counts as earned when the
// brand cancels during the compliance hold the re-check raised: no kill fee on top of it.
func TestCancelOnHoldAfterFeePaid(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonDisclosure),
	}
	f.toPayout() // verified at minute 5
	f.trigger(minute(6), "fee", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	hold := minute(5) + 14*day
	f.snapshot(hold+minute(1), "hold")
	f.update(hold+minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "post taken down"})
	st := f.runOK() // nothing is left to pay: it ends at the cancellation

	require.NotNil(t, f.snap("hold").ComplianceHold)
	f.requireAccepted("cancel")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Len(t, st.Payouts, 1, "the fee only")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.Equal(t, 0, f.countEvents("kill_fee_payable"))
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.Contains(t, f.notifyText("Your partnership was cancelled"),
		"Your fee of USD 500.00, already on its way to your payout account, is yours: the cancellation does not take it back.",
		"the e-mail does not promise a payment already made")
}

// TestCancelEmailAndPayoutAgree: while the creator is e-mailed what a cancellation leaves
// owed, finance's approval of the fee waiting for it is refused (try again), so what is owed
// is what the e-mail said: the kill fee, not the fee approved in between, and never both.
func TestCancelEmailAndPayoutAgree(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	in.Campaign.DualApprovalThresholdMinor = 20_000
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonDisclosure),
	}
	f.toPayout()
	f.trigger(minute(6), "fee", finance1, partnership.PayoutKindFee)
	hold := minute(5) + 14*day
	f.at(hold+minute(1.5), func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.notifyDelay = minute(2) // the cancellation e-mail is on its way until hold+4
	})
	f.update(hold+minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "post taken down"})
	f.update(hold+minute(3), "approve-fee", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.trigger(hold+minute(5), "kill-fee", finance1, partnership.PayoutKindKillFee)
	f.payment(hold+minute(6), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	f.requireRejected("approve-fee", partnership.ErrTypeConflict)
	msg, _ := f.rejection("approve-fee")
	require.Equal(t, "the cancellation is being applied; try again in a moment", msg)
	require.Contains(t, f.notifyText("Your partnership was cancelled"), "a kill fee of USD 100.00 is owed to you")
	f.requireAccepted("kill-fee")
	require.Len(t, st.Payouts, 2)
	require.Equal(t, partnership.PayoutFailed, st.Payouts[0].Status, "the fee is not paid")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	require.Equal(t, 1, f.n("CreateTransfer"), "the kill fee only")
}

// TestCancelOnHoldDropsUnapprovedFee: a fee payout still waiting for its second approval when
// the brand cancels during the compliance hold is failed (partnership_cancelled): the kill fee
// is owed instead, and approving the fee afterwards would have paid both.
func TestCancelOnHoldDropsUnapprovedFee(t *testing.T) {
	in := baseInput()
	in.Campaign.RecheckAfterSeconds = 14 * 86400
	in.Campaign.DualApprovalThresholdMinor = 20_000 // the fee (50,000) needs it, the kill fee (10,000) not
	f := newFixture(t, in)
	f.verifyResults = []partnership.VerificationReport{
		{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart},
		failedReport(activities.ReasonDisclosure),
	}
	f.toPayout()
	f.trigger(minute(6), "fee", finance1, partnership.PayoutKindFee)
	hold := minute(5) + 14*day
	f.update(hold+minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "post taken down"})
	f.update(hold+minute(3), "approve-fee", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"})
	f.trigger(hold+minute(4), "kill-fee", finance1, partnership.PayoutKindKillFee)
	f.payment(hold+minute(5), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	f.requireAccepted("fee")
	f.requireRejected("approve-fee", partnership.ErrTypeConflict)
	f.requireAccepted("kill-fee")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Len(t, st.Payouts, 2)
	require.Equal(t, partnership.PayoutFailed, st.Payouts[0].Status)
	require.Equal(t, "partnership_cancelled", st.Payouts[0].FailureCode)
	require.Equal(t, partnership.PayoutKindKillFee, st.Payouts[1].Kind)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	require.Equal(t, 1, f.n("CreateTransfer"), "the kill fee only")
}
