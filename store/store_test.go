package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/internal/testdb"
	"github.com/partnerflow/partnerflow/store"
)

// dialects opens a migrated store on embedded SQLite and on a fresh PostgreSQL database.
func dialects(t *testing.T) map[string]*store.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*store.Store{}
	sq, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "app.db")})
	require.NoError(t, err)
	require.NoError(t, sq.Migrate(ctx))
	t.Cleanup(func() { _ = sq.Close() })
	out["sqlite"] = sq
	pg, err := store.Open(ctx, store.Config{URL: testdb.PostgresURL(t)})
	require.NoError(t, err)
	require.NoError(t, pg.Migrate(ctx))
	t.Cleanup(func() { _ = pg.Close() })
	out["postgres"] = pg
	return out
}

func seed(t *testing.T, s *store.Store, n int) (brand string, ids []string) {
	t.Helper()
	ctx := context.Background()
	b := store.Brand{ID: "b-" + t.Name(), Name: "Acme", Handles: store.JSON(`["@acme"]`), CreatedAt: time.Now().UTC()}
	require.NoError(t, s.CreateBrand(ctx, &b, byAdmin))
	c := store.Creator{ID: "c-" + t.Name(), Name: "Maya", Email: "m@example.com", Country: "US", Accounts: store.JSON(`[]`),
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	require.NoError(t, s.CreateCreator(ctx, &c, byAdmin))
	camp := store.Campaign{ID: "camp-" + t.Name(), BrandID: b.ID, Name: "x", Settings: store.JSON(`{}`), CreatedAt: time.Now().UTC()}
	require.NoError(t, s.CreateCampaign(ctx, &camp))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		p := store.Partnership{ID: fmt.Sprintf("p-%03d", i), BrandID: b.ID, CampaignID: camp.ID, CreatorID: c.ID,
			Stage: "vetting", State: store.JSON(`{}`), CreatedAt: base.Add(time.Duration(i/2) * time.Second), UpdatedAt: base}
		require.NoError(t, s.CreatePartnership(ctx, &p))
		ids = append(ids, p.ID)
	}
	return b.ID, ids
}

func TestMigrationsUpDownUp(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			v, err := s.SchemaVersion(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 12, v)
			require.NoError(t, s.MigrateDownTo(ctx, 1))
			_, _, err = s.ListPayouts(ctx, store.PayoutFilter{Limit: 1})
			require.Error(t, err, "payouts are gone after rolling back 00002")
			require.NoError(t, s.Migrate(ctx))
			_, _, err = s.ListPayouts(ctx, store.PayoutFilter{Limit: 1})
			require.NoError(t, err)
			require.NoError(t, s.MigrateDownTo(ctx, 0))
			v, err = s.SchemaVersion(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 0, v)
			_, err = s.GetBrand(ctx, "nope")
			require.Error(t, err, "tables are gone after down")
			require.NoError(t, s.Migrate(ctx))
			_, err = s.GetBrand(ctx, "nope")
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}

