package service

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// collector is an OTLP/gRPC trace receiver that keeps what it is sent.
type collector struct {
	coltrace.UnimplementedTraceServiceServer
	mu   sync.Mutex
	reqs []*coltrace.ExportTraceServiceRequest
}

func (c *collector) Export(_ context.Context, r *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, r)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// TestSpansReachTheCollector: with PARTNERFLOW_OTEL_ENDPOINT the process ships its spans over
// OTLP/gRPC (plaintext by default), named with the service name, and Close flushes them.
func TestSpansReachTheCollector(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	col := &collector{}
	srv := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(srv, col)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	cfg := testConfig()
	cfg.OTelEndpoint, cfg.OTelInsecure = ln.Addr().String(), true
	tel, err := NewTelemetry(context.Background(), cfg, "partnerflow-worker")
	require.NoError(t, err)
	require.True(t, tel.Tracing())
	_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "RunActivity:touch")
	span.End()
	require.NoError(t, tel.Close(), "Close flushes the batch")

	col.mu.Lock()
	defer col.mu.Unlock()
	require.NotEmpty(t, col.reqs)
	rs := col.reqs[0].ResourceSpans[0]
	var service string
	for _, kv := range rs.Resource.Attributes {
		if kv.Key == "service.name" {
			service = kv.Value.GetStringValue()
		}
	}
	require.Equal(t, "partnerflow-worker", service)
	require.Equal(t, "RunActivity:touch", rs.ScopeSpans[0].Spans[0].Name)
}
