package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", doc.OpenAPI)
	}
	// The end-to-end suite validates requests and responses through this router.
	if _, err := gorillamux.NewRouter(doc); err != nil {
		t.Fatalf("gorillamux.NewRouter: %v", err)
	}
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	// A registry of its own: the default one accepts the HTTP metrics only once per process.
	s := New(Config{JWTSecret: []byte("x"), Registry: prometheus.NewRegistry()}, nil, nil, slog.New(slog.DiscardHandler))

	routed := map[string]bool{}
	for _, r := range s.Routes() {
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "*") {
			continue // Echo's own catch-all routes for group middleware
		}
		routed[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}

	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		if besideEcho(path) {
			continue
		}
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}

	for _, k := range sortedKeys(routed) {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.yaml", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !routed[k] {
			t.Errorf("openapi.yaml documents %s, which the server does not route", k)
		}
	}
}

// TestOpenAPIConventions checks the cross-cutting rules the document promises: bearer auth on
// /v1 but not on webhooks, Idempotency-Key on every /v1 POST, problem+json errors, the
// refusals of a JSON body wherever one is taken.
func TestOpenAPIConventions(t *testing.T) {
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			webhook := strings.HasPrefix(path, "/v1/webhooks/")
			if besideEcho(path) {
				continue // Temporal's codec protocol: its own auth check and no Idempotency-Key
			}
			v1 := strings.HasPrefix(path, "/v1/")

			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			bearer := slices.ContainsFunc(sec, func(r openapi3.SecurityRequirement) bool { _, ok := r["bearerAuth"]; return ok })
			if want := v1 && !webhook; bearer != want {
				t.Errorf("%s: bearerAuth = %v, want %v", name, bearer, want)
			}

			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			hasKey := params.GetByInAndName("header", "Idempotency-Key") != nil
			if want := v1 && !webhook && method == "POST"; hasKey != want {
				t.Errorf("%s: Idempotency-Key parameter = %v, want %v", name, hasKey, want)
			}
			if webhook && params.GetByInAndName("header", "Partnerflow-Signature") == nil {
				t.Errorf("%s: no Partnerflow-Signature header", name)
			}

			for code, ref := range op.Responses.Map() {
				if code == "default" || code[0] == '4' || code[0] == '5' {
					if ref.Value.Content.Get("application/problem+json") == nil {
						t.Errorf("%s: response %s is not application/problem+json", name, code)
					}
				}
			}
			if v1 && op.Responses.Value("default") == nil {
				t.Errorf("%s: no default (500) response", name)
			}
			// A JSON body, even an optional one, goes through strictBinder: malformed (400),
			// too large (413), not JSON (415), invalid fields (422).
			if v1 && !webhook && op.RequestBody != nil {
				for _, code := range []string{"400", "413", "415", "422"} {
					if op.Responses.Value(code) == nil {
						t.Errorf("%s: takes a JSON body but documents no %s", name, code)
					}
				}
			}
		}
	}
}

