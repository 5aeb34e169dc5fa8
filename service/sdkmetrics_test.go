package service

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// TestSDKMetricsBuildsEachTagSetOnce checks that the remembered handlers record what the
// OpenTelemetry handler would, under the right attributes, and that equal tag sets share a
// handler whatever the map's order.
func TestSDKMetricsBuildsEachTagSetOnce(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test")
	m := newSDKMetrics(temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{Meter: meter, UseMonotonicCounters: true}))

	wf := m.WithTags(map[string]string{"namespace": "default", "workflow_type": "Partnership"})
	require.Same(t, wf, m.WithTags(map[string]string{"workflow_type": "Partnership", "namespace": "default"}))
	other := m.WithTags(map[string]string{"namespace": "default", "workflow_type": "Other"})
	require.NotSame(t, wf, other)
	// Length prefixes keep sets that would concatenate alike apart.
	require.NotEqual(t, tagKey(map[string]string{"ab": "c"}), tagKey(map[string]string{"a": "bc"}))
	wf.Counter("tasks")
	_, kept := wf.(*sdkMetrics).counters.Load("tasks")
	require.True(t, kept, "the counter is built once and kept")

	wf.Counter("tasks").Inc(2)
	m.WithTags(map[string]string{"workflow_type": "Partnership", "namespace": "default"}).Counter("tasks").Inc(1)
	other.Counter("tasks").Inc(5)
	wf.WithTags(map[string]string{"activity_type": "Record"}).Timer("latency").Record(3 * time.Millisecond)
	wf.Gauge("slots").Update(7)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	enc := attribute.DefaultEncoder()
	got := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			got[mt.Name] = map[string]float64{}
			switch d := mt.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					got[mt.Name][p.Attributes.Encoded(enc)] = float64(p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					got[mt.Name][p.Attributes.Encoded(enc)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					got[mt.Name][p.Attributes.Encoded(enc)] = float64(p.Count)
				}
			}
		}
	}
	attrs := func(kv ...string) string {
		var a []attribute.KeyValue
		for i := 0; i < len(kv); i += 2 {
			a = append(a, attribute.String(kv[i], kv[i+1]))
		}
		set := attribute.NewSet(a...)
		return set.Encoded(enc)
	}
	partnership := attrs("namespace", "default", "workflow_type", "Partnership")
	require.Equal(t, map[string]float64{partnership: 3, attrs("namespace", "default", "workflow_type", "Other"): 5}, got["tasks"])
	require.Equal(t, map[string]float64{partnership: 7}, got["slots"])
	require.Equal(t, map[string]float64{
		attrs("namespace", "default", "workflow_type", "Partnership", "activity_type", "Record"): 1}, got["latency"])
}

// TestSDKMetricsForgetsBeyondItsBound checks that once maxTaggedHandlers are remembered, new tag
// sets still get a working handler but are not kept.
func TestSDKMetricsForgetsBeyondItsBound(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test")
	m := newSDKMetrics(temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{Meter: meter}))
	m.tagged.Store(maxTaggedHandlers)
	h := m.WithTags(map[string]string{"k": "v"})
	require.NotSame(t, h, m.WithTags(map[string]string{"k": "v"}))
	h.Counter("c").Inc(1)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	require.Equal(t, "c", rm.ScopeMetrics[0].Metrics[0].Name)
}
