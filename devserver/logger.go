package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger adapts the Temporal server's logger interface to slog, so server logs land in
// the same structured stream as the application's.
type serverLogger struct {
	logger *slog.Logger
	level  slog.Level
	// fatal keeps the first Fatal the server logged, shared by every With copy: the server
	// carries on after its logger returns (a listener that could not bind is then nil), and
	// Start names this message instead of the panic that follows.
	fatal *firstFatal
}

type firstFatal struct {
	mu  sync.Mutex
	msg string
}

func (f *firstFatal) set(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.msg == "" {
		f.msg = msg
	}
}

func (f *firstFatal) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}

var _ log.Logger = serverLogger{}

func newServerLogger(l *slog.Logger, level slog.Level) serverLogger {
	return serverLogger{logger: l, level: level, fatal: &firstFatal{}}
}

func (l serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if level < l.level || !l.logger.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	l.logger.LogAttrs(context.Background(), level, msg, attrs...)
}

func (l serverLogger) Debug(msg string, tags ...tag.Tag) { l.log(slog.LevelDebug, msg, tags) }
func (l serverLogger) Info(msg string, tags ...tag.Tag)  { l.log(slog.LevelInfo, msg, tags) }
func (l serverLogger) Warn(msg string, tags ...tag.Tag)  { l.log(slog.LevelWarn, msg, tags) }
func (l serverLogger) Error(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// DPanic, Panic and Fatal are logged as errors: an embedded server must never take the whole
// process down through its logger; the server reports real failures through Start/Stop.
func (l serverLogger) DPanic(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }
func (l serverLogger) Panic(msg string, tags ...tag.Tag)  { l.log(slog.LevelError, msg, tags) }
func (l serverLogger) Fatal(msg string, tags ...tag.Tag) {
	text := msg
	for _, t := range tags {
		text += fmt.Sprintf(" %s=%v", t.Key(), t.Value())
	}
	l.fatal.set(text)
	l.log(slog.LevelError, msg, tags)
}

// With returns a logger with the tags prepended to every entry.
func (l serverLogger) With(tags ...tag.Tag) log.Logger {
	args := make([]any, 0, len(tags))
	for _, t := range tags {
		args = append(args, slog.Any(t.Key(), t.Value()))
	}
	return serverLogger{logger: l.logger.With(args...), level: l.level, fatal: l.fatal}
}
