package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// fakeUpdate is one Update the API sent.
type fakeUpdate struct {
	PartnershipID, UpdateID, Name string
	Arg                           any
}

// fakeWorkflows records the Updates the API sends and answers each with answer (nil: success
// with an empty result).
type fakeWorkflows struct {
	Workflows
	mu        sync.Mutex
	updates   []fakeUpdate
	started   []partnership.Input
	answer    func(ctx context.Context, u fakeUpdate, result any) error
	signals   []fakeSignal
	signalErr error
	// late lists the reports handed to ReportLatePayment; lateErr (nil: success) answers it.
	late    []partnership.PaymentEvent
	lateErr error
	// running holds the partnership ids whose workflow exists, as Temporal would know them.
	running map[string]bool
	// startFault, when set, answers Start in Temporal's place: landed says whether the
	// workflow was created all the same (a timeout after the server took it).
	startFault func(ctx context.Context, in partnership.Input) (landed bool, err error)
	// existsErr, when set, is the answer to Exists: Temporal cannot say.
	existsErr error
	// asked lists the partnership ids Exists was asked about.
	asked []string
	// afterExists, when set, runs after Exists has read its answer and before it returns
	// it: what happens at Temporal while that answer is on its way.
	afterExists func(partnershipID string)
}

func (w *fakeWorkflows) Ping(context.Context) error { return nil }

// Start records the input of every start the API asked for and, like Temporal's conflict
// policy, refuses a second workflow with the same id.
func (w *fakeWorkflows) Start(ctx context.Context, in partnership.Input) error {
	w.mu.Lock()
	w.started = append(w.started, in)
	fault := w.startFault
	w.mu.Unlock()
	if fault != nil {
		landed, err := fault(ctx, in)
		if landed {
			w.setRunning(in.PartnershipID)
		}
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running[in.PartnershipID] {
		return errWorkflowStarted
	}
	if w.running == nil {
		w.running = map[string]bool{}
	}
	w.running[in.PartnershipID] = true
	return nil
}

// Exists answers from running, on a context that must still be live.
func (w *fakeWorkflows) Exists(ctx context.Context, partnershipID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, mapTemporalError(err)
	}
	w.mu.Lock()
	w.asked = append(w.asked, partnershipID)
	exists, err, after := w.running[partnershipID], w.existsErr, w.afterExists
	w.mu.Unlock()
	if after != nil {
		after(partnershipID)
	}
	if err != nil {
		return false, err
	}
	return exists, nil
}

func (w *fakeWorkflows) askedAbout() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.asked...)
}

func (w *fakeWorkflows) setRunning(partnershipID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running == nil {
		w.running = map[string]bool{}
	}
	w.running[partnershipID] = true
}

// workflowCount is how many workflows exist.
func (w *fakeWorkflows) workflowCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.running)
}

func (w *fakeWorkflows) starts() []partnership.Input {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]partnership.Input(nil), w.started...)
}

func (w *fakeWorkflows) Update(ctx context.Context, partnershipID, updateID, name string, arg, result any) error {
	u := fakeUpdate{PartnershipID: partnershipID, UpdateID: updateID, Name: name, Arg: arg}
	w.mu.Lock()
	w.updates = append(w.updates, u)
	answer := w.answer
	w.mu.Unlock()
	if answer == nil {
		return nil
	}
	return answer(ctx, u, result)
}

// fakeSignal is one Signal the API sent.
type fakeSignal struct {
	PartnershipID, Name string
	Arg                 any
}

// Signal records the signal; signalErr (nil: success) answers it.
func (w *fakeWorkflows) Signal(_ context.Context, partnershipID, name string, arg any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.signals = append(w.signals, fakeSignal{PartnershipID: partnershipID, Name: name, Arg: arg})
	return w.signalErr
}

// ReportLatePayment records the report; lateErr (nil: success) answers it.
func (w *fakeWorkflows) ReportLatePayment(_ context.Context, _ partnership.LatePaymentStart, ev partnership.PaymentEvent) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.late = append(w.late, ev)
	return w.lateErr
}

func (w *fakeWorkflows) lateReports() []partnership.PaymentEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]partnership.PaymentEvent(nil), w.late...)
}

func (w *fakeWorkflows) signalled() []fakeSignal {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]fakeSignal(nil), w.signals...)
}

func (w *fakeWorkflows) sent() []fakeUpdate {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]fakeUpdate(nil), w.updates...)
}

// seedActor is who the tests' fixtures are created and changed by.
var seedActor = store.Actor{Sub: "seed", Role: "admin"}

// actionServer is the API over a migrated SQLite store holding one partnership ("p1" of
// brand "b1" and creator "c1", in stage content) and a fake Temporal.
type actionServer struct {
	*Server
	st *store.Store
	wf *fakeWorkflows
}

func newActionServer(t *testing.T, cfg Config) *actionServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "app.db")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	now := time.Now().UTC()
	require.NoError(t, st.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", Handles: store.JSON(`["@acme"]`), CreatedAt: now}, seedActor))
	require.NoError(t, st.CreateCreator(ctx, &store.Creator{ID: "c1", Name: "Maya", Email: "m@example.com", Country: "US",
		Accounts: store.JSON(`[{"platform":"instagram","handle":"maya"}]`), CreatedAt: now, UpdatedAt: now}, seedActor))
	require.NoError(t, st.CreateCampaign(ctx, &store.Campaign{ID: "camp1", BrandID: "b1", Name: "Spring", Settings: store.JSON(`{}`), CreatedAt: now}))
	require.NoError(t, st.CreatePartnership(ctx, &store.Partnership{ID: "p1", BrandID: "b1", CampaignID: "camp1", CreatorID: "c1",
		Stage: "content", State: store.JSON(`{"id":"p1","stage":"content"}`), StateVersion: 1, CreatedAt: now, UpdatedAt: now}))
	cfg.JWTSecret = mwSecret
	cfg.Registry = prometheus.NewRegistry()
	wf := &fakeWorkflows{}
	return &actionServer{Server: New(cfg, st, wf, slog.New(slog.DiscardHandler)), st: st, wf: wf}
}

// do sends a request as id; key is the Idempotency-Key ("" for none).
func (s *actionServer) do(t *testing.T, id auth.Identity, method, path, key, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.doRequest(t, id, key, httptest.NewRequest(method, path, strings.NewReader(body)))
}

func (s *actionServer) doRequest(t *testing.T, id auth.Identity, key string, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	tok, err := auth.Issue(mwSecret, id, time.Hour, time.Now())
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	if req.ContentLength > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(idempotencyHeader, key)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), rec.Body.String())
	var p Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	return p
}

var (
	financeB = auth.Identity{Sub: "fin-b", Role: "finance"}
	financeC = auth.Identity{Sub: "fin-c", Role: "finance"}
)

// context is an echo.Context for a POST to path by id with the Idempotency-Key key, as the
// middleware leaves it for a handler.
func (s *actionServer) context(t *testing.T, id auth.Identity, path, key string) echo.Context {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, nil)
	if key != "" {
		req.Header.Set(idempotencyHeader, key)
	}
	c := s.echo.NewContext(req, httptest.NewRecorder())
	c.Set(identityKey, id)
	return c
}
