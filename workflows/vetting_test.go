package workflows_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// TestVettingBrandDecision covers the reports that need a person and what their decision (or
// silence) leads to.
func TestVettingBrandDecision(t *testing.T) {
	cases := []struct {
		name        string
		clean       bool
		autoApprove bool
		vetErr      error
		decider     partnership.Actor
		decision    string // "" = nobody decides
		wantStage   partnership.Stage
		wantOutcome string
		wantEvent   string
	}{
		{name: "flagged report, brand approves", clean: false, autoApprove: true, decider: brand, decision: "approve",
			wantStage: partnership.StageDeclined, wantOutcome: "declined", wantEvent: "offer_declined"},
		{name: "clean report but auto-approve off, admin approves", clean: true, autoApprove: false, decider: admin, decision: "approve",
			wantStage: partnership.StageDeclined, wantOutcome: "declined", wantEvent: "offer_declined"},
		{name: "flagged report, brand rejects", clean: false, autoApprove: true, decider: brand, decision: "reject",
			wantStage: partnership.StageRejected, wantOutcome: "rejected", wantEvent: "vetting_rejected"},
		{name: "vetting cannot run, brand rejects the flagged report", clean: true, autoApprove: true,
			vetErr:  temporal.NewNonRetryableApplicationError("no instagram account", activities.ErrTypeNotFound, nil),
			decider: brand, decision: "reject",
			wantStage: partnership.StageRejected, wantOutcome: "rejected", wantEvent: "vetting_rejected"},
		{name: "no decision before the offer TTL", clean: false, autoApprove: true,
			wantStage: partnership.StageExpired, wantOutcome: "expired", wantEvent: "vetting_expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput()
			in.Campaign.AutoApproveVetting = tc.autoApprove
			f := newFixture(t, in)
			f.vet.Clean = tc.clean
			f.vetErr = tc.vetErr
			f.snapshot(minute(0.5), "waiting")
			if tc.decision != "" {
				f.update(minute(1), "decide", partnership.UpdateVettingDecision,
					partnership.VettingDecision{Actor: tc.decider, Decision: tc.decision, Note: "checked"})
				// an approved partnership goes on to negotiation; end it there
				f.snapshot(minute(1.5), "after")
				f.update(minute(2), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
			}
			st := f.runOK()

			w := f.snap("waiting")
			require.Equal(t, partnership.StageVetting, w.Stage)
			require.Equal(t, tc.vetErr == nil && tc.clean, w.Vetting.Clean)
			require.NotEmpty(t, w.Vetting.Report)
			require.Empty(t, w.Vetting.Decision)
			requireNextAction(t, w, partnership.RoleBrandManager, "decide_vetting")
			requireDueAt(t, w, testStart.Add(3*day))
			if tc.vetErr != nil {
				var rep map[string]string
				require.NoError(t, json.Unmarshal(w.Vetting.Report, &rep))
				require.Contains(t, rep["error"], "no instagram account")
			}

			require.Equal(t, tc.wantStage, st.Stage)
			require.Equal(t, tc.wantOutcome, st.Outcome)
			require.Nil(t, st.NextAction)
			require.Equal(t, 1, f.countEvents(tc.wantEvent))
			require.Equal(t, 0, f.countEvents("vetting_auto_approved"))
			require.Equal(t, 1, f.countEvents("vetting_report"))
			require.Equal(t, 1, f.n("VetCreator"))
			require.Equal(t, 0, f.n("CreateEnvelope"))
			if tc.decision != "" {
				f.requireAccepted("decide")
				require.Equal(t, tc.decision, st.Vetting.Decision)
				require.Equal(t, tc.decider.Sub, st.Vetting.DecidedBy)
				require.Equal(t, "checked", st.Vetting.Note)
				ev := f.event("vetting_decided")
				require.Equal(t, tc.decider.Sub, ev.Actor)
				require.Equal(t, tc.decider.Role, ev.Role)
			}
			switch tc.decision {
			case "approve":
				after := f.snap("after")
				require.Equal(t, partnership.StageNegotiation, after.Stage)
				requireNextAction(t, after, partnership.RoleCreator, "answer_offer")
				f.requireAccepted("decline")
				require.Equal(t, 1, countPrefix(f.notifySubjects(), "New partnership offer"))
			case "reject":
				require.Equal(t, 0, f.n("NotifyCreator"), "a rejected creator was never offered anything")
				require.Equal(t, 0, f.countEvents("offer_sent"))
			default:
				require.Equal(t, 0, f.countEvents("offer_sent"))
			}
		})
	}
}

// TestVettingDecisionValidation: invalid decisions and decisions outside vetting are refused.
func TestVettingDecisionValidation(t *testing.T) {
	in := baseInput()
	in.Campaign.AutoApproveVetting = false
	f := newFixture(t, in)
	f.update(minute(1), "bad-decision", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "maybe"})
	f.update(minute(2), "approve", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "approve"})
	f.update(minute(3), "again", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "reject"})
	f.update(minute(4), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
	st := f.runOK()

	f.requireRejected("bad-decision", partnership.ErrTypeInvalid)
	f.requireAccepted("approve")
	f.requireRejected("again", partnership.ErrTypeConflict)
	f.requireAccepted("decline")
	require.Equal(t, "approve", st.Vetting.Decision)
	require.Equal(t, 1, f.countEvents("vetting_decided"), "refused decisions leave no trace")
	require.Equal(t, partnership.StageDeclined, st.Stage)
}
