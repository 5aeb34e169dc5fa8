package workflows_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/workflows"
)

func counterTerms(fee int64) *partnership.Terms {
	t := baseInput().Offer
	t.Fee = usd(fee)
	return &t
}

// TestNegotiationCreatorCountersBrandAccepts: a counter opens round 2 with the brand's turn and
// the accepted counter becomes the contract's terms.
func TestNegotiationCreatorCountersBrandAccepts(t *testing.T) {
	f := newFixture(t, baseInput())
	f.update(minute(1), "counter", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: counterTerms(75_000)})
	f.snapshot(minute(1.5), "countered")
	f.update(minute(2), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "accept"})
	f.snapshot(minute(2.5), "contracting")
	f.esign(minute(3), "esign-evt-1", envelopeID, "declined") // end the partnership
	st := f.runOK()

	after := f.ackedState(f.requireAccepted("counter"))
	require.Equal(t, 2, after.Negotiation.Round)
	require.Equal(t, partnership.RoleBrandManager, after.Negotiation.Turn)

	c := f.snap("countered")
	require.Equal(t, partnership.StageNegotiation, c.Stage)
	require.Equal(t, 2, c.Negotiation.Round)
	require.Equal(t, partnership.RoleBrandManager, c.Negotiation.Turn)
	require.Len(t, c.Negotiation.History, 2)
	h := c.Negotiation.History[1]
	require.Equal(t, "counter", h.Action)
	require.Equal(t, 2, h.Round)
	require.Equal(t, partnership.RoleCreator, h.Role)
	require.Equal(t, creator.Sub, h.Actor)
	require.NotNil(t, h.Terms)
	require.Equal(t, usd(75_000), h.Terms.Fee)
	require.Equal(t, usd(75_000), c.Terms.Fee)
	requireNextAction(t, c, partnership.RoleBrandManager, "answer_offer")
	requireDueAt(t, c, testStart.Add(minute(1)).Add(3*day))

	f.requireAccepted("accept")
	ct := f.snap("contracting")
	require.Equal(t, partnership.StageContracting, ct.Stage)
	requireNextAction(t, ct, partnership.RoleCreator, "sign_contract")
	require.Len(t, f.envelopes, 1)
	require.Equal(t, usd(75_000), f.envelopes[0].Terms.Fee, "the contract carries the agreed counter terms")

	require.Equal(t, partnership.StageDeclined, st.Stage)
	require.Equal(t, usd(75_000), st.Terms.Fee)
	requireSubsequence(t, f.eventTypes(), []string{"offer_sent", "negotiation_counter", "negotiation_accept", "terms_agreed", "contract_sent", "contract_declined"})
	ev := f.event("terms_agreed")
	require.Equal(t, brand.Sub, ev.Actor)
	require.Equal(t, partnership.RoleBrandManager, ev.Role)
}

