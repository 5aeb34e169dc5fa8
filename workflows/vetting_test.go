package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/vetting"
	"github.com/partnerflow/partnerflow/workflows"
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
			require.Equal(t, 1, f.n("VetCreatorAccounts"))
			require.Equal(t, 0, f.n("CreateEnvelope"))
			if tc.decision != "" {
				// The decision's answer is the read model's row that holds it: already the
				// next stage's, never the decision as still to make.
				acked := f.ackedState(f.requireAccepted("decide"))
				require.False(t, acked.NextAction != nil && acked.NextAction.Action == "decide_vetting",
					"the answer names the decision as still to make")
				if tc.decision == "approve" {
					require.Equal(t, partnership.StageNegotiation, acked.Stage)
					requireNextAction(t, acked, partnership.RoleCreator, "answer_offer")
				}
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

// fakeSocial is a social provider holding profiles by "platform/handle"; any other account is
// not found.
type fakeSocial struct{ profiles map[string]providers.Profile }

func (s *fakeSocial) Profile(_ context.Context, platform, handle string) (providers.Profile, error) {
	p, ok := s.profiles[platform+"/"+handle]
	if !ok {
		return providers.Profile{}, providers.ErrNotFound
	}
	return p, nil
}

func (s *fakeSocial) MediaByURL(context.Context, string) (providers.Media, error) {
	return providers.Media{}, providers.ErrNotFound
}

// socialAccount is a profile with three posts about the test campaign's keyword ("shoes"),
// each with likes and comments.
func socialAccount(platform, handle string, followers, likes, comments int64) providers.Profile {
	p := providers.Profile{Platform: platform, Username: handle, FollowersCount: followers, FollowsCount: 300, MediaCount: 3}
	for i := range 3 {
		p.Media = append(p.Media, providers.Media{ID: fmt.Sprint(i), Caption: "my favourite running shoes", Username: handle,
			Timestamp: testStart.Add(-time.Duration(i+1) * day), LikeCount: likes, CommentsCount: comments})
	}
	return p
}

var (
	engagedInstagram = socialAccount("instagram", "maya", 12_000, 900, 40)
	engagedTikTok    = socialAccount("tiktok", "maya.tt", 15_000, 1_100, 50)
	// 300k followers who hardly react: bought.
	boughtTikTok = socialAccount("tiktok", "maya.tt", 300_000, 28, 2)
)

// TestVettingEveryAccount: a partnership with deliverables on Instagram and TikTok vets the
// creator's account on both; the report shows both, and a flagged or missing TikTok account
// keeps a campaign that auto-approves clean reports from approving it.
func TestVettingEveryAccount(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tiktok    *providers.Profile // nil: no such account at the provider
		wantClean bool
		wantFlag  string // a flag the TikTok account must carry
	}{
		{name: "both accounts clean", tiktok: &engagedTikTok, wantClean: true},
		{name: "flagged second account", tiktok: &boughtTikTok, wantFlag: vetting.CodeEngagementFarBelowTier},
		{name: "missing second account", wantFlag: vetting.CodeAccountNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := multiPlatformInput()
			in.Offer.Deliverables = append(in.Offer.Deliverables, partnership.DeliverableSpec{Platform: "instagram", Format: "story"})
			f := newFixture(t, in)
			f.social = &fakeSocial{profiles: map[string]providers.Profile{"instagram/maya": engagedInstagram}}
			if tc.tiktok != nil {
				f.social.profiles["tiktok/maya.tt"] = *tc.tiktok
			}
			f.snapshot(minute(0.5), "vetted")
			if tc.wantClean {
				f.update(minute(1), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
			} else {
				f.update(minute(1), "reject", partnership.UpdateVettingDecision, partnership.VettingDecision{Actor: brand, Decision: "reject"})
			}
			st := f.runOK()

			require.Equal(t, 0, f.n("VetCreator"))
			require.Equal(t, 1, f.n("VetCreatorAccounts"), "one activity vets every account")
			require.Equal(t, []activities.VetAccount{{Platform: "instagram", Handle: "maya"}, {Platform: "tiktok", Handle: "maya.tt"}},
				f.vetInputs[0].Accounts, "each platform once, the first deliverable's first")
			require.Equal(t, []string{"shoes"}, f.vetInputs[0].Keywords)

			v := f.snap("vetted")
			require.Equal(t, tc.wantClean, v.Vetting.Clean)
			var rep vetting.Combined
			require.NoError(t, json.Unmarshal(v.Vetting.Report, &rep))
			require.Len(t, rep.Accounts, 2, "the report shows every account")
			require.Equal(t, "instagram", rep.Accounts[0].Platform)
			require.Equal(t, "tiktok", rep.Accounts[1].Platform)
			require.Equal(t, "instagram", rep.Platform, "the top of the report is the primary account")
			require.Equal(t, int64(12_000), rep.Followers)
			require.True(t, rep.Accounts[0].Clean)
			require.Equal(t, tc.wantClean, rep.Clean)
			if tc.wantClean {
				require.Equal(t, "auto_approved", st.Vetting.Decision)
				require.Equal(t, 1, f.countEvents("vetting_auto_approved"))
				require.Equal(t, partnership.StageDeclined, st.Stage)
				return
			}
			var tiktokFlags []string
			for _, fl := range rep.Flags {
				if fl.Platform == "tiktok" {
					tiktokFlags = append(tiktokFlags, fl.Code)
					require.Contains(t, fl.Message, "tiktok @maya.tt: ", "the flag says whose it is")
				}
			}
			require.Contains(t, tiktokFlags, tc.wantFlag)
			requireNextAction(t, v, partnership.RoleBrandManager, "decide_vetting")
			require.Equal(t, 0, f.countEvents("vetting_auto_approved"), "a flagged account is never auto-approved")
			f.requireAccepted("reject")
			require.Equal(t, partnership.StageRejected, st.Stage)
		})
	}
}

// TestVettingBeforeVersion: a partnership started before version 3 of record-once-per-task vets the first
// deliverable's account only, with VetCreator, as its history says.
func TestVettingBeforeVersion(t *testing.T) {
	f := newFixture(t, multiPlatformInput())
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(2))
	f.update(minute(1), "decline", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "decline"})
	st := f.runOK()
	require.Equal(t, 1, f.n("VetCreator"))
	require.Equal(t, 0, f.n("VetCreatorAccounts"))
	require.Equal(t, "auto_approved", st.Vetting.Decision)
}