// A state document written before every key API.md promises was always present (a row
// that will not move again) is given those keys by migration 3, its values untouched.
func TestStatesMigrationGivesOldDocumentsThePromisedKeys(t *testing.T) {
	const old = `{"id":"p-000","brand_id":"b","campaign_id":"c","creator_id":"cr","stage":"payout",
		"terms":{"kind":"one_off","fee":{"amount_minor":50000,"currency":"USD"},"commission_bps":0,
			"kill_fee":{"amount_minor":0,"currency":"USD"},"usage_rights_days":0,"exclusivity_days":0,
			"deliverables":[{"platform":"instagram","format":"post"}]},
		"vetting":{"report":{"score":91},"clean":true},
		"negotiation":{"round":1,"turn":"","history":[]},
		"contract":{},
		"tracking":{"conversions":3,"revenue":{"amount_minor":9000,"currency":"USD"}},
		"deliverables":[{"id":"d1","platform":"instagram","format":"post","status":"awaiting_draft",
			"drafts":[{"version":1,"caption":"hi #ad","media_urls":[],"onscreen_disclosure":false,
				"spoken_disclosure":false,"platform_paid_label":false,"disclosure":{"compliant":true},
				"submitted_at":"2026-01-02T00:00:00Z"}]}],
		"payouts":[{"id":"fee-1","kind":"fee","amount":{"amount_minor":50000,"currency":"USD"},
			"status":"awaiting_approval","triggered_by":"fin"}],
		"next_action":{"role":"finance","action":"approve_payout"},
		"cycle":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-03T00:00:00Z"}`
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 2) // on the current schema: brands have columns 2 does not know
			require.NoError(t, s.MigrateDownTo(ctx, 2))
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[0], Version: 7, Stage: "payout",
				State: store.JSON(old), UpdatedAt: time.Now().UTC()}))
			// A document this code cannot read does not stop the start; it is left as it is.
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[1], Version: 1, Stage: "vetting",
				State: store.JSON(`{"stage":5}`), UpdatedAt: time.Now().UTC()}))
			require.NoError(t, s.Migrate(ctx))
			odd, err := s.GetPartnership(ctx, ids[1])
			require.NoError(t, err)
			require.JSONEq(t, `{"stage":5}`, string(odd.State))

			p, err := s.GetPartnership(ctx, ids[0])
			require.NoError(t, err)
			require.EqualValues(t, 7, p.StateVersion, "the workflow's version is not the migration's to move")
			var doc struct {
				Vetting      map[string]any   `json:"vetting"`
				Contract     map[string]any   `json:"contract"`
				Tracking     map[string]any   `json:"tracking"`
				Deliverables []map[string]any `json:"deliverables"`
				Payouts      []map[string]any `json:"payouts"`
				NextAction   map[string]any   `json:"next_action"`
			}
			require.NoError(t, json.Unmarshal(p.State, &doc))
			has := func(obj map[string]any, key string, want any) {
				t.Helper()
				v, ok := obj[key]
				require.True(t, ok, "key %q is present", key)
				require.Equal(t, want, v, key)
			}
			has(doc.Vetting, "decision", "")
			has(doc.Vetting, "report", map[string]any{"score": float64(91)})
			has(doc.Contract, "envelope_id", "")
			has(doc.Contract, "status", "")
			has(doc.Contract, "signing_urls", nil)
			has(doc.Tracking, "discount_code", "")
			has(doc.Tracking, "link", "")
			has(doc.Tracking, "conversions", float64(3))
			has(doc.Deliverables[0], "due_at", nil)
			has(doc.Deliverables[0], "publication", nil)
			has(doc.Deliverables[0]["drafts"].([]any)[0].(map[string]any), "review", nil)
			has(doc.Deliverables[0]["drafts"].([]any)[0].(map[string]any), "caption", "hi #ad")
			has(doc.Payouts[0], "approved_by", "")
			has(doc.Payouts[0], "paid_at", nil)
			has(doc.Payouts[0], "triggered_by", "fin")
			has(doc.NextAction, "due_at", nil)
			has(doc.NextAction, "action", "approve_payout")
		})
	}
}

