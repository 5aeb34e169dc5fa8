package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

// trail reads a whole trail as id, one page.
func (s *profileServer) trail(t *testing.T, id auth.Identity, path string) []map[string]any {
	t.Helper()
	rec := s.call(t, id, http.MethodGet, path, "")
	require.Equal(t, http.StatusOK, rec.Code, "%s: %s", path, rec.Body)
	body := decodeBody(t, rec)
	require.Equal(t, "", body["next_cursor"])
	var out []map[string]any
	for _, it := range body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// lastOf is the newest change of a trail that must hold n changes.
func (s *profileServer) lastOf(t *testing.T, id auth.Identity, path string, n int) map[string]any {
	t.Helper()
	items := s.trail(t, id, path)
	require.Len(t, items, n, "%s: %v", path, items)
	return items[n-1]
}

// TestChangeTrailAccess: a brand's trail is read as the brand is (admins, its managers;
// another brand's manager 404, other roles 403); a creator's by those who see the creator in
// full: admins and the creator. A brand manager gets 404 even for a creator whose profile it
// sees, finance 403.
func TestChangeTrailAccess(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		for _, c := range []struct {
			id     auth.Identity
			path   string
			status int
		}{
			{profileAdmin, "/v1/brands/b1/changes", http.StatusOK},
			{managerB1, "/v1/brands/b1/changes", http.StatusOK},
			{managerB2, "/v1/brands/b1/changes", http.StatusNotFound},
			{profileFinance, "/v1/brands/b1/changes", http.StatusForbidden},
			{creatorC1, "/v1/brands/b1/changes", http.StatusForbidden},
			{profileAdmin, "/v1/brands/nope/changes", http.StatusNotFound},
			{managerB1, "/v1/brands/nope/changes", http.StatusNotFound},

			{profileAdmin, "/v1/creators/c1/changes", http.StatusOK},
			{creatorC1, "/v1/creators/c1/changes", http.StatusOK},
			{managerB1, "/v1/creators/c1/changes", http.StatusNotFound}, // added by b1: the profile, not the trail
			{managerB2, "/v1/creators/c2/changes", http.StatusNotFound}, // b2's partner: the same
			{managerB2, "/v1/creators/c1/changes", http.StatusNotFound},
			{creatorC2, "/v1/creators/c1/changes", http.StatusNotFound},
			{profileFinance, "/v1/creators/c1/changes", http.StatusForbidden},
			{profileAdmin, "/v1/creators/nope/changes", http.StatusNotFound},
			{creatorC2, "/v1/creators/c2/changes", http.StatusOK},
		} {
			rec := s.call(t, c.id, http.MethodGet, c.path, "")
			require.Equal(t, c.status, rec.Code, "%s reads %s: %s", c.id.Sub, c.path, rec.Body)
		}
	})
}