// besideEcho reports the paths the API process serves beside the Echo router: the Temporal
// remote codec (service/codec.go), mounted only when payload keys are configured and checked
// by service's tests.
func besideEcho(path string) bool { return strings.HasPrefix(path, "/codec/") }

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestOpenAPISchemasMatchResponses marshals the Go values the handlers answer with and checks
// them against the document's schemas, so a field added, renamed or made nullable in code
// without the document failing fails here rather than in a client.
func TestOpenAPISchemasMatchResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	due := now.Add(time.Hour)
	usd := func(n int64) partnership.Money { return partnership.Money{AmountMinor: n, Currency: "USD"} }
	terms := partnership.Terms{Kind: "one_off", Fee: usd(50000), CommissionBps: 500, KillFee: usd(10000),
		Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "reel"}}}
	disclosure := partnership.DisclosureReply{Compliant: false, LabelsFound: []string{},
		Violations: []partnership.DisclosureViolation{{Code: "missing_disclosure", Message: "no label", Start: 0, End: 0}}}
	rawDisclosure, _ := json.Marshal(disclosure)
	payout := partnership.Payout{ID: "p1", Kind: "fee", Amount: usd(50000), Status: "awaiting_approval", TriggeredBy: "fin-1"}
	deliverable := partnership.Deliverable{ID: "d1", Platform: "instagram", Format: "reel", Status: "verification_failed", DueAt: &due,
		Drafts: []partnership.Draft{{Version: 1, Caption: "#ad", MediaURLs: []string{}, Disclosure: rawDisclosure, SubmittedAt: now,
			Review: &partnership.Review{Decision: "approve", By: "bm", At: now}}},
		Publication: &partnership.Publication{URL: "https://x.test/p/1", Status: "failed",
			Report: &partnership.VerificationReport{Reasons: []string{"post_not_found"}, Disclosure: rawDisclosure, CheckedAt: now}}}

	// The state the API writes before the workflow runs, and one far into the lifecycle.
	initial := partnership.State{ID: "x", BrandID: "b", CampaignID: "c", CreatorID: "cr", Stage: partnership.StageVetting, Terms: terms,
		Deliverables: []partnership.Deliverable{}, Payouts: []partnership.Payout{},
		Negotiation: partnership.Negotiation{History: []partnership.NegotiationEntry{}}, CreatedAt: now, UpdatedAt: now,
		NextAction: &partnership.NextAction{Role: partnership.RoleSystem, Action: "vet_creator"}}
	signed := now
	full := initial
	full.Stage, full.Outcome, full.NextAction = partnership.StageCancelled, "cancelled", nil
	full.Vetting = partnership.Vetting{Report: json.RawMessage(`{"score":80,"flags":[],"clean":true}`), Clean: true, Decision: "approve", DecidedBy: "bm"}
	full.Negotiation = partnership.Negotiation{Round: 2, Turn: "brand_manager", History: []partnership.NegotiationEntry{
		{Round: 1, Role: "brand_manager", Actor: "bm", Action: "offer", Terms: &terms, At: now}}}
	full.Contract = partnership.Contract{EnvelopeID: "env", Status: "completed", SigningURLs: map[string]string{"creator": "u", "brand": "v"}, SignedAt: &signed}
	full.Tracking = partnership.Tracking{DiscountCode: "CODE", Link: "https://l", Conversions: 3, Revenue: usd(1000)}
	full.Deliverables = []partnership.Deliverable{deliverable}
	full.Payouts = []partnership.Payout{payout}
	full.Cancellation = &partnership.Cancellation{By: "bm", Role: "brand_manager", Reason: "r", At: now}

	row := store.Partnership{ID: "x", Stage: "vetting", NextAction: "vet_creator", NextActionRole: "system", CreatedAt: now, UpdatedAt: now}
	camp := partnership.Campaign{ID: "c", BrandID: "b", Name: "n", Jurisdiction: "US", Keywords: []string{}}
	conflict := conflictAt(partnership.StageVetting, "no").p
	conflict.Instance, conflict.RequestID = "/v1/x", "rid"

	cases := []struct {
		schema string
		value  any
	}{
		{"Partnership", initial},
		{"Partnership", full},
		{"PartnershipSummary", summary(row)},
		{"PartnershipSummary", summary(store.Partnership{ID: "x", Stage: "completed", Outcome: "completed", CreatedAt: now, UpdatedAt: now})},
		{"Deliverable", deliverable},
		{"Payout", payout},
		{"DraftResult", partnership.DraftResult{Version: 1, Disclosure: disclosure}},
		{"DisclosureResult", disclosure},
		{"Event", store.Event{Seq: 1, Type: "completed", Actor: "system", Role: "system", At: now, Data: store.JSON(`{}`)}},
		{"Event", store.Event{Seq: 2, Type: "stage_changed", Actor: "system", Role: "system", At: now, Data: store.JSON(`{"from":"a"}`)}},
		{"Campaign", campaignResponse{Campaign: camp, CreatedAt: rfc3339(now)}},
		{"Brand", brandResponse{ID: "b", Name: "n", Handles: []string{"@b"}, CreatedAt: rfc3339(now), UpdatedAt: rfc3339(now)}},
		{"Brand", toBrandResponse(store.Brand{ID: "b", Name: "n", ContactEmail: "a@b.example", Handles: store.JSON(`null`), CreatedAt: now})},
		{"Creator", toCreatorResponse(store.Creator{ID: "cr", Accounts: store.JSON(`[{"platform":"x","handle":"h"}]`), CreatedAt: now})},
		{"CreatorProfile", toCreatorProfile(store.Creator{ID: "cr", Email: "e@x.example", PaymentsAccountID: "acct", TaxForm: "W-9",
			Accounts: store.JSON(`[{"platform":"x","handle":"h"}]`), CreatedAt: now})},
		{"ProfileChange", toProfileChange(store.ProfileChange{ID: 7, Type: store.ChangeUpdated, Actor: "maya", Role: "creator", At: now,
			Fields: []string{"payments_account_id", "tax_form"}})},
		{"ProfileChange", toProfileChange(store.ProfileChange{ID: 1, Type: store.ChangeCreated, Actor: "admin-1", Role: "admin", At: now})},
		{"Problem", conflict},
		{"Problem", invalidFields(map[string]string{"limit": "bad"}).p},
	}
	for _, c := range cases {
		sref := doc.Components.Schemas[c.schema]
		if sref == nil {
			t.Fatalf("no schema %s", c.schema)
		}
		raw, err := json.Marshal(c.value)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		if err := sref.Value.VisitJSON(v); err != nil {
			t.Errorf("%s does not describe %s: %v", c.schema, raw, err)
		}
	}
	// An event's data is what activities.RecordTransition stores: an object, {} when there
	// are none. The document used to promise null, which a client never sees.
	noData := map[string]any{"seq": 1, "type": "completed", "actor": "system", "role": "system", "at": rfc3339(now), "data": nil}
	if doc.Components.Schemas["Event"].Value.VisitJSON(noData) == nil {
		t.Error("Event allows data null, which the server never answers")
	}
}