// A state document written before contract.signers existed (a partnership that ended before)
// is given that key by migration 5: a completed contract's signatures at its signed_at, an
// unsigned one's null; and provider_hold, null.
func TestSignersMigrationGivesOldDocumentsTheSigners(t *testing.T) {
	const old = `{"id":"p-000","brand_id":"b","campaign_id":"c","creator_id":"cr","stage":"completed",
		"contract":{"envelope_id":"env-1","status":"completed","signing_urls":{"creator":"u1","brand":"u2"},
			"signed_at":"2026-01-02T00:00:00Z"},
		"deliverables":[],"payouts":[],"next_action":null,"cycle":1,
		"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-03T00:00:00Z"}`
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 2)
			require.NoError(t, s.MigrateDownTo(ctx, 4))
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[0], Version: 9, Stage: "completed",
				State: store.JSON(old), UpdatedAt: time.Now().UTC()}))
			unsigned := strings.Replace(strings.Replace(old, `"completed"`, `"expired"`, 2), `"2026-01-02T00:00:00Z"`, `null`, 1)
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[1], Version: 4, Stage: "expired",
				State: store.JSON(unsigned), UpdatedAt: time.Now().UTC()}))
			require.NoError(t, s.Migrate(ctx))
			contract := func(id string) map[string]any {
				p, err := s.GetPartnership(ctx, id)
				require.NoError(t, err)
				var doc map[string]any
				require.NoError(t, json.Unmarshal(p.State, &doc))
				require.Contains(t, doc, "provider_hold")
				require.Nil(t, doc["provider_hold"])
				return doc["contract"].(map[string]any)
			}
			signed := contract(ids[0])
			at := map[string]any{"signed_at": "2026-01-02T00:00:00Z"}
			require.Equal(t, map[string]any{"creator": at, "brand": at}, signed["signers"])
			require.Equal(t, "2026-01-02T00:00:00Z", signed["signed_at"], "the values it had are kept")
			require.Equal(t, "completed", signed["status"])
			none := map[string]any{"signed_at": nil}
			require.Equal(t, map[string]any{"creator": none, "brand": none}, contract(ids[1])["signers"])
			p, err := s.GetPartnership(ctx, ids[0])
			require.NoError(t, err)
			require.EqualValues(t, 9, p.StateVersion, "the workflow's version is not the migration's to move")
		})
	}
}

func TestApplyTransitionIsIdempotent(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 1)
			pid := ids[0]
			at := time.Now().UTC().Truncate(time.Microsecond)
			ev := func(seq int64, typ string) store.Event {
				return store.Event{PartnershipID: pid, Seq: seq, Type: typ, Actor: "ann", Role: "brand_manager", At: at, Data: store.JSON(`{"k":1}`)}
			}
			t2 := store.Transition{PartnershipID: pid, Version: 2, Stage: "negotiation", State: store.JSON(`{"v":2}`), UpdatedAt: at,
				Events: []store.Event{ev(1, "created"), ev(2, "offer_sent")}}
			require.NoError(t, s.ApplyTransition(ctx, t2))
			require.NoError(t, s.ApplyTransition(ctx, t2), "a retried write changes nothing")
			// A late write of an older version must not move the snapshot back.
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: pid, Version: 1, Stage: "vetting",
				State: store.JSON(`{"v":1}`), UpdatedAt: at, Events: []store.Event{ev(1, "created")}}))
			p, err := s.GetPartnership(ctx, pid)
			require.NoError(t, err)
			require.Equal(t, "negotiation", p.Stage)
			require.EqualValues(t, 2, p.StateVersion)
			require.JSONEq(t, `{"v":2}`, string(p.State))
			evs, err := s.ListEvents(ctx, pid, 0, 100)
			require.NoError(t, err)
			require.Len(t, evs, 2)
			require.Equal(t, "offer_sent", evs[1].Type)
			require.JSONEq(t, `{"k":1}`, string(evs[1].Data))
			// Times read back in UTC, whatever the host's zone (API.md: RFC 3339 UTC).
			require.Same(t, time.UTC, evs[1].At.Location())
		})
	}
}

