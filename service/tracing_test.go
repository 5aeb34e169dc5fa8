package service

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/config"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

const testSecret = "0123456789abcdef0123456789abcdef"

// fakeFrontend answers the Temporal client's gRPC calls in process, so the client (with its
// interceptors and data converter) runs for real without a server; it keeps the requests.
type fakeFrontend struct {
	mu      sync.Mutex
	updates []*workflowservice.UpdateWorkflowExecutionRequest
	starts  []*workflowservice.StartWorkflowExecutionRequest
	// result is what every Update returns, as payloads; queryResult what every query does.
	result, queryResult *commonpb.Payloads
}

func (f *fakeFrontend) intercept(ctx context.Context, method string, req, reply any, _ *grpc.ClientConn, _ grpc.UnaryInvoker, _ ...grpc.CallOption) error {
	if strings.Contains(method, "/Poll") {
		return f.poll(ctx)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch method {
	case "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo":
		return nil
	case "/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution":
		f.starts = append(f.starts, req.(*workflowservice.StartWorkflowExecutionRequest))
		reply.(*workflowservice.StartWorkflowExecutionResponse).RunId = "run-1"
		return nil
	case "/temporal.api.workflowservice.v1.WorkflowService/UpdateWorkflowExecution":
		r := req.(*workflowservice.UpdateWorkflowExecutionRequest)
		f.updates = append(f.updates, r)
		out := reply.(*workflowservice.UpdateWorkflowExecutionResponse)
		out.UpdateRef = &updatepb.UpdateRef{WorkflowExecution: r.WorkflowExecution, UpdateId: r.GetRequest().GetMeta().GetUpdateId()}
		out.Stage = enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
		out.Outcome = &updatepb.Outcome{Value: &updatepb.Outcome_Success{Success: f.result}}
		return nil
	case "/temporal.api.workflowservice.v1.WorkflowService/QueryWorkflow":
		reply.(*workflowservice.QueryWorkflowResponse).QueryResult = f.queryResult
		return nil
	}
	if strings.HasSuffix(method, "/DescribeNamespace") {
		reply.(*workflowservice.DescribeNamespaceResponse).NamespaceInfo = &namespacepb.NamespaceInfo{Name: "default"}
		return nil
	}
	return status.Error(codes.Unimplemented, method)
}

// poll answers a worker's long poll: no task until the caller gives up.
func (f *fakeFrontend) poll(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// fakeClient is a Temporal client built by TemporalClientOptions whose calls go to f.
func fakeClient(t *testing.T, cfg config.Config, tel *Telemetry, f *fakeFrontend) client.Client {
	t.Helper()
	opts, err := TemporalClientOptions(cfg, tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	opts.ConnectionOptions.DialOptions = append(opts.ConnectionOptions.DialOptions, grpc.WithUnaryInterceptor(f.intercept))
	c, err := client.NewLazyClient(opts)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func testConfig() config.Config {
	return config.Config{JWTSecret: testSecret, TemporalAddress: "127.0.0.1:1", TemporalNamespace: "default",
		ESignWebhookSecret: "e", PaymentsWebhookSecret: "p"}
}

// byAdmin is who the tests create and change brands and creators as.
var byAdmin = store.Actor{Sub: "admin-1", Role: "admin"}

// seedPartnership stores a brand, creator, campaign and partnership in a fresh SQLite store.
func seedPartnership(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	st, err := OpenStore(ctx, "", filepath.Join(t.TempDir(), "app.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	now := time.Now().UTC()
	require.NoError(t, st.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", Handles: store.JSON(`["@acme"]`), CreatedAt: now}, byAdmin))
	require.NoError(t, st.CreateCreator(ctx, &store.Creator{ID: "c1", Name: "Maya", Email: "m@example.com", Country: "US",
		Accounts: store.JSON(`[]`), CreatedAt: now, UpdatedAt: now}, byAdmin))
	require.NoError(t, st.CreateCampaign(ctx, &store.Campaign{ID: "camp1", BrandID: "b1", Name: "x", Settings: store.JSON(`{}`), CreatedAt: now}))
	require.NoError(t, st.CreatePartnership(ctx, &store.Partnership{ID: "p1", BrandID: "b1", CampaignID: "camp1", CreatorID: "c1",
		Stage: "content", State: store.JSON(`{}`), CreatedAt: now, UpdatedAt: now}))
	return st, "p1"
}

func adminToken(t *testing.T) string {
	t.Helper()
	tok, err := auth.Issue([]byte(testSecret), auth.Identity{Sub: "root", Role: partnership.RoleAdmin}, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}

func spanNamed(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	var names []string
	for _, s := range spans {
		if s.Name == name {
			return s
		}
		names = append(names, s.Name)
	}
	t.Fatalf("no span %q among %v", name, names)
	return tracetest.SpanStub{}
}

// TestTraceFlowsFromAPIRequestToActivities follows one trace from an inbound HTTP request
// (with a caller's traceparent) through the API's server span, the Temporal client's Update
// span and the header it sends, into a workflow and its activity on a worker configured the
// same way.
func TestTraceFlowsFromAPIRequestToActivities(t *testing.T) {
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	tel, err := NewTelemetryWithExporter("partnerflow-api", exp)
	require.NoError(t, err)
	require.True(t, tel.Tracing())
	flush := func() { require.NoError(t, tel.TracerProvider.(*sdktrace.TracerProvider).ForceFlush(ctx)) }

	st, pid := seedPartnership(t)
	result, err := converter.GetDefaultDataConverter().ToPayloads(partnership.State{ID: pid, Stage: partnership.StageCancelled})
	require.NoError(t, err)
	front := &fakeFrontend{result: result}
	cfg := testConfig()
	a, err := NewAPI(ctx, cfg, st, fakeClient(t, cfg, tel, front), tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	// An upstream caller (a gateway, the web app) already started the trace.
	callerTrace := "4bf92f3577b34da6a3ce929d0e0e4736"
	req := httptest.NewRequest(http.MethodPost, "/v1/partnerships/"+pid+"/cancel", strings.NewReader(`{"reason":"campaign dropped"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken(t))
	req.Header.Set("traceparent", "00-"+callerTrace+"-00f067aa0ba902b7-01")
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	flush()
	spans := exp.GetSpans()
	server := spanNamed(t, spans, "POST /v1/partnerships/:id/cancel")
	update := spanNamed(t, spans, "UpdateWorkflow:"+partnership.UpdateCancel)
	require.Equal(t, callerTrace, server.SpanContext.TraceID().String(), "the API joins the caller's trace")
	require.Equal(t, trace.SpanKindServer, server.SpanKind)
	require.Equal(t, server.SpanContext.TraceID(), update.SpanContext.TraceID())
	require.Equal(t, server.SpanContext.SpanID(), update.Parent.SpanID(), "the request's span is the Update's parent")

	// The Update carries the span to the worker in its header.
	require.Len(t, front.updates, 1)
	header := front.updates[0].GetRequest().GetInput().GetHeader()
	require.NotNil(t, header.GetFields()["_tracer-data"], "trace context in the Temporal header")

	// A worker with the same client configuration continues the trace into the workflow and
	// its activities.
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	opts, err := TemporalClientOptions(cfg, tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Len(t, opts.Interceptors, 1)
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{opts.Interceptors[0].(interceptor.Interceptor)}})
	env.SetHeader(header)
	env.RegisterWorkflowWithOptions(tracedWorkflow, workflow.RegisterOptions{Name: "traced"})
	env.RegisterActivityWithOptions(tracedActivity, activity.RegisterOptions{Name: "touch"})
	env.ExecuteWorkflow("traced")
	require.NoError(t, env.GetWorkflowError())

	flush()
	spans = exp.GetSpans()
	run := spanNamed(t, spans, "RunWorkflow:traced")
	require.Equal(t, update.SpanContext.SpanID(), run.Parent.SpanID(), "the workflow continues from the header's span")
	for _, name := range []string{"RunWorkflow:traced", "StartActivity:touch", "RunActivity:touch"} {
		require.Equal(t, server.SpanContext.TraceID(), spanNamed(t, spans, name).SpanContext.TraceID(), "%s shares the request's trace", name)
	}
	require.Equal(t, spanNamed(t, spans, "StartActivity:touch").SpanContext.SpanID(), spanNamed(t, spans, "RunActivity:touch").Parent.SpanID())
}

func tracedWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "touch").Get(ctx, nil)
}

func tracedActivity(ctx context.Context) error {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return errors.New("no span in the activity's context") // its own calls must be able to join the trace
	}
	return nil
}

// TestTracingOffAddsNothing: without an endpoint no interceptor is installed and the API has
// no tracing middleware.
func TestTracingOffAddsNothing(t *testing.T) {
	tel, err := NewTelemetry(context.Background(), testConfig(), "partnerflow-api")
	require.NoError(t, err)
	require.False(t, tel.Tracing())
	opts, err := TemporalClientOptions(testConfig(), tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Empty(t, opts.Interceptors)
	require.NotNil(t, opts.MetricsHandler)
	_, span := tel.TracerProvider.Tracer("x").Start(context.Background(), "x")
	require.False(t, span.IsRecording(), "a no-op tracer")
}

// TestLogLinesCarryTheTraceID: a line logged with a request's context names its trace.
func TestLogLinesCarryTheTraceID(t *testing.T) {
	var buf strings.Builder
	log, err := NewLogger(config.Config{LogLevel: "info", LogFormat: "json"}, &buf)
	require.NoError(t, err)
	tel, err := NewTelemetryWithExporter("x", tracetest.NewInMemoryExporter())
	require.NoError(t, err)
	ctx, span := tel.TracerProvider.Tracer("t").Start(context.Background(), "request")
	defer span.End()
	log.With("component", "api").InfoContext(ctx, "http request")
	log.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], `"trace_id":"`+span.SpanContext().TraceID().String()+`"`)
	require.Contains(t, lines[0], `"component":"api"`)
	require.NotContains(t, lines[1], "trace_id")
}
