package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

func ptr[T any](v T) *T { return &v }

// byAdmin is who the tests create and change brands and creators as.
var byAdmin = store.Actor{Sub: "admin-1", Role: "admin"}

// Brands there were before migration 6 keep their turn e-mails: the column comes with true.
func TestTurnEmailsMigrationKeepsBrandsEmailed(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b-old", Name: "Acme", Handles: store.JSON(`[]`), CreatedAt: time.Now().UTC()}, byAdmin))
			b, err := s.GetBrand(ctx, "b-old")
			require.NoError(t, err)
			require.False(t, b.TurnEmails, "written as given")
			require.NoError(t, s.MigrateDownTo(ctx, 5))
			require.NoError(t, s.Migrate(ctx))
			b, err = s.GetBrand(ctx, "b-old")
			require.NoError(t, err)
			require.True(t, b.TurnEmails)
			require.Equal(t, "Acme", b.Name)
		})
	}
}

// An update sets the columns it is given and no other, and answers with the row after it.
func TestUpdateBrandSetsOnlyGivenColumns(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", ContactEmail: "a@acme.example",
				Handles: store.JSON(`["@acme"]`), TurnEmails: true, CreatedAt: created}, byAdmin))

			b, err := s.UpdateBrand(ctx, "b1", store.BrandChanges{Name: ptr("Acme Corp")}, byAdmin)
			require.NoError(t, err)
			require.Equal(t, "Acme Corp", b.Name)
			require.Equal(t, "a@acme.example", b.ContactEmail)
			require.JSONEq(t, `["@acme"]`, string(b.Handles))
			require.True(t, b.TurnEmails)
			require.True(t, b.CreatedAt.Equal(created))

			b, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{ContactEmail: ptr(""), Handles: store.JSON(`["@acme","@acme_eu"]`),
				TurnEmails: ptr(false)}, byAdmin)
			require.NoError(t, err)
			require.Equal(t, "Acme Corp", b.Name)
			require.Empty(t, b.ContactEmail)
			require.JSONEq(t, `["@acme","@acme_eu"]`, string(b.Handles))
			require.False(t, b.TurnEmails)
			read, err := s.GetBrand(ctx, "b1")
			require.NoError(t, err)
			require.Equal(t, b, read)

			b, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{}, byAdmin)
			require.NoError(t, err, "nothing to change reads the row")
			require.Equal(t, read, b)
			_, err = s.UpdateBrand(ctx, "nope", store.BrandChanges{Name: ptr("x")}, byAdmin)
			require.ErrorIs(t, err, store.ErrNotFound)
			_, err = s.UpdateBrand(ctx, "nope", store.BrandChanges{}, byAdmin)
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}

