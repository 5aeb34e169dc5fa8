package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"github.com/partnerflow/partnerflow/config"
)

// Telemetry is one process's observability: the Prometheus registry its /metrics serves (HTTP
// metrics, the Temporal SDK's metrics, partnerflow_* metrics, Go runtime and process), the
// tracer provider (a no-op unless PARTNERFLOW_OTEL_ENDPOINT is set) and the W3C trace-context
// propagator that carries traces from an API request through Temporal to the activities.
type Telemetry struct {
	// Registry holds every metric of the process.
	Registry *prometheus.Registry
	// TracerProvider creates spans; a no-op provider when tracing is off.
	TracerProvider trace.TracerProvider
	// Propagator reads and writes traceparent/tracestate and baggage.
	Propagator propagation.TextMapPropagator
	// ServiceName is the service.name of the spans.
	ServiceName string

	tracing        bool
	temporalMeter  *sdkmetric.MeterProvider
	shutdownTraces func(context.Context) error
	workerRunning  atomic.Bool
}

// NewTelemetry sets up metrics and, with PARTNERFLOW_OTEL_ENDPOINT, the OTLP/gRPC trace
// exporter. defaultName is the service name when PARTNERFLOW_OTEL_SERVICE_NAME is empty.
// Shutdown flushes what is buffered.
func NewTelemetry(ctx context.Context, cfg config.Config, defaultName string) (*Telemetry, error) {
	name := cfg.OTelServiceName
	if name == "" {
		name = defaultName
	}
	var exporter sdktrace.SpanExporter
	if cfg.OTelEndpoint != "" {
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.OTelEndpoint)}
		if cfg.OTelInsecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		// The exporter connects lazily and retries in the background: a collector that is
		// down costs dropped spans, never a failed request.
		exp, err := otlptracegrpc.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("PARTNERFLOW_OTEL_ENDPOINT: %w", err)
		}
		exporter = exp
	}
	return newTelemetry(name, exporter)
}

// NewTelemetryWithExporter is NewTelemetry with spans going to exp (tests pass an in-memory
// recorder); nil turns tracing off.
func NewTelemetryWithExporter(serviceName string, exp sdktrace.SpanExporter) (*Telemetry, error) {
	return newTelemetry(serviceName, exp)
}

func newTelemetry(name string, exp sdktrace.SpanExporter) (*Telemetry, error) {
	t := &Telemetry{
		Registry:       prometheus.NewRegistry(),
		TracerProvider: noop.NewTracerProvider(),
		Propagator:     propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		ServiceName:    name,
		shutdownTraces: func(context.Context) error { return nil },
	}
	t.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// The Temporal SDK reports through OpenTelemetry's metrics API; this exporter turns those
	// instruments into Prometheus metrics on the same registry (counters get _total, timers
	// are histograms in seconds).
	promExp, err := otelprom.New(otelprom.WithRegisterer(t.Registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("metrics exporter: %w", err)
	}
	t.temporalMeter = sdkmetric.NewMeterProvider(sdkmetric.WithReader(promExp))

	if exp != nil {
		res := resource.NewSchemaless(semconv.ServiceName(name))
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.TracerProvider, t.shutdownTraces, t.tracing = tp, tp.Shutdown, true
	}
	return t, nil
}

// Tracing reports whether spans are exported.
func (t *Telemetry) Tracing() bool { return t.tracing }

// TemporalMetrics is the SDK metrics handler for client.Options; workers inherit it. What the
// SDK asks it for is built once (sdkMetrics).
func (t *Telemetry) TemporalMetrics(log *slog.Logger) client.MetricsHandler {
	return newSDKMetrics(temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                t.temporalMeter.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		// The default panics; a metric that cannot be created must not take the worker down.
		OnError: func(err error) { log.Warn("temporal metric", "err", err) },
	}))
}

// Shutdown flushes buffered spans and stops the exporters.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	return errors.Join(t.shutdownTraces(ctx), t.temporalMeter.Shutdown(ctx))
}

// Close is Shutdown bounded to a few seconds, so an unreachable collector cannot hold up
// the process's exit.
func (t *Telemetry) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.Shutdown(ctx)
}

// MetricsHandler serves the registry in the Prometheus text format.
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{Registry: t.Registry})
}

// WorkerHandler is what `partnerflow worker` serves on PARTNERFLOW_METRICS_ADDR: /metrics and
// /healthz, which answers 200 while the worker polls its task queue and 503 before it has
// started or once it stopped (a fatal error such as a missing namespace, or shutdown).
func (t *Telemetry) WorkerHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", t.MetricsHandler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !t.workerRunning.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"worker not running"}` + "\n"))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	return mux
}