// TestNegotiationValidation: moves that do not fit the turn, the round limit or the vocabulary
// are refused by the validator and change nothing.
func TestNegotiationValidation(t *testing.T) {
	in := baseInput()
	in.Campaign.MaxNegotiationRounds = 2
	f := newFixture(t, in)
	f.update(minute(1), "brand-out-of-turn", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "accept"})
	f.update(minute(1.1), "counter-no-terms", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter"})
	f.update(minute(1.2), "unknown-action", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "haggle"})
	f.update(minute(1.3), "creator-withdraws-offer", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "withdraw"})
	f.update(minute(2), "creator-counter", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: counterTerms(70_000)})
	f.update(minute(3), "creator-out-of-turn", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: counterTerms(80_000)})
	f.update(minute(3.1), "brand-declines", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "decline"})
	f.update(minute(4), "brand-counter-beyond-max", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "counter", Terms: counterTerms(60_000)})
	f.snapshot(minute(4.5), "after-refusals")
	f.update(minute(5), "brand-accepts", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "accept"})
	f.esign(minute(6), "esign-evt-1", envelopeID, "declined")
	st := f.runOK()

	f.requireRejected("brand-out-of-turn", partnership.ErrTypeConflict)
	f.requireRejected("counter-no-terms", partnership.ErrTypeInvalid)
	f.requireRejected("unknown-action", partnership.ErrTypeInvalid)
	f.requireRejected("creator-withdraws-offer", partnership.ErrTypeInvalid)
	f.requireAccepted("creator-counter")
	f.requireRejected("creator-out-of-turn", partnership.ErrTypeConflict)
	f.requireRejected("brand-declines", partnership.ErrTypeInvalid)
	f.requireRejected("brand-counter-beyond-max", partnership.ErrTypeConflict)
	f.requireAccepted("brand-accepts")

	s := f.snap("after-refusals")
	require.Equal(t, 2, s.Negotiation.Round)
	require.Equal(t, partnership.RoleBrandManager, s.Negotiation.Turn)
	require.Len(t, s.Negotiation.History, 2, "refused moves are not in the history")
	require.Equal(t, usd(70_000), s.Terms.Fee)

	require.Equal(t, usd(70_000), st.Terms.Fee)
	require.Equal(t, 1, f.countEvents("negotiation_counter"))
	require.Equal(t, 1, f.countEvents("negotiation_accept"))
}

// TestNegotiationOutcomes: declines, withdrawals and silence end the partnership.
func TestNegotiationOutcomes(t *testing.T) {
	cases := []struct {
		name         string
		moves        []partnership.NegotiationMove // one a minute from minute 1
		wantStage    partnership.Stage
		wantOutcome  string
		wantEvent    string
		wantReminder bool
		wantSubjects map[string]int
		brandRemind  int
	}{
		{name: "creator declines", moves: []partnership.NegotiationMove{{Actor: creator, Action: "decline"}},
			wantStage: partnership.StageDeclined, wantOutcome: "declined", wantEvent: "offer_declined",
			wantSubjects: map[string]int{"New partnership offer": 1, "Reminder": 0, "Your partnership was cancelled": 0}},
		{name: "creator declines a brand counter", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "counter", Terms: counterTerms(90_000)},
			{Actor: brand, Action: "counter", Terms: counterTerms(60_000)},
			{Actor: creator, Action: "decline"}},
			wantStage: partnership.StageDeclined, wantOutcome: "declined", wantEvent: "offer_declined",
			wantSubjects: map[string]int{"New partnership offer": 1, "Reminder": 0}},
		{name: "brand withdraws after a counter", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "counter", Terms: counterTerms(90_000)},
			{Actor: brand, Action: "withdraw"}},
			wantStage: partnership.StageCancelled, wantOutcome: "cancelled", wantEvent: "partnership_cancelled",
			wantSubjects: map[string]int{"New partnership offer": 1, "Your partnership was cancelled": 1}},
		{name: "offer expires after a reminder", wantStage: partnership.StageExpired, wantOutcome: "expired",
			wantEvent: "offer_expired", wantReminder: true,
			wantSubjects: map[string]int{"New partnership offer": 1, "Reminder": 1}},
		{name: "brand never answers a counter", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "counter", Terms: counterTerms(90_000)}},
			wantStage: partnership.StageExpired, wantOutcome: "expired", wantEvent: "offer_expired", wantReminder: true,
			// the brand, not the creator, is reminded
			wantSubjects: map[string]int{"New partnership offer": 1, "Reminder": 0}, brandRemind: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			for i, m := range tc.moves {
				f.update(minute(float64(i+1)), "move-"+string(rune('a'+i)), partnership.UpdateNegotiate, m)
			}
			st := f.runOK()
			for i := range tc.moves {
				f.requireAccepted("move-" + string(rune('a'+i)))
			}
			require.Equal(t, tc.wantStage, st.Stage)
			require.Equal(t, tc.wantOutcome, st.Outcome)
			require.Nil(t, st.NextAction)
			require.Equal(t, 1, f.countEvents(tc.wantEvent))
			subjects := f.notifySubjects()
			for prefix, n := range tc.wantSubjects {
				require.Equal(t, n, countPrefix(subjects, prefix), "e-mails %q in %v", prefix, subjects)
			}
			require.Equal(t, tc.brandRemind, countPrefix(f.brandSubjects(), "Reminder"), "brand e-mails %v", f.brandSubjects())
			require.Equal(t, 0, f.n("CreateEnvelope"))
			require.Equal(t, 0, f.n("VoidEnvelope"), "no envelope exists before the terms are agreed")
			if tc.wantReminder {
				require.Equal(t, 1, f.countEvents("reminder_sent"))
				rem := f.event("reminder_sent")
				exp := f.event("offer_expired")
				lastMove := testStart.Add(minute(float64(len(tc.moves))))
				require.True(t, rem.At.Equal(lastMove.Add(2*day)), "reminder at %s: reminder_before (1d) ahead of the 3d TTL", rem.At)
				require.True(t, exp.At.Equal(lastMove.Add(3*day)), "expiry at %s", exp.At)
			} else {
				require.Equal(t, 0, f.countEvents("reminder_sent"))
			}
			if tc.wantEvent == "partnership_cancelled" {
				require.NotNil(t, st.Cancellation)
				require.Equal(t, brand.Sub, st.Cancellation.By)
				require.NotEmpty(t, st.Cancellation.Reason)
			}
		})
	}
}

// TestNegotiationMoveAfterTheEndingMove: moves that arrive together, before the workflow has
// acted on the first (the creator's accept and a counter from a second tab), are validated
// against the state the first one left. Once a move ended the negotiation it is nobody's turn:
// any later move is refused with a 409 that says why, and the terms agreed to are the
// contract's. (An accept used to leave the turn where it was, so the same party's counter was
// accepted too, replaced the terms, and the queued accept agreed to terms the other side never
// offered.)
//
// The test environment runs a workflow task for each Update it delivers; the offer e-mail still
// being sent keeps the main loop from acting between them, as when they share one task.
func TestNegotiationMoveAfterTheEndingMove(t *testing.T) {
	cases := []struct {
		name        string
		moves       []partnership.NegotiationMove // delivered together; the last is refused
		wantRefusal string
		wantFee     int64 // the terms agreed to, when accepted
		wantStage   partnership.Stage
		wantOutcome string
	}{
		{name: "creator accepts, then counters from another tab", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "accept"},
			{Actor: creator, Action: "counter", Terms: counterTerms(90_000)}},
			wantRefusal: "the negotiation is over: the creator accepted the terms", wantFee: 50_000,
			wantStage: partnership.StageContracting},
		{name: "brand accepts a counter, then counters it", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "counter", Terms: counterTerms(75_000)},
			{Actor: brand, Action: "accept"},
			{Actor: brand, Action: "counter", Terms: counterTerms(60_000)}},
			wantRefusal: "the negotiation is over: the brand accepted the terms", wantFee: 75_000,
			wantStage: partnership.StageContracting},
		{name: "creator accepts, then the brand counters", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "accept"},
			{Actor: brand, Action: "counter", Terms: counterTerms(40_000)}},
			wantRefusal: "the negotiation is over: the creator accepted the terms", wantFee: 50_000,
			wantStage: partnership.StageContracting},
		{name: "creator declines, then accepts", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "decline"},
			{Actor: creator, Action: "accept"}},
			wantRefusal: "the negotiation is over: the creator declined the offer",
			wantStage:   partnership.StageDeclined, wantOutcome: "declined"},
		{name: "brand withdraws, then accepts", moves: []partnership.NegotiationMove{
			{Actor: creator, Action: "counter", Terms: counterTerms(75_000)},
			{Actor: brand, Action: "withdraw"},
			{Actor: brand, Action: "accept"}},
			wantRefusal: "the negotiation is over: the brand withdrew the offer",
			wantStage:   partnership.StageCancelled, wantOutcome: "cancelled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.notifyDelay = minute(1) // the offer e-mail is on its way until minute 1
			last := len(tc.moves) - 1
			f.at(minute(0.5), func() {
				for i, m := range tc.moves {
					f.updateNow("move-"+string(rune('a'+i)), partnership.UpdateNegotiate, m)
				}
			})
			if tc.wantStage == partnership.StageContracting {
				f.snapshot(minute(2), "contracting")
				f.esign(minute(3), "esign-evt-1", envelopeID, "declined") // end the partnership
			}
			st := f.runOK()

			for i := range last {
				f.requireAccepted("move-" + string(rune('a'+i)))
			}
			refused := "move-" + string(rune('a'+last))
			f.requireRejected(refused, partnership.ErrTypeConflict)
			require.ErrorContains(t, f.upd(refused).rejectErr, tc.wantRefusal)
			require.Len(t, st.Negotiation.History, len(tc.moves), "the refused move is not in the history")
			require.Empty(t, st.Negotiation.Turn, "nobody's turn once the negotiation ended")
			ending := tc.moves[last-1]
			require.Equal(t, 1, f.countEvents("negotiation_"+ending.Action))
			require.Equal(t, countAction(tc.moves[:last], "counter"), f.countEvents("negotiation_counter"))
			if tc.wantStage != partnership.StageContracting {
				require.Equal(t, tc.wantStage, st.Stage)
				require.Equal(t, tc.wantOutcome, st.Outcome)
				require.Equal(t, 0, f.n("CreateEnvelope"))
				require.Equal(t, 0, f.countEvents("terms_agreed"))
				return
			}
			require.Equal(t, partnership.StageContracting, f.snap("contracting").Stage)
			require.Equal(t, usd(tc.wantFee), st.Terms.Fee)
			require.Len(t, f.envelopes, 1)
			require.Equal(t, usd(tc.wantFee), f.envelopes[0].Terms.Fee, "the contract carries the terms agreed to")
			ev := f.event("terms_agreed")
			require.Equal(t, ending.Actor.Sub, ev.Actor)
			require.Contains(t, string(ev.Data), fmt.Sprintf(`"amount_minor":%d`, tc.wantFee))
		})
	}
}

func countAction(moves []partnership.NegotiationMove, action string) int {
	n := 0
	for _, m := range moves {
		if m.Action == action {
			n++
		}
	}
	return n
}

// TestNegotiationCounterNeedsCreatorAccounts: a counter-offer whose deliverables include a
// platform the creator has no account on is refused as invalid, naming the deliverable's
// platform field (its post could never be verified); one moving a deliverable to another of
// the creator's (vetted) platforms is accepted and that account verifies it.
func TestNegotiationCounterNeedsCreatorAccounts(t *testing.T) {
	f := newFixture(t, multiPlatformInput())
	youtube := termsOn("instagram", "youtube")
	tiktok := termsOn("tiktok")
	f.update(minute(1), "counter-youtube", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: youtube})
	f.update(minute(1.5), "counter-tiktok", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: tiktok})
	f.update(minute(2), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "accept"})
	f.esign(minute(3), "esign-evt-1", envelopeID, "completed")
	f.draft(minute(4), "draft-1", "d1", compliantText)
	f.review(minute(5), "review-1", "d1", 1, "approve")
	f.post(minute(6), "post-1", "d1", "https://tiktok.example/@maya.tt/video/1")
	f.trigger(minute(7), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	f.run()

	requireRefusedField(t, f, "counter-youtube", "terms.deliverables[1].platform", "the creator has no youtube account")
	f.requireAccepted("counter-tiktok")
	require.NoError(t, f.resultErr)
	require.Equal(t, partnership.StageCompleted, f.result.Stage)
	f.checkAudit()
	require.Len(t, f.verifies, 1)
	require.Equal(t, "maya.tt", f.verifies[0].Handle, "the counter's TikTok deliverable is verified against the TikTok account")
}

// TestNegotiationCounterOnlyOnVettedPlatforms: vetting covered the accounts of the offer's
// platforms (the first deliverable's alone in partnerships vetted before every account was),
// and no other account is ever vetted, so a counter-offer may not move a deliverable to
// another platform, even one the creator is on: it is refused as invalid on the first such
// deliverable's platform, naming every unvetted platform and the vetted ones. An account
// vetting covered counts however the vetting went (flagged, unknown to the provider, or the
// whole vetting failed) once a brand manager approved it.
func TestNegotiationCounterOnlyOnVettedPlatforms(t *testing.T) {
	type counter struct {
		platforms []string
		field     string // the refusal's field; "" when the counter is accepted
		msg       string
	}
	for _, tc := range []struct {
		name     string
		in       partnership.Input
		setup    func(f *fixture)
		approve  bool // the report is not clean: the brand manager approves it
		counters []counter
	}{{
		name: "a platform added to the offer's",
		in: func() partnership.Input {
			in := instagramOfferTo(multiPlatformInput())
			in.CreatorHandles["youtube"] = "maya.yt"
			return in
		}(),
		counters: []counter{
			{platforms: []string{"instagram", "tiktok"}, field: "terms.deliverables[1].platform",
				msg: "tiktok was not vetted for this partnership: a counter-offer's deliverables stay on the platforms of the original offer, whose accounts were vetted (instagram)"},
			{platforms: []string{"tiktok", "youtube", "instagram", "tiktok"}, field: "terms.deliverables[0].platform",
				msg: "tiktok, youtube were not vetted for this partnership: a counter-offer's deliverables stay on the platforms of the original offer, whose accounts were vetted (instagram)"},
			{platforms: []string{"instagram", "instagram"}},
		},
	}, {
		name: "approved despite a flag on the account",
		in:   multiPlatformInput(),
		setup: func(f *fixture) {
			f.social = &fakeSocial{profiles: map[string]providers.Profile{"instagram/maya": engagedInstagram}} // no TikTok account
		},
		approve:  true,
		counters: []counter{{platforms: []string{"tiktok"}}},
	}, {
		name: "approved after the vetting failed",
		in:   instagramOfferTo(multiPlatformInput()),
		setup: func(f *fixture) {
			f.vetErr = temporal.NewNonRetryableApplicationError("refused", "ProviderRejected", nil)
		},
		approve: true,
		counters: []counter{
			{platforms: []string{"tiktok"}, field: "terms.deliverables[0].platform", msg: "tiktok was not vetted for this partnership: a counter-offer's deliverables stay on the platforms of the original offer, whose accounts were vetted (instagram)"},
			{platforms: []string{"instagram"}},
		},
	}, {
		name: "vetted before every account was",
		in: func() partnership.Input {
			in := baseInput() // no CreatorHandles, as then
			in.Offer.Deliverables = append(in.Offer.Deliverables, partnership.DeliverableSpec{Platform: "youtube", Format: "short"})
			return in
		}(),
		setup: func(f *fixture) {
			f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(2))
		},
		counters: []counter{
			{platforms: []string{"tiktok", "instagram"}, field: "terms.deliverables[0].platform",
				msg: "tiktok was not vetted for this partnership: a counter-offer's deliverables stay on the platforms of the original offer, whose accounts were vetted (instagram, youtube)"},
			{platforms: []string{"instagram", "youtube"}}, // the brand's own offer, as it was
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.in)
			if tc.setup != nil {
				tc.setup(f)
			}
			if tc.approve {
				f.update(minute(0.5), "approve", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "approve"})
			}
			for i, c := range tc.counters {
				f.update(minute(1+float64(i)/10), fmt.Sprint("counter-", i), partnership.UpdateNegotiate,
					partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: termsOn(c.platforms...)})
			}
			f.snapshot(minute(1.9), "countered")
			f.update(minute(2), "withdraw", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "withdraw"})
			f.runOK()

			accepted := 0
			for i, c := range tc.counters {
				id := fmt.Sprint("counter-", i)
				if c.field == "" {
					f.requireAccepted(id)
					accepted++
					continue
				}
				requireRefusedField(t, f, id, c.field, c.msg)
			}
			require.Len(t, f.snap("countered").Negotiation.History, 1+accepted, "refused counters are not in the history")
		})
	}
}