func TestPartnershipRowAndHeadReads(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, ids := seed(t, s, 1)
			due := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
			require.NoError(t, s.ApplyTransition(ctx, store.Transition{PartnershipID: ids[0], Version: 3, Stage: "contract",
				NextActionRole: "creator", NextAction: "sign", DueAt: &due, EnvelopeID: "env-1",
				State: store.JSON(`{"v":3}`), UpdatedAt: time.Now().UTC()}))
			full, err := s.GetPartnership(ctx, ids[0])
			require.NoError(t, err)
			require.WithinDuration(t, due, *full.DueAt, time.Microsecond)
			for _, at := range []time.Time{*full.DueAt, full.CreatedAt, full.UpdatedAt} {
				require.Same(t, time.UTC, at.Location(), "read back in UTC, whatever the host's zone")
			}
			// The hand-scanned row reads as GORM reads it (the list scans through GORM).
			listed, _, err := s.ListPartnerships(ctx, store.PartnershipFilter{BrandID: full.BrandID, Limit: 1})
			require.NoError(t, err)
			require.Len(t, listed, 1)
			require.Equal(t, full.CreatedAt, listed[0].CreatedAt)
			require.Equal(t, full.UpdatedAt, listed[0].UpdatedAt)
			require.Equal(t, *full.DueAt, *listed[0].DueAt)
			require.Equal(t, full.StateVersion, listed[0].StateVersion)
			require.JSONEq(t, `{"v":3}`, string(full.State))

			head, err := s.GetPartnershipHead(ctx, ids[0])
			require.NoError(t, err)
			// The head is the row without its document and timestamps.
			full.State, full.DueAt, full.CreatedAt, full.UpdatedAt = nil, nil, time.Time{}, time.Time{}
			require.Equal(t, full, head)
			require.EqualValues(t, 3, head.StateVersion)
			require.Equal(t, "env-1", head.EnvelopeID)

			_, err = s.GetPartnershipHead(ctx, "p-missing")
			require.ErrorIs(t, err, store.ErrNotFound)
			_, err = s.GetPartnership(ctx, "p-missing")
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}

func TestListPartnershipsKeysetPagination(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			brand, ids := seed(t, s, 7)
			var got []string
			cursor := ""
			for page := 0; page < 10; page++ {
				rows, next, err := s.ListPartnerships(ctx, store.PartnershipFilter{BrandID: brand, Limit: 3, Cursor: cursor})
				require.NoError(t, err)
				for _, r := range rows {
					got = append(got, r.ID)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			// Newest first; equal timestamps broken by id, so no row is skipped or repeated.
			want := make([]string, len(ids))
			for i := range ids {
				want[i] = ids[len(ids)-1-i]
			}
			require.Equal(t, want, got)
			_, _, err := s.ListPartnerships(ctx, store.PartnershipFilter{Limit: 3, Cursor: "bm90LWEtY3Vyc29y"})
			require.ErrorIs(t, err, store.ErrBadCursor)
			rows, _, err := s.ListPartnerships(ctx, store.PartnershipFilter{BrandID: "someone-else", Limit: 3})
			require.NoError(t, err)
			require.Empty(t, rows)
		})
	}
}

