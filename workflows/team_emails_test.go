package workflows_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// teamMail is one NotifyTeam call, as the tests compare it.
type teamMail struct{ role, key, subject string }

func (f *fixture) teamMailsSent() []teamMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []teamMail
	for _, m := range f.teamMails {
		out = append(out, teamMail{m.Role, m.IdempotencyKey, m.Subject})
	}
	return out
}

func (f *fixture) teamMail(i int) activities.TeamNotifyInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Greater(f.t, len(f.teamMails), i)
	return f.teamMails[i]
}

// TestFinanceRemindedAndToldWhenOverdue: the fee is payable and finance does not trigger it.
// Finance is reminded a day before its week is up and told when the week has passed (the
// audit trail said so before; now the finance team's inbox does too), and the clock starts
// again until finance acts.
func TestFinanceRemindedAndToldWhenOverdue(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toPayout() // the fee is payable from minute 5
	f.snapshot(minute(6), "payable")
	f.trigger(8*day, "fee", finance1, partnership.PayoutKindFee)
	f.payment(8*day+minute(1), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()
	require.Equal(t, partnership.StageCompleted, st.Stage)

	payable := testStart.Add(minute(5))
	requireNextAction(t, f.snap("payable"), partnership.RoleFinance, "trigger_payout")
	mails := f.teamMailsSent()
	require.Len(t, mails, 2)
	require.Equal(t, []string{partnership.RoleFinance, "Reminder: a partnership is waiting for finance"}, []string{mails[0].role, mails[0].subject})
	require.Equal(t, []string{partnership.RoleFinance, "Overdue: a partnership is waiting for finance"}, []string{mails[1].role, mails[1].subject})
	require.Regexp(t, `^p-0001/email/reminder/trigger_payout/\d+$`, mails[0].key)
	require.Regexp(t, `^p-0001/email/overdue/trigger_payout/\d+$`, mails[1].key)
	due := payable.Add(7 * day).Format("2 January 2006 15:04 UTC")
	require.Equal(t, "Partnership p-0001 (Acme) is waiting for finance to trigger the payout by "+due+".", f.teamMail(0).Text)
	require.Equal(t, "The deadline for finance to trigger the payout on partnership p-0001 (Acme), due "+due+", has passed. Please act as soon as possible.",
		f.teamMail(1).Text)
	require.Equal(t, 0, countPrefix(f.brandSubjects(), "Reminder")+countPrefix(f.brandSubjects(), "Overdue"),
		"finance's waits are not the brand's: %v", f.brandSubjects())
	missed := f.event("deadline_missed")
	require.True(t, missed.At.Equal(payable.Add(7*day)), "missed at %s", missed.At)
	require.JSONEq(t, `{"role":"finance","action":"trigger_payout"}`, string(missed.Data))
}

// TestAdminRemindedOfAHold: a held provider step waits for an admin's retry. The admins are
// reminded before the hold's day is up and told when it has passed; the brand, told of the
// hold once, gets neither.
func TestAdminRemindedOfAHold(t *testing.T) {
	in := baseInput()
	in.Campaign.ReminderBeforeSeconds = 3600
	f := newFixture(t, in)
	f.envelopeErrs = []error{refused("esign", "create envelope", 422, "signer email is not valid")}
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	retry(day+minute(30), f, "retry", admin, "creator's e-mail corrected")
	f.update(day+minute(40), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "changed plans"})
	f.runOK()

	f.requireAccepted("retry")
	require.Equal(t, []teamMail{
		{partnership.RoleAdmin, "p-0001/email/reminder/retry_create_contract/3", "Reminder: a partnership is waiting for admin"},
		{partnership.RoleAdmin, "p-0001/email/overdue/retry_create_contract/4", "Overdue: a partnership is waiting for admin"},
	}, f.teamMailsSent())
	require.Contains(t, f.teamMail(0).Text, "waiting for admin to retry the held create contract step by 7 January 2030 09:01 UTC")
	require.Equal(t, []string{holdSubject}, f.brandSubjects())
}

