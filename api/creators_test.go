package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/store"
)

// TestListCreators: admins list every creator in full, a brand manager the creators their
// brand added or works with, without e-mail or payout details; q finds a name or a handle,
// taken literally; pages and bad input as the other lists.
func TestListCreators(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		now := time.Now().UTC()
		require.NoError(t, s.st.CreateCreator(context.Background(), &store.Creator{ID: "c4", Name: "Jo Park", Email: "jo@example.com",
			Country: "KR", Accounts: store.JSON(`[{"platform":"youtube","handle":"jo"},{"platform":"instagram","handle":"Jo_Cooks"}]`),
			CreatedAt: now, UpdatedAt: now}, seedActor))
		list := func(who auth.Identity, query string) ([]string, []map[string]any, string) {
			t.Helper()
			rec := s.call(t, who, http.MethodGet, "/v1/creators"+query, "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			body := decodeBody(t, rec)
			var ids []string
			var items []map[string]any
			for _, it := range body["items"].([]any) {
				items = append(items, it.(map[string]any))
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			return ids, items, body["next_cursor"].(string)
		}

		ids, items, next := list(profileAdmin, "")
		require.Equal(t, []string{"c4", "c3", "c2", "c1"}, ids)
		require.Empty(t, next)
		require.Equal(t, "maya@exmaple.com", items[3]["email"], "admins see creators in full")

		ids, items, _ = list(managerB1, "")
		require.Equal(t, []string{"c1"}, ids, "the creator the brand added")
		require.NotContains(t, items[0], "email")
		require.NotContains(t, items[0], "tax_form")
		require.Equal(t, true, items[0]["has_payout_profile"])
		ids, _, _ = list(managerB2, "")
		require.Equal(t, []string{"c2"}, ids, "the creator the brand works with")

		for q, want := range map[string][]string{
			"MAY":    {"c1"}, // a name, ignoring case
			"cooks":  {"c4"}, // a handle only
			"@jo_c":  {"c4"}, // a leading @ is ignored
			"_":      {"c4"}, // taken literally, not a LIKE wildcard
			"%":      nil,    // likewise
			"a":      {"c4", "c3", "c1"},
			"nobody": nil,
			" lee  ": {"c2"},
		} {
			ids, _, _ = list(profileAdmin, "?q="+url.QueryEscape(q))
			require.Equal(t, want, ids, "q=%q", q)
		}
		ids, _, _ = list(managerB1, "?q=lee")
		require.Empty(t, ids, "a search stays in the brand's scope")

		ids, _, next = list(profileAdmin, "?limit=3")
		require.Equal(t, []string{"c4", "c3", "c2"}, ids)
		ids, _, next = list(profileAdmin, "?limit=3&cursor="+url.QueryEscape(next))
		require.Equal(t, []string{"c1"}, ids)
		require.Empty(t, next)

		for _, who := range []auth.Identity{profileFinance, creatorC1} {
			require.Equal(t, http.StatusForbidden, s.call(t, who, http.MethodGet, "/v1/creators", "").Code, who.Role)
		}
		for query, field := range map[string]string{"?limit=0": "limit", "?cursor=nope": "cursor", "?q=" + strings.Repeat("q", 101): "q"} {
			rec := s.call(t, profileAdmin, http.MethodGet, "/v1/creators"+query, "")
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, query)
			require.Contains(t, decodeProblem(t, rec).Errors, field, query)
		}
	})
}
