package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/store"
)

// TestWorkQueueFilters: a brand manager lists what waits on them, soonest deadline first, or
// only what is overdue; a creator the same within their own partnerships; bad filter values
// are a 422 naming each one.
func TestWorkQueueFilters(t *testing.T) {
	s := newActionServer(t, Config{})
	ctx, now := context.Background(), time.Now().UTC()
	require.NoError(t, s.st.CreateBrand(ctx, &store.Brand{ID: "b2", Name: "Other", Handles: store.JSON(`[]`), CreatedAt: now}, seedActor))
	require.NoError(t, s.st.CreateCampaign(ctx, &store.Campaign{ID: "camp9", BrandID: "b2", Name: "Other", Settings: store.JSON(`{}`), CreatedAt: now}))
	add := func(id, brand, campaign, role string, due time.Duration) {
		require.NoError(t, s.st.CreatePartnership(ctx, &store.Partnership{ID: id, BrandID: brand, CampaignID: campaign, CreatorID: "c1",
			Stage: "content", State: store.JSON(`{"id":"` + id + `"}`), StateVersion: 1, CreatedAt: now, UpdatedAt: now}))
		at := now.Add(due)
		require.NoError(t, s.st.ApplyTransition(ctx, store.Transition{PartnershipID: id, Version: 2, Stage: "content",
			NextActionRole: role, NextAction: "review_draft", DueAt: &at, State: store.JSON(`{"id":"` + id + `"}`), UpdatedAt: now}))
	}
	add("p-late", "b1", "camp1", "brand_manager", -time.Hour)
	add("p-soon", "b1", "camp1", "brand_manager", time.Hour)
	add("p-later", "b1", "camp1", "brand_manager", 48*time.Hour)
	add("p-creator", "b1", "camp1", "creator", 2*time.Hour)
	add("p-other-brand", "b2", "camp9", "brand_manager", -2*time.Hour)

	list := func(id auth.Identity, query string) []string {
		t.Helper()
		rec := s.do(t, id, http.MethodGet, "/v1/partnerships"+query, "", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var page struct {
			Items []struct {
				ID         string `json:"id"`
				NextAction *struct {
					Role  string `json:"role"`
					DueAt string `json:"due_at"`
				} `json:"next_action"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
		ids := make([]string, 0, len(page.Items))
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	require.Equal(t, []string{"p-late", "p-soon", "p-later"}, list(brandManager, "?next_role=brand_manager&order=due_at"))
	require.Equal(t, []string{"p-late"}, list(brandManager, "?next_role=brand_manager&overdue=true"),
		"another brand's overdue partnership stays out of scope")
	require.Equal(t, []string{"p-late", "p-soon", "p-creator", "p-later"}, list(brandManager, "?order=due_at"),
		"p1 has no deadline, so it is not in a deadline-ordered list")
	admin := auth.Identity{Sub: "admin-1", Role: "admin"}
	require.Equal(t, []string{"p-other-brand", "p-late"}, list(admin, "?overdue=true&order=due_at"))
	creator := auth.Identity{Sub: "cr-1", Role: "creator", CreatorID: "c1"}
	require.Equal(t, []string{"p-creator"}, list(creator, "?next_role=creator"))

	rec := s.do(t, brandManager, http.MethodGet, "/v1/partnerships?next_role=boss&overdue=maybe&order=fee&stage=nope", "", "")
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, map[string]string{
		"next_role": "must be brand_manager, creator, finance, admin or system",
		"overdue":   "must be true or false",
		"order":     "must be created_at (newest first) or due_at (soonest deadline first)",
		"stage":     "is not a stage",
	}, decodeProblem(t, rec).Errors)

	rec = s.do(t, brandManager, http.MethodGet, "/v1/partnerships?overdue=1", "", "")
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "only true or false, as documented: %s", rec.Body.String())

	// A cursor from the deadline order does not page the newest-first list.
	rec = s.do(t, brandManager, http.MethodGet, "/v1/partnerships?order=due_at&limit=1", "", "")
	require.Equal(t, http.StatusOK, rec.Code)
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
	require.NotEmpty(t, page.NextCursor)
	rec = s.do(t, brandManager, http.MethodGet, "/v1/partnerships?limit=1&cursor="+page.NextCursor, "", "")
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusOK, s.do(t, brandManager, http.MethodGet, "/v1/partnerships?order=due_at&limit=1&cursor="+page.NextCursor, "", "").Code)
}