// TestBrandToldWhenReviewOverdue: the review SLA passes. The brand was reminded before it
// (as before) and is now also told that it has passed, as the creator is for a draft.
func TestBrandToldWhenReviewOverdue(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(3*day, "review-1", "d1", 1, "approve")
	f.update(3*day+minute(1), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()

	subjects := f.brandSubjects()
	require.Equal(t, 1, countPrefix(subjects, "Reminder"), "%v", subjects)
	require.Equal(t, 1, countPrefix(subjects, "Overdue"), "%v", subjects)
	var overdue activities.BrandNotifyInput
	for _, m := range f.brandMails {
		if strings.HasPrefix(m.Subject, "Overdue") {
			overdue = m
		}
	}
	require.Contains(t, overdue.IdempotencyKey, "/email/overdue/review_draft/")
	require.Equal(t, "The deadline for you to review the draft on deliverable d1 of the partnership with @jane for the campaign \"Spring launch\", due 8 January 2030 09:03 UTC, has passed. Please act as soon as possible. Partnership id: p-0001.", overdue.Text)
	require.Empty(t, f.teamMailsSent())
}

// TestTeamEmailsBeforeVersion: a partnership that reached these waits before the change
// (no "team-emails" marker) records the same reminders and missed deadlines and sends none
// of the new e-mails, so its history replays.
func TestTeamEmailsBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("team-emails")
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(3*day, "review-1", "d1", 1, "approve")
	f.post(3*day+minute(1), "post-1", "d1", "https://instagram.example/p/1")
	f.trigger(11*day, "fee", finance1, partnership.PayoutKindFee)
	f.payment(11*day+minute(1), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 2, f.countEvents("deadline_missed"), "the review SLA and finance's week")
	require.Equal(t, 0, f.n("NotifyTeam"))
	require.Equal(t, 0, countPrefix(f.brandSubjects(), "Overdue"))
}

