package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

func ptr[T any](v T) *T { return &v }

// Brands there were before migration 6 keep their turn e-mails: the column comes with true.
func TestTurnEmailsMigrationKeepsBrandsEmailed(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b-old", Name: "Acme", Handles: store.JSON(`[]`), CreatedAt: time.Now().UTC()}))
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
				Handles: store.JSON(`["@acme"]`), TurnEmails: true, CreatedAt: created}))

			b, err := s.UpdateBrand(ctx, "b1", store.BrandChanges{Name: ptr("Acme Corp")})
			require.NoError(t, err)
			require.Equal(t, "Acme Corp", b.Name)
			require.Equal(t, "a@acme.example", b.ContactEmail)
			require.JSONEq(t, `["@acme"]`, string(b.Handles))
			require.True(t, b.TurnEmails)
			require.True(t, b.CreatedAt.Equal(created))

			b, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{ContactEmail: ptr(""), Handles: store.JSON(`["@acme","@acme_eu"]`),
				TurnEmails: ptr(false)})
			require.NoError(t, err)
			require.Equal(t, "Acme Corp", b.Name)
			require.Empty(t, b.ContactEmail)
			require.JSONEq(t, `["@acme","@acme_eu"]`, string(b.Handles))
			require.False(t, b.TurnEmails)
			read, err := s.GetBrand(ctx, "b1")
			require.NoError(t, err)
			require.Equal(t, b, read)

			b, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{})
			require.NoError(t, err, "nothing to change reads the row")
			require.Equal(t, read, b)
			_, err = s.UpdateBrand(ctx, "nope", store.BrandChanges{Name: ptr("x")})
			require.ErrorIs(t, err, store.ErrNotFound)
			_, err = s.UpdateBrand(ctx, "nope", store.BrandChanges{})
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
				Accounts: store.JSON(`[{"platform":"instagram","handle":"maya"}]`), CreatedByBrandID: "b1", CreatedAt: then, UpdatedAt: then}))
			require.NoError(t, s.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9"))

			c, err := s.UpdateCreator(ctx, "c1", store.CreatorChanges{Email: ptr("maya@example.com")})
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

			c, err = s.UpdateCreator(ctx, "c1", store.CreatorChanges{Name: ptr("Maya R."), Country: ptr("DE")})
			require.NoError(t, err)
			require.Equal(t, []string{"Maya R.", "maya@example.com", "DE"}, []string{c.Name, c.Email, c.Country})
			read, err := s.GetCreator(ctx, "c1")
			require.NoError(t, err)
			require.Equal(t, c.Name, read.Name)
			require.True(t, c.UpdatedAt.Equal(read.UpdatedAt))

			_, err = s.UpdateCreator(ctx, "nope", store.CreatorChanges{Name: ptr("x")})
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
			require.NoError(t, s.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", Handles: store.JSON(`[]`), CreatedAt: created}))
			b, err := s.GetBrand(ctx, "b1")
			require.NoError(t, err)
			require.True(t, b.UpdatedAt.Equal(created), "updated_at %s starts at created_at", b.UpdatedAt)

			b, err = s.UpdateBrand(ctx, "b1", store.BrandChanges{Name: ptr("Acme Corp")})
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
				CreatedAt: created, UpdatedAt: created.Add(time.Hour)}))
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
