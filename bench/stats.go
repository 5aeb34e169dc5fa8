package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Percentile returns the p-th percentile (0–100) of xs by the nearest-rank method: the
// smallest value with at least p% of the samples at or below it. It returns 0 for no samples.
// xs is not modified.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Median is the middle value of xs (the mean of the two middle values for an even count),
// or 0 for no samples. Rounds are few, so the exact median is used, not a nearest rank.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Latencies collects durations from many goroutines.
type Latencies struct {
	mu sync.Mutex
	ms []float64
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.ms = append(l.ms, float64(d)/float64(time.Millisecond))
	l.mu.Unlock()
}

// Millis returns a copy of every recorded duration in milliseconds.
func (l *Latencies) Millis() []float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ms)
}

// Reset forgets every recorded duration.
func (l *Latencies) Reset() {
	l.mu.Lock()
	l.ms = l.ms[:0]
	l.mu.Unlock()
}