// TestOpenAPIDescribesLiveResponses sends the requests that need neither database nor
// Temporal through the real handler and validates request and response with openapi3filter,
// the way the end-to-end suite does.
func TestOpenAPIDescribesLiveResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := New(Config{JWTSecret: secret, ESignWebhookSecret: secret, Registry: prometheus.NewRegistry()}, nil, nil, slog.New(slog.DiscardHandler))
	token, err := auth.Issue(secret, auth.Identity{Sub: "ann", Role: partnership.RoleCreator, CreatorID: "c1"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		method, path, body string
		bearer             bool
		want               int
	}{
		{"GET", "/healthz", "", false, 200},
		{"GET", "/openapi.yaml", "", false, 200},
		{"GET", "/metrics", "", false, 200},
		{"GET", "/v1/partnerships", "", false, 401},
		{"POST", "/v1/webhooks/esign", `{"event_id":"e","data":{"envelope_id":"v"}}`, false, 401},
		{"POST", "/v1/disclosure/check", `{"caption":"Loving it #ad","platform":"instagram","format":"post","jurisdiction":"US","brand_name":"Acme"}`, true, 200},
		{"POST", "/v1/disclosure/check", `{"caption":"x","platform":"instagram","format":"post","jurisdiction":"ZZ"}`, true, 422},
		{"POST", "/v1/disclosure/check", `{"caption":`, true, 400},
		{"POST", "/v1/brands", `{"name":"Acme"}`, true, 403},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			req := httptest.NewRequest(c.method, c.path, body)
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if c.bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.want, rec.Body)
			}

			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("FindRoute: %v", err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if c.want < 400 {
				if c.body != "" {
					req.Body = io.NopCloser(strings.NewReader(c.body))
				}
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("request does not match the document: %v", err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code,
				Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes()))}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("response does not match the document: %v", err)
			}
		})
	}
}

// TestCampaignZeroValuesAreDocumented: an optional numeric campaign setting is 0 when left
// out, and 0 means something different per setting (no limit, no reminders, never, at once):
// each one's description must say what. Clients send 0, so validation stays as it is.
func TestCampaignZeroValuesAreDocumented(t *testing.T) {
	in := loadOpenAPI(t).Components.Schemas["CampaignInput"].Value
	for name, prop := range in.Properties {
		p := prop.Value
		if slices.Contains(in.Required, name) || !p.Type.Is("integer") {
			continue
		}
		if p.Min == nil || *p.Min != 0 {
			t.Errorf("%s: an optional setting that is 0 when left out must allow 0", name)
		}
		desc := strings.Join(strings.Fields(p.Description), " ")
		if !strings.Contains(desc, "0 (the default)") && !strings.Contains(desc, "(0 = ") {
			t.Errorf("%s: the description does not say what 0 means: %q", name, p.Description)
		}
	}
	due := loadOpenAPI(t).Components.Schemas["NextAction"].Value.Properties["due_at"].Value.Description
	for _, fixed := range []string{"7 days", "24 hours"} { // workflows.financeDue, workflows.holdDue
		require.Contains(t, due, fixed, "the deadlines that are not campaign settings")
	}
}
