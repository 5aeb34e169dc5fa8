package service

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.temporal.io/sdk/client"
)

// sdkMetrics remembers what the Temporal SDK asks its metrics handler for. The SDK tags a
// handler afresh for every task it runs (WithTags with the workflow or activity type) and
// asks it for the same counters and timers each time; the OpenTelemetry handler builds a new
// attribute set and looks the instrument up on every such call. That was about 2% of the
// worker's CPU under `partnerflow bench` (docs/benchmarks.md). Here each distinct tag set and
// instrument name is built once. Tags and names come from a small fixed vocabulary (task
// queue, workflow and activity types, operation names), the same one the exporter keeps a
// series for; maxTaggedHandlers bounds them all the same.
type sdkMetrics struct {
	inner client.MetricsHandler
	// tagged counts the handlers remembered in the whole tree, against maxTaggedHandlers.
	tagged   *atomic.Int64
	children sync.Map // tagKey → *sdkMetrics
	counters sync.Map // name → client.MetricsCounter
	gauges   sync.Map // name → client.MetricsGauge
	timers   sync.Map // name → client.MetricsTimer
}

const maxTaggedHandlers = 4096

func newSDKMetrics(inner client.MetricsHandler) *sdkMetrics {
	return &sdkMetrics{inner: inner, tagged: new(atomic.Int64)}
}

// Unwrap is the SDK's convention for a handler that wraps another.
func (m *sdkMetrics) Unwrap() client.MetricsHandler { return m.inner }

// WithTags returns the handler for these tags added to m's, the same one every time.
func (m *sdkMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	key := tagKey(tags)
	if h, ok := m.children.Load(key); ok {
		return h.(*sdkMetrics)
	}
	child := &sdkMetrics{inner: m.inner.WithTags(tags), tagged: m.tagged}
	if m.tagged.Load() >= maxTaggedHandlers {
		return child // used once and forgotten
	}
	h, loaded := m.children.LoadOrStore(key, child)
	if !loaded {
		m.tagged.Add(1)
	}
	return h.(*sdkMetrics)
}

// Counter returns the counter of that name, the same one every time.
func (m *sdkMetrics) Counter(name string) client.MetricsCounter {
	return remembered(&m.counters, name, m.inner.Counter)
}

// Gauge returns the gauge of that name, the same one every time.
func (m *sdkMetrics) Gauge(name string) client.MetricsGauge {
	return remembered(&m.gauges, name, m.inner.Gauge)
}

// Timer returns the timer of that name, the same one every time.
func (m *sdkMetrics) Timer(name string) client.MetricsTimer {
	return remembered(&m.timers, name, m.inner.Timer)
}

func remembered[T any](cache *sync.Map, name string, build func(string) T) T {
	if v, ok := cache.Load(name); ok {
		return v.(T)
	}
	v, _ := cache.LoadOrStore(name, build(name))
	return v.(T)
}

// tagKey writes a tag set the same way whatever the map's order, each key and value
// prefixed with its length so that no two sets share a key.
func tagKey(tags map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		for _, s := range [2]string{k, tags[k]} {
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		}
	}
	return b.String()
}