// TestBrandEditsAreRecorded: the brand's creation and each edit that changed something are in
// its trail with who (sub and role), when and the members that changed; a PATCH that sends
// what the brand has, {}, unknown members only, or something invalid records nothing.
func TestBrandEditsAreRecorded(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		const trail = "/v1/brands/b1/changes"
		c := s.lastOf(t, managerB1, trail, 1)
		require.Equal(t, map[string]any{"id": c["id"], "type": "created", "actor": "seed", "role": "admin", "at": c["at"],
			"fields": []any{"name", "contact_email", "handles", "turn_emails"}}, c)

		rec := s.call(t, profileAdmin, http.MethodPost, "/v1/brands", `{"name":"Initech","handles":["initech"]}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		created := decodeBody(t, rec)
		c = s.lastOf(t, profileAdmin, "/v1/brands/"+created["id"].(string)+"/changes", 1)
		require.Equal(t, []any{"created", "admin-1", "admin", created["created_at"]}, []any{c["type"], c["actor"], c["role"], c["at"]})
		require.Equal(t, []any{"name", "handles", "turn_emails"}, c["fields"])

		start := time.Now().UTC().Truncate(time.Second)
		rec = s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", `{"name":"Acme Corp","turn_emails":true,"handles":["@acme"]}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		brand := decodeBody(t, rec)
		c = s.lastOf(t, managerB1, trail, 2)
		require.Equal(t, []any{"updated", "bm-1", "brand_manager"}, []any{c["type"], c["actor"], c["role"]})
		require.Equal(t, []any{"name"}, c["fields"], "only the member whose value changed")
		require.Equal(t, brand["updated_at"], c["at"])
		at, err := time.Parse(time.RFC3339, c["at"].(string))
		require.NoError(t, err)
		require.False(t, at.Before(start), "at %s", at)

		for _, body := range []string{`{"name":"Acme Corp"}`, `{"handles":[" acme "],"contact_email":"partners@acme.example"}`, `{}`, `{"nickname":"A"}`} {
			rec := s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, brand, decodeBody(t, rec), "%s changes nothing", body)
		}
		for _, body := range []string{`{"name":"", "turn_emails": false}`, `{"contact_email":"no", "name":"Acme 3"}`, `{"name":`} {
			rec := s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", body)
			require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, rec.Code, rec.Body.String())
		}
		require.Len(t, s.trail(t, managerB1, trail), 2, "no-ops and refusals record nothing")
		require.Equal(t, brand, decodeBody(t, s.call(t, managerB1, http.MethodGet, "/v1/brands/b1", "")), "and change nothing")

		rec = s.callAs(t, profileAdmin, http.MethodPatch, "/v1/brands/b1", "application/merge-patch+json", `{"contact_email":null,"handles":null,"turn_emails":false}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		c = s.lastOf(t, profileAdmin, trail, 3)
		require.Equal(t, []any{"contact_email", "handles", "turn_emails"}, c["fields"])
		require.Equal(t, []any{"admin-1", "admin"}, []any{c["actor"], c["role"]})
		require.NotContains(t, s.call(t, profileAdmin, http.MethodGet, trail, "").Body.String(), "partners@acme.example", "names, not values")
	})
}

// TestCreatorEditsAreRecorded: a creator's edits and payout profile are recorded by member
// name, with who made them; a PUT or PATCH that changes nothing, or is refused, records
// nothing; the payout details are nowhere in the trail.
func TestCreatorEditsAreRecorded(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		const trail = "/v1/creators/c1/changes"
		items := s.trail(t, creatorC1, trail)
		require.Len(t, items, 2)
		require.Equal(t, []any{"created", "seed", []any{"name", "email", "country", "accounts"}},
			[]any{items[0]["type"], items[0]["actor"], items[0]["fields"]})
		require.Equal(t, []any{"updated", []any{"payments_account_id", "tax_form"}}, []any{items[1]["type"], items[1]["fields"]})

		rec := s.call(t, profileAdmin, http.MethodPost, "/v1/creators",
			`{"name":"Kim","email":"kim@example.com","country":"US","accounts":[{"platform":"x","handle":"kim"}]}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		kim := decodeBody(t, rec)
		c := s.lastOf(t, profileAdmin, "/v1/creators/"+kim["id"].(string)+"/changes", 1)
		require.Equal(t, []any{"created", "admin-1", "admin", kim["created_at"], []any{"name", "email", "country", "accounts"}},
			[]any{c["type"], c["actor"], c["role"], c["at"], c["fields"]})

		start := time.Now().UTC().Truncate(time.Second)
		rec = s.call(t, creatorC1, http.MethodPatch, "/v1/creators/c1", `{"email":"maya@example.com","country":"US","name":" Maya "}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		c = s.lastOf(t, creatorC1, trail, 3)
		require.Equal(t, []any{"updated", "maya", "creator", []any{"email"}}, []any{c["type"], c["actor"], c["role"], c["fields"]})
		at, err := time.Parse(time.RFC3339, c["at"].(string))
		require.NoError(t, err)
		require.False(t, at.Before(start), "at %s", at)
		require.False(t, at.After(time.Now()), "at %s", at)

		rec = s.call(t, profileAdmin, http.MethodPatch, "/v1/creators/c1", `{"name":"Maya R."}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		c = s.lastOf(t, profileAdmin, trail, 4)
		require.Equal(t, []any{"admin-1", "admin", []any{"name"}}, []any{c["actor"], c["role"], c["fields"]})

		put := func(id auth.Identity, body string) int {
			t.Helper()
			return s.call(t, id, http.MethodPut, "/v1/creators/c1/payout-profile", body).Code
		}
		require.Equal(t, http.StatusOK, put(creatorC1, `{"payments_account_id":"acct_thief","tax_form":"W-9"}`))
		c = s.lastOf(t, creatorC1, trail, 5)
		require.Equal(t, []any{"maya", "creator", []any{"payments_account_id"}}, []any{c["actor"], c["role"], c["fields"]})
		require.Equal(t, http.StatusOK, put(profileAdmin, `{"payments_account_id":"acct_thief","tax_form":"W-8BEN"}`))
		c = s.lastOf(t, creatorC1, trail, 6)
		require.Equal(t, []any{"admin-1", "admin", []any{"tax_form"}}, []any{c["actor"], c["role"], c["fields"]})

		require.Equal(t, http.StatusOK, put(creatorC1, `{"payments_account_id":"acct_thief","tax_form":"W-8BEN"}`), "the same again")
		require.Equal(t, http.StatusUnprocessableEntity, put(creatorC1, `{"payments_account_id":"acct_other","tax_form":"W-2"}`))
		require.Equal(t, http.StatusNotFound, put(creatorC2, `{"payments_account_id":"acct_other","tax_form":"W-9"}`))
		require.Equal(t, http.StatusOK, s.call(t, creatorC1, http.MethodPatch, "/v1/creators/c1", `{"name":"Maya R."}`).Code)
		require.Equal(t, http.StatusUnprocessableEntity, s.call(t, creatorC1, http.MethodPatch, "/v1/creators/c1", `{"email":"bad","name":"X"}`).Code)
		require.Equal(t, http.StatusUnprocessableEntity, s.call(t, creatorC1, http.MethodPatch, "/v1/creators/c1", `{"accounts":[],"name":"X"}`).Code)
		require.Len(t, s.trail(t, creatorC1, trail), 6, "no-ops and refusals record nothing")
		cr := decodeBody(t, s.call(t, creatorC1, http.MethodGet, "/v1/creators/c1", ""))
		require.Equal(t, []any{"Maya R.", "maya@example.com", "W-8BEN"}, []any{cr["name"], cr["email"], cr["tax_form"]})

		for _, id := range []auth.Identity{creatorC1, profileAdmin} {
			body := s.call(t, id, http.MethodGet, trail, "").Body.String()
			for _, value := range []string{"acct_", "W-9", "W-8BEN", "maya@", "Maya R.", "US"} {
				require.NotContains(t, body, value, "the trail names members, never values")
			}
		}
	})
}