// TestContentTurnsEmailed: each change to a draft is e-mailed to whoever acts on it next, once
// and in order: the brand of each submitted draft (saying whether it passes the disclosure
// check), the creator of the changes asked for (with the comments and the new deadline) and of
// the approval.
func TestContentTurnsEmailed(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", "Loving these "+noAdMarker)
	f.update(minute(4), "changes", partnership.UpdateReviewDraft, partnership.DraftReview{Actor: brand, DeliverableID: "d1", Version: 1,
		Decision: "request_changes", Comments: "add #ad at the start"})
	f.draft(minute(5), "draft-2", "d1", compliantText)
	f.review(minute(6), "review-2", "d1", 2, "approve")
	f.update(minute(7), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()

	var brandTexts []string
	for _, m := range f.brandMails {
		if strings.HasPrefix(m.Subject, "A draft is ready") {
			brandTexts = append(brandTexts, m.Text)
		}
	}
	require.Equal(t, []string{
		"Draft 1 of the instagram reel (deliverable d1) of the partnership with @jane for the campaign \"Spring launch\" is ready for your review. It fails the disclosure check, so it cannot be approved: ask for changes (the creator may also replace it). Review it within 2 days. Partnership id: p-0001.",
		"Draft 2 of the instagram reel (deliverable d1) of the partnership with @jane for the campaign \"Spring launch\" is ready for your review. It passes the disclosure check. Review it within 2 days. Partnership id: p-0001.",
	}, brandTexts)
	subjects := f.notifySubjects()
	require.Equal(t, []string{"Changes requested on your draft", "Your draft is approved: time to publish"}, subjects[2:4], "%v", subjects)
	require.Equal(t, `Acme asked for changes to draft 1 of your instagram reel: "add #ad at the start". Submit a new version in Partnerflow by 13 January 2030 09:04 UTC.`,
		f.notifies[2].Text)
	require.Contains(t, f.notifies[2].IdempotencyKey, "/email/changes_requested/d1/")
}

// TestContentTurnsBeforeVersion: a partnership started before version 4 of
// "record-once-per-task" sends none of these e-mails, so its history replays.
func TestContentTurnsBeforeVersion(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(3))
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(minute(4), "review-1", "d1", 1, "approve")
	f.update(minute(5), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()

	require.Equal(t, 0, countPrefix(f.brandSubjects(), "A draft is ready"))
	require.Equal(t, 0, countPrefix(f.notifySubjects(), "Your draft is approved"))
}

// TestNegotiationAndVettingTurnsEmailed: a vetting the brand must decide on is e-mailed to the
// brand, and each counter-offer to the side that must answer it.
func TestNegotiationAndVettingTurnsEmailed(t *testing.T) {
	f := newFixture(t, baseInput())
	f.vet = activities.VetOutput{Report: json.RawMessage(`{"flags":[{"code":"follower_spike"}]}`), Clean: false}
	f.update(minute(1), "approve", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "approve"})
	f.update(minute(2), "counter-1", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: termsOn("instagram")})
	f.update(minute(3), "counter-2", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "counter", Terms: termsOn("instagram")})
	f.update(minute(4), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
	f.runOK()

	require.Equal(t, []string{"A creator's vetting needs your decision", "The creator countered your offer", "A partnership has ended"}, f.brandSubjects())
	require.Equal(t, "The vetting of the creator for the partnership with @jane for the campaign \"Spring launch\" (an instagram reel) is not clean. Flagged: follower spike. Approve or reject it in Partnerflow within 3 days. Partnership id: p-0001.",
		f.brandMails[0].Text)
	require.Equal(t, "The creator countered your offer on the partnership with @jane for the campaign \"Spring launch\" (an instagram post) with new terms (round 2): USD 600.00. Accept, counter or withdraw in Partnerflow within 3 days. Partnership id: p-0001.",
		f.brandMails[1].Text)
	subjects := f.notifySubjects()
	require.Equal(t, []string{"New partnership offer from Acme", "Acme answered with new terms"}, subjects)
	// Amounts are written for people, in major units of the currency.
	require.Equal(t, "Acme offers you a one-off partnership for USD 500.00. Answer within 3 days.", f.notifies[0].Text)
	// Round 3 is the campaign's last: a counter would be refused, so none is offered.
	require.Equal(t, "Acme answered your counter-offer with new terms (round 3): USD 600.00. Accept or decline in Partnerflow within 3 days."+
		" This was the last round the campaign allows: no further counter-offer is possible.",
		f.notifies[1].Text)
	require.Contains(t, f.notifies[1].IdempotencyKey, "/email/countered/3/")
}

// TestVettingEmailSaysWhyNotClean: the brand's e-mail about a vetting that is not clean says
// why: the score and the threshold when the score fell short (it used to say "see the
// report's flags" of a report without any), the flags' own words when there are some.
func TestVettingEmailSaysWhyNotClean(t *testing.T) {
	cases := []struct {
		name string
		out  activities.VetOutput
		want string
	}{
		{"low score, no flags", activities.VetOutput{Report: json.RawMessage(`{"score":42,"flags":[]}`), CleanScore: 60},
			"is not clean: its score of 42/100 is below the 60 needed to advance without review."},
		{"low score and a flag", activities.VetOutput{Report: json.RawMessage(
			`{"score":30,"flags":[{"code":"engagement_far_below_tier","message":"Engagement is a quarter of what the tier predicts."}]}`), CleanScore: 60},
			"is not clean: its score of 30/100 is below the 60 needed to advance without review. Flagged: Engagement is a quarter of what the tier predicts."},
		{"a critical flag, score high enough", activities.VetOutput{Report: json.RawMessage(
			`{"score":80,"flags":[{"code":"account_not_found","message":"The tiktok account could not be vetted."}]}`), CleanScore: 60},
			"is not clean. Flagged: The tiktok account could not be vetted."},
		{"recorded before the threshold was", activities.VetOutput{Report: json.RawMessage(`{"score":42,"flags":[]}`)},
			"is not clean: its score of 42/100 is below the score needed to advance without review."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.vet = tc.out
			f.update(minute(1), "reject", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "reject"})
			f.runOK()
			require.Equal(t, "The vetting of the creator for the partnership with @jane for the campaign \"Spring launch\" (an instagram reel) "+tc.want+" Approve or reject it in Partnerflow within 3 days. Partnership id: p-0001.",
				f.brandText("A creator's vetting needs your decision"))
		})
	}
}

