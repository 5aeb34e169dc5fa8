package store_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

// A handle's key ignores a leading @, the spaces around it and case, exactly as
// strings.EqualFold (post verification's comparison of a post's author) does: every rune's key
// is a member of its case-folding orbit, the same for every member.
func TestHandleKeyFoldsAsEqualFold(t *testing.T) {
	require.Equal(t, "maya.runs", store.HandleKey(" @Maya.Runs "))
	require.Equal(t, "maya", store.HandleKey("MAYA"))
	require.Equal(t, "@maya", store.HandleKey("@@maya"), "one leading @ only, as the API drops it")
	require.Equal(t, store.HandleKey("ΣΟΦΙΑ"), store.HandleKey("σοφια"))
	require.Equal(t, store.HandleKey("kelvin"), store.HandleKey("\u212Aelvin"), "the Kelvin sign folds to k")
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		key := store.HandleKey(string(r))
		if utf8.RuneCountInString(key) != 1 || !strings.EqualFold(key, string(r)) {
			if unicode.IsSpace(r) || r == '@' {
				continue // trimmed
			}
			t.Fatalf("key %q of %U is not in its orbit", key, r)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if k := store.HandleKey(string(f)); k != key {
				t.Fatalf("%U has key %q but %U, equal to it under EqualFold, has %q", r, key, f, k)
			}
		}
	}
}

// CreatorsWithAccount finds every creator who registered an account, however the handle was
// spelled, on that platform only, across brands; a creator listing one account twice is one
// creator.
func TestCreatorsWithAccount(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			create := func(id, brand, accounts string) {
				t.Helper()
				now := time.Now().UTC()
				require.NoError(t, s.CreateCreator(ctx, &store.Creator{ID: id, Name: "Maya", Email: id + "@example.com", Country: "US",
					Accounts: store.JSON(accounts), CreatedByBrandID: brand, CreatedAt: now, UpdatedAt: now}, byAdmin))
			}
			create("c1", "b1", `[{"platform":"instagram","handle":"maya"},{"platform":"tiktok","handle":"maya.tt"}]`)
			create("c2", "b2", `[{"platform":"instagram","handle":"@Maya"},{"platform":"instagram","handle":"MAYA"}]`)
			create("c3", "b1", `[{"platform":"instagram","handle":"maya_x"}]`)
			create("c4", "b2", `[{"platform":"tiktok","handle":"maya"}]`)
			create("c5", "", `[]`)

			with := func(platform, handle string, limit int) []string {
				t.Helper()
				ids, err := s.CreatorsWithAccount(ctx, platform, handle, limit)
				require.NoError(t, err)
				return ids
			}
			require.Equal(t, []string{"c1", "c2"}, with("instagram", "maya", 10))
			require.Equal(t, []string{"c1", "c2"}, with("instagram", "@MAYA", 10), "spelled as anyone spells it")
			require.Equal(t, []string{"c1"}, with("instagram", "maya", 1))
			require.Equal(t, []string{"c4"}, with("tiktok", "maya", 10), "another platform's maya is another account")
			require.Equal(t, []string{"c1"}, with("tiktok", "Maya.TT", 10))
			require.Equal(t, []string{}, with("instagram", "nobody", 10))
			_, err := s.CreatorsWithAccount(ctx, "instagram", "maya", 0)
			require.Error(t, err)
		})
	}
}

// Accounts that are not a list of {platform, handle} are refused with the creator: neither
// the creator, nor its accounts, nor a record of its creation is written.
func TestCreateCreatorRefusesUnreadableAccounts(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for i, accounts := range []string{
				`{"platform":"instagram","handle":"maya"}`,
				`[{"platform":"instagram","handle":"maya"},{"platform":"instagram"}]`,
				`[{"platform":"","handle":"maya"}]`,
				`[{"platform":"instagram","handle":" @ "}]`,
			} {
				id := "bad-" + string(rune('a'+i))
				now := time.Now().UTC()
				err := s.CreateCreator(ctx, &store.Creator{ID: id, Name: "Maya", Email: "m@example.com", Country: "US",
					Accounts: store.JSON(accounts), CreatedAt: now, UpdatedAt: now}, byAdmin)
				require.Error(t, err, accounts)
				require.Contains(t, err.Error(), "creator "+id)
				_, err = s.GetCreator(ctx, id)
				require.ErrorIs(t, err, store.ErrNotFound, accounts)
				require.Empty(t, changes(t, s, store.SubjectCreator, id))
			}
			ids, err := s.CreatorsWithAccount(ctx, "instagram", "maya", 10)
			require.NoError(t, err)
			require.Empty(t, ids)
		})
	}
}

// Migration 11 indexes the accounts of the creators made before it, keyed as CreateCreator
// keys them, and keeps the readable accounts of a creator whose document has an unreadable one.
func TestCreatorAccountsMigrationBackfills(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			require.NoError(t, s.CreateCreator(ctx, &store.Creator{ID: "c-new", Name: "Maya", Email: "m@example.com", Country: "US",
				Accounts: store.JSON(`[{"platform":"instagram","handle":"maya"}]`), CreatedAt: now, UpdatedAt: now}, byAdmin))
			require.NoError(t, s.MigrateDownTo(ctx, 9))
			insert := "INSERT INTO creators (id, name, email, country, accounts, created_at, updated_at) VALUES (?, 'Old', 'o@example.com', 'US', ?, ?, ?)"
			if s.Dialect() == store.DialectPostgres {
				insert = "INSERT INTO creators (id, name, email, country, accounts, created_at, updated_at) VALUES ($1, 'Old', 'o@example.com', 'US', $2, $3, $4)"
			}
			for id, accounts := range map[string]string{
				"c-old":     `[{"platform":"instagram","handle":"Maya"},{"platform":"youtube","handle":"MayaRuns"}]`,
				"c-partial": `[{"platform":"instagram","handle":"@maya "},{"platform":"tiktok"}]`,
				"c-object":  `{"platform":"instagram","handle":"maya"}`,
				"c-none":    `[]`,
			} {
				_, err := s.DB().ExecContext(ctx, insert, id, accounts, now, now)
				require.NoError(t, err, id)
			}
			require.NoError(t, s.Migrate(ctx))

			ids, err := s.CreatorsWithAccount(ctx, "instagram", "maya", 10)
			require.NoError(t, err)
			require.Equal(t, []string{"c-new", "c-old", "c-partial"}, ids)
			ids, err = s.CreatorsWithAccount(ctx, "youtube", "mayaruns", 10)
			require.NoError(t, err)
			require.Equal(t, []string{"c-old"}, ids)
			ids, err = s.CreatorsWithAccount(ctx, "tiktok", "", 10)
			require.NoError(t, err)
			require.Empty(t, ids)
		})
	}
}
