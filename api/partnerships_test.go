package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// TestCreatePartnershipNeedsAnAccountPerPlatform: every deliverable's post is verified against
// the creator's account on its platform, so an offer with a deliverable on a platform the
// creator is not on is a 422 naming each such deliverable, and the workflow starts knowing
// all of the creator's accounts.
func TestCreatePartnershipNeedsAnAccountPerPlatform(t *testing.T) {
	s := newActionServer(t, Config{})
	ctx, now := context.Background(), time.Now().UTC()
	// The campaign's settings as the API stores them (the fixture's camp1 has none).
	require.NoError(t, s.st.CreateCampaign(ctx, &store.Campaign{ID: "camp2", BrandID: "b1", Name: "Summer",
		Settings: store.JSON(`{"id":"camp2","brand_id":"b1","name":"Summer"}`), CreatedAt: now}))
	require.NoError(t, s.st.CreateCreator(ctx, &store.Creator{ID: "c2", Name: "Maya", Email: "m2@example.com", Country: "US",
		Accounts:  store.JSON(`[{"platform":"instagram","handle":"maya"},{"platform":"tiktok","handle":"maya.tt"},{"platform":"x","handle":"maya_x"}]`),
		CreatedAt: now, UpdatedAt: now}))
	create := func(creatorID, deliverables string) *httptest.ResponseRecorder {
		return s.do(t, brandManager, http.MethodPost, "/v1/partnerships", "", `{"campaign_id":"camp2","creator_id":"`+creatorID+`","offer":`+
			`{"kind":"one_off","fee":{"amount_minor":50000,"currency":"USD"},"deliverables":`+deliverables+`}}`)
	}

	// c1 is only on Instagram.
	rec := create("c1", `[{"platform":"instagram","format":"post"},{"platform":"tiktok","format":"video"},{"platform":"youtube","format":"short"}]`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, map[string]string{
		"offer.deliverables[1].platform": "the creator has no tiktok account",
		"offer.deliverables[2].platform": "the creator has no youtube account",
	}, decodeProblem(t, rec).Errors)
	require.Empty(t, s.wf.starts(), "no workflow started")

	rec = create("c2", `[{"platform":"instagram","format":"post"},{"platform":"tiktok","format":"video"}]`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = create("c2", `[{"platform":"tiktok","format":"video"},{"platform":"instagram","format":"post"}]`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	started := s.wf.starts()
	require.Len(t, started, 2)
	all := map[string]string{"instagram": "maya", "tiktok": "maya.tt", "x": "maya_x"}
	require.Equal(t, all, started[0].CreatorHandles, "every account, so counter-offers can move platforms")
	require.Equal(t, "instagram", started[0].Platform)
	require.Equal(t, "maya", started[0].CreatorHandle)
	require.Equal(t, all, started[1].CreatorHandles)
	require.Equal(t, "tiktok", started[1].Platform, "vetting reads the first deliverable's platform")
	require.Equal(t, "maya.tt", started[1].CreatorHandle)
}
