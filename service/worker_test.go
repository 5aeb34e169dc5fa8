package service

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/store"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

// TestWorkerHealthAndMetrics runs the worker against the in-process fake frontend: /healthz
// is 503 until it polls, 200 while it does and 503 again once it stopped; /metrics carries
// the SDK's metrics.
func TestWorkerHealthAndMetrics(t *testing.T) {
	cfg := testConfig()
	cfg.SandboxProviderURLs("http://127.0.0.1:1")
	tel, err := NewTelemetryWithExporter("partnerflow-worker", nil)
	require.NoError(t, err)
	st, _ := seedPartnership(t)
	tc := fakeClient(t, cfg, tel, &fakeFrontend{})
	h := tel.WorkerHandler()

	code, _ := get(t, h, "/healthz")
	require.Equal(t, http.StatusServiceUnavailable, code, "not running yet")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunWorker(ctx, cfg, st, tc, tel, slog.New(slog.DiscardHandler)) }()
	require.Eventually(t, func() bool { c, _ := get(t, h, "/healthz"); return c == http.StatusOK }, time.Minute, 10*time.Millisecond)

	code, metrics := get(t, h, "/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, metrics, `temporal_worker_start_total{`, "the SDK's counters reach the registry with a _total suffix")
	require.Contains(t, metrics, `task_queue="partnerflow"`)
	require.Contains(t, metrics, "go_goroutines", "runtime metrics too")

	cancel()
	require.NoError(t, <-done)
	code, _ = get(t, h, "/healthz")
	require.Equal(t, http.StatusServiceUnavailable, code, "stopped")
}

func TestOverdueGauge(t *testing.T) {
	st, pid := seedPartnership(t)
	now := time.Now().UTC()
	due := now.Add(-time.Hour)
	require.NoError(t, st.ApplyTransition(context.Background(), store.Transition{PartnershipID: pid, Version: 1, Stage: "payout",
		NextActionRole: "finance", NextAction: "trigger_payout", DueAt: &due, State: store.JSON(`{}`), UpdatedAt: now}))
	g := overdueGauge()
	require.NoError(t, refreshOverdue(context.Background(), st, g, now))
	require.Equal(t, 1.0, testutil.ToFloat64(g.WithLabelValues("finance")))
	require.NoError(t, refreshOverdue(context.Background(), st, g, due.Add(-time.Minute)))
	require.Equal(t, 0, testutil.CollectAndCount(g), "nothing overdue an hour earlier")
}

// A worker configuration the SDK would panic on is refused with the variable's name, before
// the worker starts.
func TestWorkerRefusesOnePoller(t *testing.T) {
	cfg := testConfig()
	cfg.WorkerWorkflowTaskPollers = 1
	err := RunWorker(context.Background(), cfg, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.ErrorContains(t, err, "PARTNERFLOW_WORKER_WORKFLOW_TASK_POLLERS")
	require.ErrorContains(t, err, "at least 2")
}
