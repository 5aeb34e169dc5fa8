package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// TestUpdateIDIsScopedToTheSubject: Temporal answers a repeated Update ID with the first
// Update's result, so two users who happen to send the same Idempotency-Key must not share
// one; the same user retrying the same request must.
func TestUpdateIDIsScopedToTheSubject(t *testing.T) {
	s := newActionServer(t, Config{})
	fail := true
	s.wf.answer = func(_ context.Context, u fakeUpdate, result any) error {
		if fail {
			return errTemporalUnavailable // 503: the key is released and may be retried
		}
		*result.(*partnership.Payout) = partnership.Payout{ID: u.Arg.(partnership.PayoutApproval).PayoutID, Status: "processing"}
		return nil
	}

	rec := s.do(t, financeB, http.MethodPost, "/v1/partnerships/p1/payouts/po_1/approve", "same-key", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	fail = false
	rec = s.do(t, financeB, http.MethodPost, "/v1/partnerships/p1/payouts/po_1/approve", "same-key", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = s.do(t, financeC, http.MethodPost, "/v1/partnerships/p1/payouts/po_2/approve", "same-key", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"id":"po_2"`)

	sent := s.wf.sent()
	require.Len(t, sent, 3)
	require.Equal(t, sent[0].UpdateID, sent[1].UpdateID, "a retry by the same subject with the same key is the same Update")
	require.NotEqual(t, sent[1].UpdateID, sent[2].UpdateID, "another subject's Update with the same key is a different Update")
	require.Regexp(t, `^approve_payout/[0-9a-f]{64}$`, sent[2].UpdateID)

	// The same subject and key on another target (once the key's record has gone) is another
	// Update too, and a request without a key gets a fresh one each time.
	ids := map[string]bool{}
	for _, path := range []string{"/v1/partnerships/p1/payouts/po_1/approve", "/v1/partnerships/p1/payouts/po_3/approve"} {
		ids[actionUpdateID(s.context(t, financeB, path, "k"), partnership.UpdateApprovePayout)] = true
	}
	ids[actionUpdateID(s.context(t, financeB, "/v1/partnerships/p1/payouts/po_1/approve", ""), partnership.UpdateApprovePayout)] = true
	ids[actionUpdateID(s.context(t, financeB, "/v1/partnerships/p1/payouts/po_1/approve", ""), partnership.UpdateApprovePayout)] = true
	require.Len(t, ids, 4)
}

// TestWorkflowInvalidIsAFieldError: a payload the workflow's validator refuses as invalid is
// a 422 with the errors map every validation failure carries, keyed by the field it concerns.
func TestWorkflowInvalidIsAFieldError(t *testing.T) {
	s := newActionServer(t, Config{})
	const msg = "only the creator declines; the brand withdraws"
	s.wf.answer = func(context.Context, fakeUpdate, any) error {
		return &actionError{Type: partnership.ErrTypeInvalid, Message: msg, Stage: partnership.StageNegotiation}
	}
	rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "", `{"action":"decline"}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	p := decodeProblem(t, rec)
	require.Equal(t, map[string]string{"action": msg}, p.Errors)
	require.Equal(t, msg, p.Detail)

	rec = s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/cancel", "", `{"reason":"no"}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, map[string]string{"reason": msg}, decodeProblem(t, rec).Errors)

	// A refusal that names its field (a counter-offer's deliverable) is keyed by that field.
	const platformMsg = "the creator has no youtube account"
	s.wf.answer = func(context.Context, fakeUpdate, any) error {
		return &actionError{Type: partnership.ErrTypeInvalid, Message: platformMsg, Stage: partnership.StageNegotiation,
			Field: "terms.deliverables[1].platform"}
	}
	rec = s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "", `{"action":"counter","terms":`+
		`{"kind":"one_off","fee":{"amount_minor":1000,"currency":"USD"},"deliverables":[{"platform":"instagram","format":"post"},{"platform":"youtube","format":"short"}]}}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, map[string]string{"terms.deliverables[1].platform": platformMsg}, decodeProblem(t, rec).Errors)

	for name := range actionRoles {
		if name != partnership.UpdateApprovePayout { // no body: nothing for a validator to refuse
			require.NotEmpty(t, invalidFieldOf[name], "the field %s's validator refuses is named", name)
		}
	}
}

// TestBlankTextIsMissing: text a person must type (a cancellation's or a retry's reason, a
// draft's caption, a name) is refused when it is only spaces, as when it is left out: a 422
// naming the field, and nothing reaches the workflow or the store. A cancellation with
// "   " used to cancel the partnership and e-mail the creator "Reason:    ".
func TestBlankTextIsMissing(t *testing.T) {
	s := newActionServer(t, Config{})
	admin := auth.Identity{Sub: "root", Role: "admin"}
	maya := auth.Identity{Sub: "maya", Role: "creator", CreatorID: "c1"}
	cases := []struct {
		who                auth.Identity
		method, path, body string
		field              string
	}{
		{brandManager, http.MethodPost, "/v1/partnerships/p1/cancel", `{"reason":"   "}`, "reason"},
		{maya, http.MethodPost, "/v1/partnerships/p1/cancel", `{"reason":"\t\n"}`, "reason"},
		{admin, http.MethodPost, "/v1/partnerships/p1/retry", `{"reason":" "}`, "reason"},
		{maya, http.MethodPost, "/v1/partnerships/p1/deliverables/d1/drafts", `{"caption":"  "}`, "caption"},
		{admin, http.MethodPost, "/v1/brands", `{"name":"  "}`, "name"},
		{admin, http.MethodPatch, "/v1/brands/b1", `{"name":"  "}`, "name"},
		{admin, http.MethodPost, "/v1/creators", `{"name":" ","email":"a@example.com","country":"US","accounts":[{"platform":"instagram","handle":"a"}]}`, "name"},
		{admin, http.MethodPatch, "/v1/creators/c1", `{"name":" "}`, "name"},
		{admin, http.MethodPost, "/v1/campaigns", `{"brand_id":"b1","name":"   ","jurisdiction":"US","offer_ttl_seconds":60,"draft_due_seconds":60,"review_sla_seconds":60}`, "name"},
	}
	for _, tc := range cases {
		rec := s.do(t, tc.who, tc.method, tc.path, "", tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s %s: %s", tc.method, tc.path, rec.Body.String())
		require.Equal(t, map[string]string{tc.field: "must not be blank"}, decodeProblem(t, rec).Errors, "%s %s", tc.method, tc.path)
	}
	require.Empty(t, s.wf.sent(), "no blank text reached the workflow")
	b, err := s.st.GetBrand(context.Background(), "b1")
	require.NoError(t, err)
	require.Equal(t, "Acme", b.Name)

	// The struct's own rule says the same where the document is not consulted.
	rv := newValidator()
	err = rv.Validate(&reasonRequest{Reason: " \t"})
	var pe *problemError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, map[string]string{"reason": "must not be blank"}, pe.p.Errors)
	require.NoError(t, rv.Validate(&reasonRequest{Reason: " budget cut "}))
}

// PRODUCT.md: an admin's overrides are "always with a reason". An admin taking a brand
// manager's or finance's action without one gets a 422 naming the field and nothing is sent
// to the workflow; with one, the reason travels with the action. Finance, acting in its
// own role, still approves with no body at all.
func TestAdminOverridesNeedAReason(t *testing.T) {
	s := newActionServer(t, Config{})
	require.NoError(t, s.st.UpdatePayoutProfile(context.Background(), "c1", "acct_1", "W-9", seedActor))
	admin := auth.Identity{Sub: "root", Role: "admin"}
	cases := []struct{ path, without, field, with string }{
		{"/v1/partnerships/p1/retry", `{"reason":"   "}`, "reason", `{"reason":"provider fixed"}`},
		{"/v1/partnerships/p1/vetting/decision", `{"decision":"approve"}`, "note", `{"decision":"approve","note":"brand manager on leave"}`},
		{"/v1/partnerships/p1/deliverables/d1/review", `{"version":1,"decision":"approve","comments":"  "}`, "comments", `{"version":1,"decision":"approve","comments":"approved by legal"}`},
		{"/v1/partnerships/p1/payouts", `{"kind":"fee"}`, "reason", `{"kind":"fee","reason":"finance queue stuck"}`},
		{"/v1/partnerships/p1/payouts/po_1/approve", ``, "reason", `{"reason":"second approver away"}`},
	}
	for _, tc := range cases {
		before := len(s.wf.sent())
		rec := s.do(t, admin, http.MethodPost, tc.path, "", tc.without)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s: %s", tc.path, rec.Body.String())
		require.Contains(t, decodeProblem(t, rec).Errors, tc.field, tc.path)
		require.Len(t, s.wf.sent(), before, "%s: nothing reached the workflow", tc.path)

		rec = s.do(t, admin, http.MethodPost, tc.path, "", tc.with)
		require.Less(t, rec.Code, 300, "%s: %s", tc.path, rec.Body.String())
		require.Len(t, s.wf.sent(), before+1, tc.path)
	}
	sent := s.wf.sent()
	require.Equal(t, "finance queue stuck", sent[len(sent)-2].Arg.(partnership.PayoutTrigger).Reason)
	require.Equal(t, "second approver away", sent[len(sent)-1].Arg.(partnership.PayoutApproval).Reason)

	rec := s.do(t, financeB, http.MethodPost, "/v1/partnerships/p1/payouts/po_1/approve", "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// TestRetryHeldStep: only an admin retries a held provider step, always with a reason; the
// action is the retry_step Update, and the workflow's refusal when nothing is held is a 409
// that names the stage. Everyone else gets 403 and a partnership unknown to the caller 404,
// before anything reaches the workflow.
func TestRetryHeldStep(t *testing.T) {
	s := newActionServer(t, Config{})
	admin := auth.Identity{Sub: "root", Role: "admin"}
	others := []auth.Identity{brandManager, financeB,
		{Sub: "maya", Role: "creator", CreatorID: "c1"},
		{Sub: "bm-2", Role: "brand_manager", BrandID: "b2"}}
	for _, id := range others {
		rec := s.do(t, id, http.MethodPost, "/v1/partnerships/p1/retry", "", `{"reason":"please"}`)
		require.Equal(t, http.StatusForbidden, rec.Code, "%s: %s", id.Role, rec.Body.String())
	}
	rec := s.do(t, admin, http.MethodPost, "/v1/partnerships/nope/retry", "", `{"reason":"please"}`)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	for _, body := range []string{``, `{}`, `{"reason":""}`, `{"reason":"  "}`} {
		rec := s.do(t, admin, http.MethodPost, "/v1/partnerships/p1/retry", "", body)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, rec.Code, "%q: %s", body, rec.Body.String())
	}
	require.Empty(t, s.wf.sent(), "no refused request reached the workflow")

	rec = s.do(t, admin, http.MethodPost, "/v1/partnerships/p1/retry", "retry-1", `{"reason":"e-mail address corrected"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	sent := s.wf.sent()
	require.Len(t, sent, 1)
	require.Equal(t, partnership.UpdateRetryStep, sent[0].Name)
	require.Regexp(t, `^retry_step/[0-9a-f]{64}$`, sent[0].UpdateID)
	require.Equal(t, partnership.RetryRequest{Actor: partnership.Actor{Sub: "root", Role: "admin"}, Reason: "e-mail address corrected"}, sent[0].Arg)

	const msg = "nothing to retry: no provider step is on hold while the partnership is in the content stage"
	s.wf.answer = func(context.Context, fakeUpdate, any) error {
		return &actionError{Type: partnership.ErrTypeConflict, Message: msg, Stage: partnership.StageContent}
	}
	rec = s.do(t, admin, http.MethodPost, "/v1/partnerships/p1/retry", "", `{"reason":"just in case"}`)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	p := decodeProblem(t, rec)
	require.Equal(t, msg, p.Detail)
	require.Equal(t, partnership.StageContent, p.Stage)
}

// TestEndedPartnershipConflictReadsAsASentence: an action on a partnership whose workflow has
// closed is a 409 that says where it stopped as a sentence reads it ("is in the payout stage",
// "is cancelled"; it used to say "is payout"), with its stage as it is.
func TestEndedPartnershipConflictReadsAsASentence(t *testing.T) {
	s := newActionServer(t, Config{})
	now := time.Now().UTC()
	for id, stage := range map[string]partnership.Stage{"p2": partnership.StagePayout, "p3": partnership.StageCancelled} {
		require.NoError(t, s.st.CreatePartnership(context.Background(), &store.Partnership{ID: id, BrandID: "b1", CampaignID: "camp1",
			CreatorID: "c1", Stage: string(stage), State: store.JSON(`{"id":"` + id + `","stage":"` + string(stage) + `"}`), StateVersion: 1,
			CreatedAt: now, UpdatedAt: now}))
	}
	s.wf.answer = func(context.Context, fakeUpdate, any) error { return errWorkflowClosed }
	for id, want := range map[string]string{
		"p2": "the partnership is in the payout stage; no further actions are possible",
		"p3": "the partnership is cancelled; no further actions are possible",
	} {
		rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships/"+id+"/cancel", "", `{"reason":"again"}`)
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		p := decodeProblem(t, rec)
		require.Equal(t, want, p.Detail, id)
	}
	p := decodeProblem(t, s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p2/cancel", "", `{"reason":"again"}`))
	require.Equal(t, partnership.StagePayout, p.Stage, "the stage field keeps the stage's name")
}

// TestChangesRequestedNeedComments: PRODUCT.md's brand "approves or requests changes with
// comments": a request for changes without comments is a 422 naming the field, and nothing
// reaches the workflow; an approval needs none.
func TestChangesRequestedNeedComments(t *testing.T) {
	s := newActionServer(t, Config{})
	const path = "/v1/partnerships/p1/deliverables/d1/review"
	for _, body := range []string{`{"version":1,"decision":"request_changes"}`, `{"version":1,"decision":"request_changes","comments":""}`} {
		rec := s.do(t, brandManager, http.MethodPost, path, "", body)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Contains(t, decodeProblem(t, rec).Errors, "comments")
		require.Empty(t, s.wf.sent())
	}
	rec := s.do(t, brandManager, http.MethodPost, path, "", `{"version":1,"decision":"request_changes","comments":"add #ad first"}`)
	require.Less(t, rec.Code, 300, rec.Body.String())
	rec = s.do(t, brandManager, http.MethodPost, path, "", `{"version":1,"decision":"approve"}`)
	require.Less(t, rec.Code, 300, rec.Body.String())
	require.Len(t, s.wf.sent(), 2)
}
