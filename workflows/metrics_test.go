package workflows_test

import (
	"sync"

	"go.temporal.io/sdk/client"
)

// countingMetrics is a client.MetricsHandler that sums counters by name and tags.
type countingMetrics struct {
	mu     sync.Mutex
	tags   map[string]string
	counts map[string]int64
	root   *countingMetrics
}

func (m *countingMetrics) base() *countingMetrics {
	if m.root != nil {
		return m.root
	}
	return m
}

func (m *countingMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	merged := map[string]string{}
	for k, v := range m.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &countingMetrics{tags: merged, root: m.base()}
}

func (m *countingMetrics) Counter(name string) client.MetricsCounter {
	key := name
	if r := m.tags["role"]; r != "" {
		key += "{role=" + r + "}"
	}
	return counterFunc(func(d int64) {
		b := m.base()
		b.mu.Lock()
		defer b.mu.Unlock()
		b.counts[key] += d
	})
}

func (m *countingMetrics) Gauge(string) client.MetricsGauge {
	return client.MetricsNopHandler.Gauge("")
}
func (m *countingMetrics) Timer(string) client.MetricsTimer {
	return client.MetricsNopHandler.Timer("")
}

// count is the sum of the counter name (with "{role=x}" for a role tag).
func (m *countingMetrics) count(key string) int64 {
	b := m.base()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[key]
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }
