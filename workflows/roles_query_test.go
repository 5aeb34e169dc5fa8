package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestValidatorsRejectWrongRole: each action sent by a role that may not take it, at a moment
// when the right role could, is refused as Forbidden and changes nothing.
func TestValidatorsRejectWrongRole(t *testing.T) {
	system := partnership.Actor{Sub: "intruder", Role: partnership.RoleSystem}
	nobody := partnership.Actor{Sub: "anon", Role: ""}
	type attempt struct {
		at     time.Duration
		id     string
		update string
		arg    any
	}
	wrong := []attempt{
		// vetting (brand decides; auto-approval is off)
		{minute(1), "vet-by-creator", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: creator, Decision: "approve"}},
		{minute(1), "vet-by-finance", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: finance1, Decision: "approve"}},
		{minute(1), "vet-by-system", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: system, Decision: "approve"}},
		// negotiation (creator's turn)
		{minute(3), "negotiate-by-finance", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: finance1, Action: "accept"}},
		{minute(3), "negotiate-by-admin", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: admin, Action: "accept"}},
		{minute(3), "negotiate-by-nobody", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: nobody, Action: "accept"}},
		// content (draft expected)
		{minute(6), "draft-by-brand", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: brand, DeliverableID: "d1", Caption: compliantText}},
		{minute(6), "draft-by-admin", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: admin, DeliverableID: "d1", Caption: compliantText}},
		{minute(6), "cancel-by-finance", partnership.UpdateCancel, partnership.CancelRequest{Actor: finance1, Reason: "x"}},
		{minute(6), "cancel-by-system", partnership.UpdateCancel, partnership.CancelRequest{Actor: system, Reason: "x"}},
		// review expected
		{minute(8), "review-by-creator", partnership.UpdateReviewDraft, partnership.DraftReview{Actor: creator, DeliverableID: "d1", Version: 1, Decision: "approve"}},
		{minute(8), "review-by-finance", partnership.UpdateReviewDraft, partnership.DraftReview{Actor: finance1, DeliverableID: "d1", Version: 1, Decision: "approve"}},
		// post expected
		{minute(10), "post-by-brand", partnership.UpdateSubmitPost, partnership.PostSubmission{Actor: brand, DeliverableID: "d1", URL: "https://instagram.example/p/1"}},
		{minute(10), "post-by-admin", partnership.UpdateSubmitPost, partnership.PostSubmission{Actor: admin, DeliverableID: "d1", URL: "https://instagram.example/p/1"}},
		// payout expected
		{minute(12), "trigger-by-brand", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: brand, Kind: partnership.PayoutKindFee}},
		{minute(12), "trigger-by-creator", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: creator, Kind: partnership.PayoutKindFee}},
		// approval expected
		{minute(14), "approve-by-brand", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: brand, PayoutID: "po_1"}},
		{minute(14), "approve-by-creator", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: creator, PayoutID: "po_1"}},
	}
	right := []attempt{
		{minute(2), "vet", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "approve"}},
		{minute(4), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"}},
		{minute(7), "draft", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: creator, DeliverableID: "d1", Caption: compliantText}},
		{minute(9), "review", partnership.UpdateReviewDraft, partnership.DraftReview{Actor: admin, DeliverableID: "d1", Version: 1, Decision: "approve"}},
		{minute(11), "post", partnership.UpdateSubmitPost, partnership.PostSubmission{Actor: creator, DeliverableID: "d1", URL: "https://instagram.example/p/1"}},
		{minute(13), "trigger", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindFee}},
		{minute(15), "approve", partnership.UpdateApprovePayout, partnership.PayoutApproval{Actor: finance2, PayoutID: "po_1"}},
	}
	in := baseInput()
	in.Campaign.AutoApproveVetting = false
	in.Campaign.DualApprovalThresholdMinor = 10_000
	f := newFixture(t, in)
	for _, a := range append(wrong, right...) {
		f.update(a.at, a.id, a.update, a.arg)
	}
	f.esign(minute(5), "esign-evt-1", envelopeID, "completed")
	f.payment(minute(16), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	for _, a := range wrong {
		t.Run(a.id, func(t *testing.T) {
			f.t = t
			f.requireRejected(a.id, partnership.ErrTypeForbidden)
		})
	}
	f.t = t
	for _, a := range right {
		f.requireAccepted(a.id)
	}
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Nil(t, st.Cancellation)
	require.Equal(t, brand.Sub, st.Vetting.DecidedBy)
	require.Equal(t, admin.Sub, st.Deliverables[0].Drafts[0].Review.By)
	for _, e := range f.events() {
		require.NotContains(t, []string{"intruder", "anon"}, e.Actor, "a refused action leaves no trace")
		if e.Actor == finance1.Sub || e.Actor == finance2.Sub {
			require.Contains(t, []string{"payout_triggered", "payout_approved"}, e.Type, "finance acts on payouts only")
		}
	}
}

// TestQueryState: the state query answers with the whole current State at any time, also
// after the workflow finished.
func TestQueryState(t *testing.T) {
	in := baseInput()
	in.Campaign.AutoApproveVetting = false
	f := newFixture(t, in)
	f.snapshot(time.Millisecond, "start")
	f.snapshot(minute(1), "vetting")
	f.update(minute(2), "reject", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "reject", Note: "off-brand"})
	st := f.runOK()

	s := f.snap("vetting")
	require.Equal(t, in.PartnershipID, s.ID)
	require.Equal(t, in.BrandID, s.BrandID)
	require.Equal(t, in.Campaign.ID, s.CampaignID)
	require.Equal(t, in.CreatorID, s.CreatorID)
	require.Equal(t, partnership.StageVetting, s.Stage)
	require.Empty(t, s.Outcome)
	require.Equal(t, in.Offer, s.Terms)
	require.True(t, s.CreatedAt.Equal(testStart))
	require.NotNil(t, s.Deliverables)
	require.NotNil(t, s.Payouts)
	require.JSONEq(t, `{"tier":"micro","engagement_rate":0.041}`, string(s.Vetting.Report))
	requireNextAction(t, s, partnership.RoleBrandManager, "decide_vetting")
	require.Equal(t, partnership.StageVetting, f.snap("start").Stage, "the query answers from the first moment")

	v, err := f.env.QueryWorkflow(partnership.QueryState)
	require.NoError(t, err)
	var done partnership.State
	require.NoError(t, v.Get(&done))
	require.Equal(t, partnership.StageRejected, done.Stage)
	require.Equal(t, "rejected", done.Outcome)
	require.Equal(t, "off-brand", done.Vetting.Note)
	require.Equal(t, st.Stage, done.Stage)
	require.True(t, done.UpdatedAt.Equal(testStart.Add(minute(2))))
}
