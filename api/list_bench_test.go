package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/internal/testdb"
	"github.com/partnerflow/partnerflow/store"
)

// BenchmarkListPartnerships measures GET /v1/partnerships through the whole handler stack
// (auth, policy, keyset query, JSON) against PostgreSQL holding PARTNERFLOW_BENCH_ROWS
// partnerships (default 100,000). Target: p99 < 50 ms. It reports p50/p99 per scenario:
//
//	PARTNERFLOW_TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres \
//	  go test -run xxx -bench ListPartnerships -benchtime 2000x ./api/
func BenchmarkListPartnerships(b *testing.B) {
	rows := 100_000
	if v, err := strconv.Atoi(os.Getenv("PARTNERFLOW_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: testdb.PostgresURL(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	brands, creators, campaigns := seedPartnerships(b, st, rows)

	secret := []byte("bench-secret-bench-secret-bench-secret")
	s := New(Config{JWTSecret: secret, Registry: prometheus.NewRegistry()}, st, nil, slog.New(slog.DiscardHandler))
	token := func(id auth.Identity) string {
		tok, err := auth.Issue(secret, id, time.Hour, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	// A cursor deep into the brand's list, to show keyset pages cost the same anywhere.
	deep := ""
	{
		req := httptest.NewRequest(http.MethodGet, "/v1/partnerships?limit=200", nil)
		req.Header.Set("Authorization", "Bearer "+token(auth.Identity{Sub: "a", Role: "brand_manager", BrandID: brands[0]}))
		for i := 0; i < 3; i++ {
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			var page struct {
				NextCursor string `json:"next_cursor"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &page)
			deep = page.NextCursor
			req = httptest.NewRequest(http.MethodGet, "/v1/partnerships?limit=200&cursor="+deep, nil)
			req.Header.Set("Authorization", "Bearer "+token(auth.Identity{Sub: "a", Role: "brand_manager", BrandID: brands[0]}))
		}
	}
	scenarios := []struct {
		name, query string
		id          auth.Identity
	}{
		{"admin_all_first_page", "/v1/partnerships", auth.Identity{Sub: "admin", Role: "admin"}},
		{"brand_manager_own_brand", "/v1/partnerships", auth.Identity{Sub: "bm", Role: "brand_manager", BrandID: brands[0]}},
		{"brand_manager_deep_page", "/v1/partnerships?cursor=" + deep, auth.Identity{Sub: "bm", Role: "brand_manager", BrandID: brands[0]}},
		{"creator_own", "/v1/partnerships", auth.Identity{Sub: "cr", Role: "creator", CreatorID: creators[0]}},
		{"finance_by_stage", "/v1/partnerships?stage=payout&limit=200", auth.Identity{Sub: "fin", Role: "finance"}},
		{"admin_by_campaign", "/v1/partnerships?campaign_id=" + campaigns[0], auth.Identity{Sub: "admin", Role: "admin"}},
		{"brand_manager_work_queue", "/v1/partnerships?next_role=brand_manager&order=due_at", auth.Identity{Sub: "bm", Role: "brand_manager", BrandID: brands[0]}},
		{"brand_manager_overdue", "/v1/partnerships?next_role=brand_manager&overdue=true&order=due_at", auth.Identity{Sub: "bm", Role: "brand_manager", BrandID: brands[0]}},
		{"finance_work_queue", "/v1/partnerships?next_role=finance&order=due_at&limit=200", auth.Identity{Sub: "fin", Role: "finance"}},
		{"admin_overdue", "/v1/partnerships?overdue=true&order=due_at", auth.Identity{Sub: "admin", Role: "admin"}},
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			auth := "Bearer " + token(sc.id)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, sc.query, nil)
				req.Header.Set("Authorization", auth)
				rec := httptest.NewRecorder()
				start := time.Now()
				s.Handler().ServeHTTP(rec, req)
				lat = append(lat, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", sc.query, rec.Code, rec.Body.String())
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		})
	}
}

// seedPartnerships writes n partnerships spread over 100 brands, 1,000 creators and 200
// campaigns, with stages spread over the lifecycle, and next actions spread over the roles
// with deadlines from ten days ago to twenty days ahead (none for completed ones).
func seedPartnerships(b *testing.B, st *store.Store, n int) (brands, creators, campaigns []string) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	for i := 0; i < 100; i++ {
		br := store.Brand{ID: fmt.Sprintf("brand-%03d", i), Name: "Brand", Handles: store.JSON(`[]`), CreatedAt: now}
		if err := st.CreateBrand(ctx, &br, seedActor); err != nil {
			b.Fatal(err)
		}
		brands = append(brands, br.ID)
	}
	for i := 0; i < 1000; i++ {
		c := store.Creator{ID: fmt.Sprintf("creator-%04d", i), Name: "C", Email: "c@example.com", Country: "US",
			Accounts: store.JSON(`[]`), CreatedAt: now, UpdatedAt: now}
		if err := st.CreateCreator(ctx, &c, seedActor); err != nil {
			b.Fatal(err)
		}
		creators = append(creators, c.ID)
	}
	for i := 0; i < 200; i++ {
		c := store.Campaign{ID: fmt.Sprintf("campaign-%03d", i), BrandID: brands[i%100], Name: "x", Settings: store.JSON(`{}`), CreatedAt: now}
		if err := st.CreateCampaign(ctx, &c); err != nil {
			b.Fatal(err)
		}
		campaigns = append(campaigns, c.ID)
	}
	stages := []string{"vetting", "negotiation", "contracting", "content", "publishing", "tracking", "payout", "completed"}
	roles := []string{"brand_manager", "creator", "finance"}
	state := store.JSON(`{"stage":"content","deliverables":[],"payouts":[]}`)
	batch := make([]store.Partnership, 0, 2000)
	for i := 0; i < n; i++ {
		camp := i % 200
		p := store.Partnership{ID: fmt.Sprintf("p-%07d", i), BrandID: brands[camp%100], CampaignID: campaigns[camp],
			CreatorID: creators[i%1000], Stage: stages[i%len(stages)],
			State: state, StateVersion: 1, CreatedAt: now.Add(-time.Duration(i) * time.Second), UpdatedAt: now}
		if p.Stage != "completed" {
			due := now.Add(time.Duration(i*7919%(30*86400))*time.Second - 10*24*time.Hour)
			p.NextActionRole, p.NextAction, p.DueAt = roles[i%len(roles)], "act", &due
		}
		batch = append(batch, p)
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.CreatePartnerships(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := st.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return brands, creators, campaigns
}
