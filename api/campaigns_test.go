package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// TestListCampaigns: each role lists the campaigns it may see, newest first, page by page; a
// brand outside the caller's scope is an empty list and a bad page is a 422.
func TestListCampaigns(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		ctx, base := context.Background(), time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
		for i, id := range []string{"spring", "summer", "autumn"} {
			require.NoError(t, s.st.CreateCampaign(ctx, &store.Campaign{ID: id, BrandID: "b1", Name: id,
				Settings: campaignSettings(t, id, "b1"), CreatedAt: base.Add(time.Duration(i) * time.Hour)}))
		}
		list := func(who auth.Identity, query string) ([]string, string) {
			t.Helper()
			rec := s.call(t, who, http.MethodGet, "/v1/campaigns"+query, "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			body := decodeBody(t, rec)
			var ids []string
			for _, it := range body["items"].([]any) {
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			return ids, body["next_cursor"].(string)
		}

		ids, next := list(managerB1, "")
		require.Equal(t, []string{"autumn", "summer", "spring"}, ids, "the brand's own, newest first")
		require.Empty(t, next)
		ids, next = list(managerB1, "?limit=2")
		require.Equal(t, []string{"autumn", "summer"}, ids)
		require.NotEmpty(t, next)
		ids, next = list(managerB1, "?limit=2&cursor="+url.QueryEscape(next))
		require.Equal(t, []string{"spring"}, ids)
		require.Empty(t, next)

		ids, _ = list(managerB1, "?brand_id=b2")
		require.Empty(t, ids, "another brand's campaigns are not listed")
		ids, _ = list(managerB2, "")
		require.Equal(t, []string{"camp2"}, ids)
		ids, _ = list(creatorC2, "")
		require.Equal(t, []string{"camp2"}, ids, "a creator sees the campaigns they are in")
		ids, _ = list(creatorC1, "")
		require.Empty(t, ids)
		ids, _ = list(profileAdmin, "?brand_id=b2")
		require.Equal(t, []string{"camp2"}, ids)
		for _, who := range []auth.Identity{profileAdmin, profileFinance} {
			ids, _ = list(who, "")
			require.ElementsMatch(t, []string{"autumn", "summer", "spring", "camp2"}, ids, who.Role)
		}

		for query, field := range map[string]string{"?limit=0": "limit", "?limit=201": "limit", "?cursor=nope": "cursor"} {
			rec := s.call(t, managerB1, http.MethodGet, "/v1/campaigns"+query, "")
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, query)
			require.Contains(t, decodeProblem(t, rec).Errors, field, query)
		}
		// A campaign's fields are listed as GET /v1/campaigns/{id} gives them.
		one := s.call(t, managerB1, http.MethodGet, "/v1/campaigns/summer", "")
		require.Equal(t, http.StatusOK, one.Code)
		rec := s.call(t, managerB1, http.MethodGet, "/v1/campaigns?limit=2", "")
		require.Equal(t, decodeBody(t, one), decodeBody(t, rec)["items"].([]any)[1])
	})
}

// campaignSettings is a stored campaign's settings, as createCampaign writes them.
func campaignSettings(t *testing.T, id, brandID string) store.JSON {
	t.Helper()
	raw, err := json.Marshal(partnership.Campaign{ID: id, BrandID: brandID, Name: id, Jurisdiction: "US", Keywords: []string{},
		OfferTTLSeconds: 3600, DraftDueSeconds: 3600, ReviewSLASeconds: 3600})
	require.NoError(t, err)
	return raw
}