// brandTurns maps the subject of each e-mail to the brand to whether it went as a turn e-mail.
func (f *fixture) brandTurns() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]bool{}
	for _, m := range f.brandMails {
		if turn, seen := out[m.Subject]; seen && turn != m.Turn {
			f.t.Errorf("%q went both as a turn e-mail and not", m.Subject)
		}
		out[m.Subject] = m.Turn
	}
	return out
}

// TestOnlyTurnEmailsAreMarkedTurn: the e-mails that tell the brand its move is next (a
// vetting to decide, a counter-offer, a draft to review) go as turn e-mails, which a brand may
// turn off (NotifyBrand reads its setting); its reminders and missed deadlines do not, so it
// gets those whatever it chose.
func TestOnlyTurnEmailsAreMarkedTurn(t *testing.T) {
	f := newFixture(t, baseInput())
	f.vet = activities.VetOutput{Report: json.RawMessage(`{"flags":[{"code":"follower_spike"}]}`), Clean: false}
	// The vetting waits 3 days; the brand is reminded a day before and decides after it.
	f.update(2*day+minute(1), "approve", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "approve"})
	f.update(2*day+minute(2), "counter-1", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: termsOn("instagram")})
	f.update(2*day+minute(3), "counter-2", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "counter", Terms: termsOn("instagram")})
	f.update(2*day+minute(4), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
	f.runOK()
	require.Equal(t, map[string]bool{
		"A creator's vetting needs your decision":     true,
		"Reminder: action needed on your partnership": false,
		"The creator countered your offer":            true,
		"A partnership has ended":                     false,
	}, f.brandTurns())

	in := baseInput()
	in.Offer.KillFee = usd(0)
	f = newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(3*day, "review-1", "d1", 1, "approve")
	f.update(3*day+minute(1), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()
	require.Equal(t, map[string]bool{
		"A draft is ready for your review":            true,
		"Reminder: action needed on your partnership": false,
		"Overdue: a partnership is waiting for you":   false,
	}, f.brandTurns())
}

// TestCreatorEmailsReadAsEnglish: the offer takes the article its kind needs ("an affiliate",
// not "a affiliate"), the reminder says what to do in words and by when (not "to answer
// offer"), and the e-mail that opens content names the one deliverable instead of "each of
// the 1 deliverables".
func TestCreatorEmailsReadAsEnglish(t *testing.T) {
	in := baseInput()
	in.Offer.Kind = "affiliate"
	in.Offer.CommissionBps = 1000
	in.Offer.KillFee = usd(0) // nothing owed on the cancellation that ends the test
	f := newFixture(t, in)
	// The offer's time-to-live is 3 days and the reminder a day before: answer after it.
	f.update(2*day+minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(2*day+minute(2), "esign-evt-1", envelopeID, "completed")
	f.update(2*day+minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	require.Equal(t, "Acme offers you an affiliate partnership for USD 500.00 plus a 10% commission on sales. Answer within 3 days.",
		f.notifyText("New partnership offer from Acme"))
	require.Equal(t, "Your partnership with Acme is waiting for you to answer the offer by 9 January 2030 09:00 UTC.",
		f.notifyText("Reminder: action needed on your partnership"))
	require.Equal(t, "Your discount code is JANEP123. Submit a draft of an instagram reel in Partnerflow by 15 January 2030 09:02 UTC.",
		f.notifyText("Your contract is signed: time to create"))
}

// TestContentEmailCountsDeliverables: with several deliverables the e-mail counts and names them.
func TestContentEmailCountsDeliverables(t *testing.T) {
	in := baseInput()
	in.Offer.Deliverables = []partnership.DeliverableSpec{{Platform: "instagram", Format: "reel"}, {Platform: "instagram", Format: "story"},
		{Platform: "instagram", Format: "story"}}
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	require.Equal(t, "Your discount code is JANEP123. Submit a draft for each of the 3 deliverables (an instagram reel and 2 instagram stories)"+
		" in Partnerflow by 13 January 2030 09:02 UTC.", f.notifyText("Your contract is signed: time to create"))
}

// TestEndedPartnershipsAreTold: a partnership that ends without its people's own action
// telling them (an offer declined or unanswered, a contract declined, voided or unsigned in
// time) e-mails the brand, and the creator when the creator did not end it; before
// "end-emails" it ended in silence.
func TestEndedPartnershipsAreTold(t *testing.T) {
	accept := func(f *fixture) {
		f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	}
	for _, tc := range []struct {
		name          string
		script        func(f *fixture)
		before        bool
		brand         string // the brand's e-mail ("" for none)
		creatorEmails int
	}{
		{name: "offer declined", script: func(f *fixture) {
			f.update(minute(1), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
		}, brand: `The creator declined the offer of the partnership with @jane for the campaign "Spring launch" (an instagram reel). The partnership has ended. Partnership id: p-0001.`},
		{name: "offer expired", script: func(*fixture) {},
			brand: `The offer of the partnership with @jane for the campaign "Spring launch" (an instagram reel) went unanswered within its 3 days and has expired. Partnership id: p-0001.`, creatorEmails: 1},
		{name: "contract declined", script: func(f *fixture) {
			accept(f)
			f.esign(minute(2), "esign-evt-1", envelopeID, "declined")
		}, brand: `The contract of the partnership with @jane for the campaign "Spring launch" (an instagram reel) was declined at signing. The partnership has ended. Partnership id: p-0001.`, creatorEmails: 1},
		{name: "contract expired", script: accept,
			brand: `The contract of the partnership with @jane for the campaign "Spring launch" (an instagram reel) was not signed by both parties in time and has expired. Partnership id: p-0001.`, creatorEmails: 1},
		{name: "before the version", before: true, script: func(f *fixture) {
			f.update(minute(1), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			if tc.before {
				f.oldBranch("end-emails")
			}
			tc.script(f)
			f.runOK()
			var ended []string
			for _, m := range f.brandMails {
				if m.Subject == "A partnership has ended" {
					ended = append(ended, m.Text)
				}
			}
			if tc.brand == "" {
				require.Empty(t, ended)
			} else {
				require.Equal(t, []string{tc.brand}, ended)
			}
			require.Equal(t, tc.creatorEmails, countPrefix(f.notifySubjects(), "Your partnership has ended"))
		})
	}
}

// TestOverdueSinceKeptWhileTheClockRestarts: a missed review deadline is escalated and its
// clock starts again, and every write while the brand still has the review keeps when it was
// first missed (next_action.overdue_since, which the read model's due column takes, so the
// overdue queues find it); once the brand reviews, the mark is gone.
func TestOverdueSinceKeptWhileTheClockRestarts(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(5*day, "review-1", "d1", 1, "approve") // two days late, then two more
	f.update(5*day+minute(1), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "x"})
	f.runOK()

	firstDeadline := testStart.Add(minute(3) + 2*day)
	var late, afterReview int
	for _, r := range f.sortedRecords() {
		na := r.State.NextAction
		at := r.State.UpdatedAt
		switch {
		case at.After(firstDeadline) && at.Before(testStart.Add(5*day)):
			require.NotNil(t, na, "version %d", r.Version)
			require.Equal(t, "review_draft", na.Action)
			require.NotNil(t, na.OverdueSince, "version %d at %s", r.Version, at)
			require.True(t, na.OverdueSince.Equal(firstDeadline), "first missed at %s, not %s", firstDeadline, na.OverdueSince)
			require.True(t, na.DueAt.After(firstDeadline), "the clock started again")
			late++
		case !at.Before(testStart.Add(5 * day)):
			if na != nil {
				require.Nil(t, na.OverdueSince, "version %d", r.Version)
			}
			afterReview++
		}
	}
	require.GreaterOrEqual(t, late, 2, "a write at each missed deadline")
	require.Positive(t, afterReview)
}