// raceClaims has n concurrent requests claim ann's key k1 and returns the claims they won.
func raceClaims(t *testing.T, s *store.Store, n int, abandonAfter time.Duration) []store.IdempotencyKey {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var owners []store.IdempotencyKey
	for range n {
		wg.Go(func() {
			rec, ok, err := s.ClaimIdempotencyKey(context.Background(), "ann", "k1", "h1", time.Hour, abandonAfter)
			require.NoError(t, err)
			if ok {
				mu.Lock()
				owners = append(owners, rec)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return owners
}

func TestIdempotencyKeyClaims(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			owners := raceClaims(t, s, 10, time.Hour)
			require.Len(t, owners, 1, "concurrent duplicates: exactly one owner")
			require.NoError(t, s.CompleteIdempotencyKey(ctx, "ann", "k1", owners[0].CreatedAt, 201, []byte(`{"id":"x"}`)))
			rec, ok, err := s.ClaimIdempotencyKey(ctx, "ann", "k1", "h1", time.Hour, time.Hour)
			require.NoError(t, err)
			require.False(t, ok)
			require.Equal(t, 201, rec.Status)
			require.JSONEq(t, `{"id":"x"}`, string(rec.Response))
			bob, ok, err := s.ClaimIdempotencyKey(ctx, "bob", "k1", "h1", time.Hour, time.Hour)
			require.NoError(t, err)
			require.True(t, ok, "keys are scoped per subject")
			require.NoError(t, s.ReleaseIdempotencyKey(ctx, "bob", "k1", bob.CreatedAt))
			_, ok, err = s.ClaimIdempotencyKey(ctx, "bob", "k1", "h1", time.Hour, time.Hour)
			require.NoError(t, err)
			require.True(t, ok, "a released key can be claimed again")
		})
	}
}

// TestAbandonedIdempotencyClaims: a claim still in progress after abandonAfter (its process
// died) is taken over by the next claim, a younger one is not, a finished one never is, and
// the abandoned request can then neither complete nor release the new owner's claim.
func TestAbandonedIdempotencyClaims(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			old, ok, err := s.ClaimIdempotencyKey(ctx, "ann", "k1", "h1", time.Hour, time.Hour)
			require.NoError(t, err)
			require.True(t, ok)
			rec, ok, err := s.ClaimIdempotencyKey(ctx, "ann", "k1", "h1", time.Hour, time.Hour)
			require.NoError(t, err)
			require.False(t, ok, "a fresh claim is not taken over")
			require.Zero(t, rec.Status)

			// abandonAfter must outlast the racing claims themselves (serialised on SQLite, slow
			// under -race), or each would find its predecessor's claim abandoned too.
			const abandonAfter = 500 * time.Millisecond
			time.Sleep(2 * abandonAfter)
			owners := raceClaims(t, s, 5, abandonAfter)
			require.Len(t, owners, 1, "an abandoned claim is taken over by exactly one retry")
			require.True(t, owners[0].CreatedAt.After(old.CreatedAt))

			require.NoError(t, s.ReleaseIdempotencyKey(ctx, "ann", "k1", old.CreatedAt))
			require.NoError(t, s.CompleteIdempotencyKey(ctx, "ann", "k1", old.CreatedAt, 500, []byte(`{}`)))
			rec, ok, err = s.ClaimIdempotencyKey(ctx, "ann", "k1", "h1", time.Hour, time.Hour)
			require.NoError(t, err)
			require.False(t, ok, "the abandoned request cannot release the new owner's claim")
			require.Zero(t, rec.Status, "nor complete it")

			require.NoError(t, s.CompleteIdempotencyKey(ctx, "ann", "k1", owners[0].CreatedAt, 200, []byte(`{"ok":true}`)))
			time.Sleep(5 * time.Millisecond)
			rec, ok, err = s.ClaimIdempotencyKey(ctx, "ann", "k1", "h1", time.Hour, time.Millisecond)
			require.NoError(t, err)
			require.False(t, ok, "a completed record is replayed, however old")
			require.Equal(t, 200, rec.Status)
		})
	}
}

func TestWebhookReceiptsDeduplicate(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := store.WebhookEvent{Provider: "payments", EventID: "evt_1", Outcome: "delivered", ReceivedAt: time.Now().UTC()}
			fresh, err := s.RecordWebhook(ctx, w)
			require.NoError(t, err)
			require.True(t, fresh)
			fresh, err = s.RecordWebhook(ctx, w)
			require.NoError(t, err)
			require.False(t, fresh)
		})
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	_, err := store.Open(context.Background(), store.Config{URL: "mysql://x"})
	require.Error(t, err)
	_, err = store.Open(context.Background(), store.Config{})
	require.Error(t, err)
}

// TestReadsUnderACancelledContext: a client that went away cancels the request's context; the
// hand-scanned reads must report that (the API answers 499 and frees the Idempotency-Key)
// rather than panic, as GORM's empty sql.Row did on SQLite's prepared statements.
func TestReadsUnderACancelledContext(t *testing.T) {
	for name, s := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			_, ids := seed(t, s, 1)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := s.GetPartnership(ctx, ids[0])
			require.ErrorIs(t, err, context.Canceled)
			_, err = s.GetPartnershipHead(ctx, ids[0])
			require.ErrorIs(t, err, context.Canceled)

			p, err := s.GetPartnership(context.Background(), ids[0])
			require.NoError(t, err)
			require.Equal(t, ids[0], p.ID)
			_, err = s.GetPartnershipHead(context.Background(), "missing")
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}
