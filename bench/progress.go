package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a one-line progress bar (carriage return, no newline until finished) at
// most five times a second. A nil writer draws nothing.
type progress struct {
	w     io.Writer
	total int64
	done  atomic.Int64
	start time.Time

	mu    sync.Mutex
	label string
	last  time.Time
	ended bool
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: int64(max(total, 1)), start: time.Now()}
}

func (p *progress) phase(label string) {
	p.mu.Lock()
	p.label = label
	p.mu.Unlock()
	p.draw(true)
}

func (p *progress) add(n int) {
	p.done.Add(int64(n))
	p.draw(false)
}

func (p *progress) draw(force bool) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended || (!force && time.Since(p.last) < 200*time.Millisecond) {
		return
	}
	p.last = time.Now()
	fmt.Fprint(p.w, "\r"+Bar(p.done.Load(), p.total, 30)+" "+p.label+strings.Repeat(" ", 8))
}

func (p *progress) finish() {
	if p == nil || p.w == nil {
		return
	}
	p.draw(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ended {
		p.ended = true
		fmt.Fprintln(p.w)
	}
}

// Bar renders done/total as "[#####.....] 50/100  50%" with width cells.
func Bar(done, total int64, width int) string {
	if total <= 0 {
		total = 1
	}
	done = min(max(done, 0), total)
	filled := int(done * int64(width) / total)
	return fmt.Sprintf("[%s%s] %d/%d %3d%%", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, done*100/total)
}
