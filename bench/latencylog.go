package bench

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"
)

// logClock is the latency log's zero: when this package was initialised, some tens of
// milliseconds after the runtime started (GODEBUG=gctrace=1 counts its "@…s" from there).
// AnchorLatencyClock measures the difference in a run.
var logClock = time.Now()

// LatencyLogHeader is the first line of a latency log.
const LatencyLogHeader = "level,side,slice,due_s,latency_ms,failed"

// LatencyLog writes one CSV line per measured action (`bench updates --latency-log`): its
// level ("C=16", "200/s"), side ("partnerflow", "baseline"), measured slice (1, 2 …), when it
// was due in seconds on the log's clock, its latency in milliseconds and whether it failed.
// The tail of a run can then be lined up with what else the process did at the time, the
// garbage collector's cycles for one (AnchorLatencyClock). A nil *LatencyLog writes nothing.
type LatencyLog struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error // the first write error; later lines are dropped
}

// NewLatencyLog starts a latency log on w with its header.
func NewLatencyLog(w io.Writer) *LatencyLog {
	l := &LatencyLog{w: bufio.NewWriter(w)}
	_, l.err = l.w.WriteString(LatencyLogHeader + "\n")
	return l
}

func (l *LatencyLog) add(level, side string, slice int, due time.Time, took time.Duration, failed bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	_, l.err = fmt.Fprintf(l.w, "%s,%s,%d,%.6f,%.3f,%t\n", level, side, slice,
		due.Sub(logClock).Seconds(), float64(took)/float64(time.Millisecond), failed)
}

// Flush writes out what is buffered and reports the first error of any write.
func (l *LatencyLog) Flush() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = l.w.Flush()
	}
	return l.err
}

// AnchorLatencyClock forces a garbage collection and returns when it started, in seconds on
// the latency log's clock. With GODEBUG=gctrace=1 the collection's line ends in "(forced)"
// and starts with its time on the runtime's clock ("@…s"); the difference is what to add to
// the log's due times to line them up with the trace. A first collection finishes any cycle
// under way, so that the second starts when it is asked to.
func AnchorLatencyClock() float64 {
	runtime.GC()
	at := time.Since(logClock).Seconds()
	runtime.GC()
	return at
}