// A creator's update sets the profile columns it is given, moves updated_at, and leaves the
// accounts and the payout profile alone.
func TestUpdateCreatorSetsOnlyGivenColumns(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			then := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
			require.NoError(t, s.CreateCreator(ctx, &store.Creator{ID: "c1", Name: "Maya", Email: "maya@exmaple.com", Country: "US",
				Accounts: store.JSON(`[{"platform":"instagram","handle":"maya"}]`), CreatedByBrandID: "b1", CreatedAt: then, UpdatedAt: then}, byAdmin))
			require.NoError(t, s.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", byAdmin))

			c, err := s.UpdateCreator(ctx, "c1", store.CreatorChanges{Email: ptr("maya@example.com")}, byAdmin)
			require.NoError(t, err)
			require.Equal(t, "maya@example.com", c.Email)
			require.Equal(t, "Maya", c.Name)
			require.Equal(t, "US", c.Country)
			require.JSONEq(t, `[{"platform":"instagram","handle":"maya"}]`, string(c.Accounts))
			require.Equal(t, "acct_maya", c.PaymentsAccountID)
			require.Equal(t, "W-9", c.TaxForm)
			require.Equal(t, "b1", c.CreatedByBrandID)
			require.True(t, c.CreatedAt.Equal(then))
			require.True(t, c.UpdatedAt.After(then), "updated_at %s", c.UpdatedAt)

			c, err = s.UpdateCreator(ctx, "c1", store.CreatorChanges{Name: ptr("Maya R."), Country: ptr("DE")}, byAdmin)
			require.NoError(t, err)
			require.Equal(t, []string{"Maya R.", "maya@example.com", "DE"}, []string{c.Name, c.Email, c.Country})
			read, err := s.GetCreator(ctx, "c1")
			require.NoError(t, err)
			require.Equal(t, c.Name, read.Name)
			require.True(t, c.UpdatedAt.Equal(read.UpdatedAt))

			_, err = s.UpdateCreator(ctx, "nope", store.CreatorChanges{Name: ptr("x")}, byAdmin)
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}

// A brand is last changed when created, and each update moves updated_at; created_at stays.
func TestUpdateBrandMovesUpdatedAt(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			created := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", Handles: store.JSON(`[]`), CreatedAt: created}, byAdmin))
			b, err := s.GetBrand(ctx, "b1")
			require.NoError(t, err)
			require.True(t, b.UpdatedAt.Equal(created), "updated_at %s starts at created_at", b.UpdatedAt)

			b, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{Name: ptr("Acme Corp")}, byAdmin)
			require.NoError(t, err)
			require.True(t, b.UpdatedAt.After(created), "updated_at %s", b.UpdatedAt)
			require.True(t, b.CreatedAt.Equal(created))
			read, err := s.GetBrand(ctx, "b1")
			require.NoError(t, err)
			require.True(t, read.UpdatedAt.Equal(b.UpdatedAt))
		})
	}
}

// Migration 8 gives the brands there were an updated_at: their created_at.
func TestBrandUpdatedAtMigrationBackfills(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b-old", Name: "Acme", Handles: store.JSON(`[]`), TurnEmails: true,
				CreatedAt: created, UpdatedAt: created.Add(time.Hour)}, byAdmin))
			require.NoError(t, s.MigrateDownTo(ctx, 7))
			require.NoError(t, s.Migrate(ctx))
			b, err := s.GetBrand(ctx, "b-old")
			require.NoError(t, err)
			require.True(t, b.UpdatedAt.Equal(created), "updated_at %s", b.UpdatedAt)
			require.True(t, b.CreatedAt.Equal(created))
			require.Equal(t, "Acme", b.Name)
		})
	}
}

// changes reads a subject's whole trail.
func changes(t *testing.T, s *store.Store, kind, id string) []store.ProfileChange {
	t.Helper()
	out, err := s.ListProfileChanges(context.Background(), kind, id, 0, 1000)
	require.NoError(t, err)
	return out
}

// lastChange is the newest change of a subject's trail, which must have n changes.
func lastChange(t *testing.T, s *store.Store, kind, id string, n int) store.ProfileChange {
	t.Helper()
	all := changes(t, s, kind, id)
	require.Len(t, all, n)
	return all[n-1]
}

