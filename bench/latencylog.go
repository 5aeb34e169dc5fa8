package bench

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"time"
)

// processStart stands for when the process started: package variables are set before main
// runs, within milliseconds of the runtime's start, which is the clock of the "@…s" in
// GODEBUG=gctrace=1's lines.
var processStart = time.Now()

// LatencyLogHeader is the first line of a latency log.
const LatencyLogHeader = "level,side,slice,due_s,latency_ms,failed"

// latencyLog writes one CSV line per measured action (`bench updates --latency-log`): its
// level ("C=16", "200/s"), side ("partnerflow", "baseline"), measured slice (1, 2 …), when it
// was due in seconds since the process started, its latency in milliseconds and whether it
// failed. The tail of a run can then be lined up with what else the process did at the time,
// the garbage collector's mark phases for one. A nil *latencyLog writes nothing.
type latencyLog struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error // the first write error; later lines are dropped
}

func newLatencyLog(w io.Writer) *latencyLog {
	if w == nil {
		return nil
	}
	l := &latencyLog{w: bufio.NewWriter(w)}
	_, l.err = l.w.WriteString(LatencyLogHeader + "\n")
	return l
}

func (l *latencyLog) add(level, side string, slice int, due time.Time, took time.Duration, failed bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	_, l.err = fmt.Fprintf(l.w, "%s,%s,%d,%.6f,%.3f,%t\n", level, side, slice,
		due.Sub(processStart).Seconds(), float64(took)/float64(time.Millisecond), failed)
}

// flush writes out what is buffered and reports the first error of any write.
func (l *latencyLog) flush() error {
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