// instagramOfferTo makes in's offer an Instagram post alone.
func instagramOfferTo(in partnership.Input) partnership.Input {
	in.Offer.Deliverables = []partnership.DeliverableSpec{{Platform: "instagram", Format: "post"}}
	return in
}

// termsOn is a counter-offer with one deliverable on each of platforms, in order.
func termsOn(platforms ...string) *partnership.Terms {
	formats := map[string]string{"instagram": "post", "tiktok": "video", "youtube": "short"}
	t := counterTerms(60_000)
	t.Deliverables = nil
	for _, p := range platforms {
		t.Deliverables = append(t.Deliverables, partnership.DeliverableSpec{Platform: p, Format: formats[p]})
	}
	return t
}

// requireRefusedField asserts the update was refused as invalid on field, with a message
// containing msg.
func requireRefusedField(t *testing.T, f *fixture, id, field, msg string) {
	t.Helper()
	f.requireRejected(id, partnership.ErrTypeInvalid)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, f.upd(id).rejectErr, &appErr)
	require.Contains(t, appErr.Message(), msg)
	var d workflows.ConflictDetails
	require.NoError(t, appErr.Details(&d))
	require.Equal(t, field, d.Field)
}

// TestConflictsSayTheStageInWords: a refusal names the stage as a sentence reads it ("while the
// partnership is in negotiation", not "is negotiation"); the details keep the stage's name.
func TestConflictsSayTheStageInWords(t *testing.T) {
	in := baseInput()
	in.Campaign.MaxNegotiationRounds = 2
	f := newFixture(t, in)
	f.update(minute(1), "draft-too-early", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: creator, DeliverableID: "d1", Caption: compliantText})
	f.trigger(minute(1.1), "fee-too-early", finance1, partnership.PayoutKindFee)
	f.update(minute(2), "counter", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: termsOn("instagram")})
	f.update(minute(3), "counter-past-limit", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "counter", Terms: termsOn("instagram")})
	f.update(minute(4), "withdraw", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "withdraw"})
	f.runOK()

	for id, want := range map[string]string{
		"draft-too-early":    "not allowed while the partnership is in negotiation",
		"fee-too-early":      "no fee is payable while the partnership is in negotiation",
		"counter-past-limit": "the negotiation reached its limit of 2 rounds: accept or withdraw",
	} {
		f.requireRejected(id, partnership.ErrTypeConflict)
		msg, stage := f.rejection(id)
		require.Equal(t, want, msg, id)
		require.Equal(t, partnership.StageNegotiation, stage, id)
	}
}

// TestNegotiationCounterKeepsTheCurrency: a counter-offer in another currency than the offer's
// is refused as invalid, naming the field, and the negotiation is as it was; the same counter
// in the offer's currency is taken.
func TestNegotiationCounterKeepsTheCurrency(t *testing.T) {
	f := newFixture(t, baseInput())
	eur := counterTerms(40_000)
	eur.Fee.Currency, eur.KillFee.Currency = "EUR", "EUR"
	f.update(minute(1), "counter-eur", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: eur})
	f.update(minute(1.5), "counter", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "counter", Terms: counterTerms(40_000)})
	f.update(minute(2), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: brand, Action: "accept"})
	f.esign(minute(3), "esign-evt-1", envelopeID, "declined") // end the partnership
	st := f.runOK()

	f.requireRejected("counter-eur", partnership.ErrTypeInvalid)
	f.requireAccepted("counter")
	require.Equal(t, usd(40_000), st.Terms.Fee)
	require.Len(t, st.Negotiation.History, 3, "offer, the counter in USD, the acceptance")
}