// Creating a brand records who created it and with which members; each update that changes
// something records who made it, when, and the members whose value changed, nothing else; an
// update that changes nothing records nothing and leaves updated_at.
func TestBrandChangesRecordWhatChanged(t *testing.T) {
	bm := store.Actor{Sub: "bm-1", Role: "brand_manager"}
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			created := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", ContactEmail: "a@acme.example",
				Handles: store.JSON(`["@acme"]`), TurnEmails: true, CreatedAt: created}, byAdmin))
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b2", Name: "Globex", Handles: store.JSON(`[]`), CreatedAt: created}, bm))
			c := lastChange(t, s, store.SubjectBrand, "b1", 1)
			require.Equal(t, store.ChangeCreated, c.Type)
			require.Equal(t, []string{"name", "contact_email", "handles", "turn_emails"}, c.Fields)
			require.Equal(t, []string{"admin-1", "admin"}, []string{c.Actor, c.Role})
			require.True(t, c.At.Equal(created), "at %s", c.At)
			require.Equal(t, []string{"name", "turn_emails"}, lastChange(t, s, store.SubjectBrand, "b2", 1).Fields,
				"only the members given")

			// The same values, the handles spelled otherwise: nothing changes, nothing is recorded.
			same, err := s.UpdateBrand(ctx, "b1", store.BrandChanges{Name: ptr("Acme"), ContactEmail: ptr("a@acme.example"),
				Handles: store.JSON(`[ "@acme" ]`), TurnEmails: ptr(true)}, bm)
			require.NoError(t, err)
			require.True(t, same.UpdatedAt.Equal(created), "updated_at %s did not move", same.UpdatedAt)
			_, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{}, bm)
			require.NoError(t, err)
			require.Len(t, changes(t, s, store.SubjectBrand, "b1"), 1)

			b, err := s.UpdateBrand(ctx, "b1", store.BrandChanges{Name: ptr("Acme Corp"), Handles: store.JSON(`["@acme"]`),
				TurnEmails: ptr(true)}, bm)
			require.NoError(t, err)
			c = lastChange(t, s, store.SubjectBrand, "b1", 2)
			require.Equal(t, store.ChangeUpdated, c.Type)
			require.Equal(t, []string{"name"}, c.Fields)
			require.Equal(t, []string{"bm-1", "brand_manager"}, []string{c.Actor, c.Role})
			require.True(t, c.At.Equal(b.UpdatedAt), "at %s is the update's updated_at %s", c.At, b.UpdatedAt)
			require.True(t, c.At.After(created))

			_, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{ContactEmail: ptr(""), Handles: store.JSON(`["@acme","@acme_eu"]`),
				TurnEmails: ptr(false)}, byAdmin)
			require.NoError(t, err)
			c = lastChange(t, s, store.SubjectBrand, "b1", 3)
			require.Equal(t, []string{"contact_email", "handles", "turn_emails"}, c.Fields)
			require.Equal(t, "admin-1", c.Actor)

			_, err = s.UpdateBrand(ctx, "nope", store.BrandChanges{Name: ptr("x")}, bm)
			require.ErrorIs(t, err, store.ErrNotFound)
			require.Empty(t, changes(t, s, store.SubjectBrand, "nope"))
			require.Empty(t, changes(t, s, store.SubjectCreator, "b1"), "a brand's trail is not a creator's")
			require.Len(t, changes(t, s, store.SubjectBrand, "b2"), 1)
		})
	}
}