// TestChangeTrailPages: a trail pages oldest first with limit and cursor, checked as the
// other lists check them.
func TestChangeTrailPages(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		for i := range 5 {
			rec := s.call(t, managerB1, http.MethodPatch, "/v1/brands/b1", fmt.Sprintf(`{"name":"Acme %d"}`, i))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		}
		require.Len(t, s.trail(t, managerB1, "/v1/brands/b1/changes"), 6, "50 by default: one page")

		var types []any
		var last float64
		cursor, pages := "", 0
		for {
			path := "/v1/brands/b1/changes?limit=4"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			rec := s.call(t, managerB1, http.MethodGet, path, "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			body := decodeBody(t, rec)
			for _, it := range body["items"].([]any) {
				item := it.(map[string]any)
				require.Greater(t, item["id"].(float64), last, "oldest first")
				last = item["id"].(float64)
				types = append(types, item["type"])
			}
			pages++
			cursor = body["next_cursor"].(string)
			if cursor == "" {
				break
			}
			require.Less(t, pages, 3)
		}
		require.Equal(t, 2, pages)
		require.Equal(t, []any{"created", "updated", "updated", "updated", "updated", "updated"}, types)

		for _, q := range []string{"limit=0", "limit=201", "limit=x", "cursor=abc", "cursor=-1"} {
			rec := s.call(t, profileAdmin, http.MethodGet, "/v1/brands/b1/changes?"+q, "")
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s: %s", q, rec.Body)
			field, _, _ := strings.Cut(q, "=")
			require.Contains(t, decodeProblem(t, rec).Errors, field, q)
		}
		rec := s.call(t, creatorC1, http.MethodGet, "/v1/creators/c1/changes?limit=1", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		body := decodeBody(t, rec)
		require.Len(t, body["items"], 1)
		require.NotEmpty(t, body["next_cursor"])
		rec = s.call(t, creatorC1, http.MethodGet, "/v1/creators/c1/changes?limit=1&cursor="+body["next_cursor"].(string), "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "", decodeBody(t, rec)["next_cursor"], "c1 has its creation and its payout profile")
	})
}