// A creator's edits and payout profile are recorded the same way; the payout profile by the
// names of its members only: its values are nowhere in the trail.
func TestCreatorChangesRecordWhatChanged(t *testing.T) {
	maya := store.Actor{Sub: "maya", Role: "creator"}
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			then := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
			require.NoError(t, s.CreateCreator(ctx, &store.Creator{ID: "c1", Name: "Maya", Email: "maya@exmaple.com", Country: "US",
				Accounts: store.JSON(`[{"platform":"instagram","handle":"maya"}]`), CreatedAt: then, UpdatedAt: then}, byAdmin))
			c := lastChange(t, s, store.SubjectCreator, "c1", 1)
			require.Equal(t, store.ChangeCreated, c.Type)
			require.Equal(t, []string{"name", "email", "country", "accounts"}, c.Fields)
			require.Equal(t, []string{"admin-1", "admin"}, []string{c.Actor, c.Role})

			cr, err := s.UpdateCreator(ctx, "c1", store.CreatorChanges{Name: ptr("Maya"), Email: ptr("maya@example.com"), Country: ptr("US")}, maya)
			require.NoError(t, err)
			c = lastChange(t, s, store.SubjectCreator, "c1", 2)
			require.Equal(t, []string{"email"}, c.Fields)
			require.Equal(t, []string{"maya", "creator", store.ChangeUpdated}, []string{c.Actor, c.Role, c.Type})
			require.True(t, c.At.Equal(cr.UpdatedAt))
			same, err := s.UpdateCreator(ctx, "c1", store.CreatorChanges{Email: ptr("maya@example.com")}, maya)
			require.NoError(t, err)
			require.True(t, same.UpdatedAt.Equal(cr.UpdatedAt), "nothing changed, updated_at stays")
			require.Len(t, changes(t, s, store.SubjectCreator, "c1"), 2)

			for _, step := range []struct {
				account, form string
				fields        []string
			}{
				{"acct_maya", "W-9", []string{"payments_account_id", "tax_form"}},
				{"acct_maya", "W-9", nil},
				{"acct_thief", "W-9", []string{"payments_account_id"}},
				{"acct_thief", "W-8BEN", []string{"tax_form"}},
			} {
				before := len(changes(t, s, store.SubjectCreator, "c1"))
				require.NoError(t, s.UpdatePayoutProfile(ctx, "c1", step.account, step.form, maya))
				all := changes(t, s, store.SubjectCreator, "c1")
				if step.fields == nil {
					require.Len(t, all, before, "the same profile again records nothing")
					continue
				}
				require.Len(t, all, before+1)
				require.Equal(t, step.fields, all[before].Fields)
				require.Equal(t, "maya", all[before].Actor)
			}
			read, err := s.GetCreator(ctx, "c1")
			require.NoError(t, err)
			require.Equal(t, []string{"acct_thief", "W-8BEN"}, []string{read.PaymentsAccountID, read.TaxForm})
			require.ErrorIs(t, s.UpdatePayoutProfile(ctx, "nope", "acct_x", "W-9", maya), store.ErrNotFound)
			_, err = s.UpdateCreator(ctx, "nope", store.CreatorChanges{Name: ptr("x")}, maya)
			require.ErrorIs(t, err, store.ErrNotFound)
			require.Empty(t, changes(t, s, store.SubjectCreator, "nope"))

			// Every column of every row, as the database holds it: no payout value in any.
			rows, err := s.DB().QueryContext(ctx, `SELECT id, subject_kind, subject_id, type, actor, role, at, fields FROM profile_changes`)
			require.NoError(t, err)
			defer rows.Close()
			n, all := 0, ""
			for rows.Next() {
				cols := make([]any, 8)
				for i := range cols {
					cols[i] = new(any)
				}
				require.NoError(t, rows.Scan(cols...))
				var text string
				for _, v := range cols {
					text += fmt.Sprintf("%s|", *v.(*any))
				}
				require.NotContains(t, text, "acct_")
				require.NotContains(t, text, "W-")
				n, all = n+1, all+text
			}
			require.NoError(t, rows.Err())
			require.Equal(t, 5, n)
			require.Contains(t, all, "payments_account_id", "the scan sees the names")
		})
	}
}

// A trail pages by id after the cursor, oldest first, and only the subject's own changes.
func TestListProfileChangesPages(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for _, id := range []string{"b1", "b2"} {
				require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: id, Name: "Acme", Handles: store.JSON(`[]`), CreatedAt: time.Now().UTC()}, byAdmin))
			}
			for i := range 4 {
				for _, id := range []string{"b1", "b2"} {
					_, err := s.UpdateBrand(ctx, id, store.BrandChanges{Name: ptr(fmt.Sprintf("Acme %d", i))}, byAdmin)
					require.NoError(t, err)
				}
			}
			var got []string
			var after int64
			for pages := 0; ; pages++ {
				require.Less(t, pages, 4, "three pages and the empty one")
				page, err := s.ListProfileChanges(ctx, store.SubjectBrand, "b1", after, 2)
				require.NoError(t, err)
				if len(page) == 0 {
					break
				}
				for _, c := range page {
					require.Equal(t, "b1", c.SubjectID)
					require.Greater(t, c.ID, after)
					after = c.ID
					got = append(got, c.Type)
				}
			}
			require.Equal(t, []string{"created", "updated", "updated", "updated", "updated"}, got)
		})
	}
}

// The database refuses to change or remove a recorded change.
func TestProfileChangesAreAppendOnly(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", Handles: store.JSON(`[]`), CreatedAt: time.Now().UTC()}, byAdmin))
			_, err := s.DB().ExecContext(ctx, `UPDATE profile_changes SET actor = 'someone-else'`)
			require.ErrorContains(t, err, "append-only")
			_, err = s.DB().ExecContext(ctx, `DELETE FROM profile_changes`)
			require.ErrorContains(t, err, "append-only")
			require.Equal(t, "admin-1", lastChange(t, s, store.SubjectBrand, "b1", 1).Actor)
		})
	}
}
