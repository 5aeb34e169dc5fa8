package providers

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/hashicorp/go-retryablehttp"
)

// leveledLogger adapts slog to retryablehttp. Everything is logged at Debug: a failed attempt
// is not an error until the retries are spent, and then the activity reports it anyway.
//
// retryablehttp logs full URLs and error strings that embed them; query strings are removed
// because they can carry personal data (permalinks, codes). Bodies and headers are never
// passed to the logger by the library.
type leveledLogger struct {
	log *slog.Logger
}

var _ retryablehttp.LeveledLogger = leveledLogger{}

func (l leveledLogger) Error(msg string, kv ...any) { l.log.Debug(msg, scrub(kv)...) }
func (l leveledLogger) Info(msg string, kv ...any)  { l.log.Debug(msg, scrub(kv)...) }
func (l leveledLogger) Debug(msg string, kv ...any) { l.log.Debug(msg, scrub(kv)...) }
func (l leveledLogger) Warn(msg string, kv ...any)  { l.log.Debug(msg, scrub(kv)...) }

var queryString = regexp.MustCompile(`\?[^\s"']*`)

func scrub(kv []any) []any {
	out := make([]any, len(kv))
	for i, v := range kv {
		switch x := v.(type) {
		case string:
			out[i] = queryString.ReplaceAllString(x, "")
		case error:
			out[i] = queryString.ReplaceAllString(x.Error(), "")
		default:
			out[i] = v
		}
	}
	return out
}

type traceKey struct{}

// callTrace is what one call's requests did, which retryablehttp only knows internally: how
// many were sent (for the final log record and error message), and whether one of them may
// have been carried out without our learning its outcome (see RefusalInDoubt).
type callTrace struct {
	requests int
	// unanswered: a request before the last got no answer (a transport error, a timeout) or a
	// 5xx, so the provider may have acted on it.
	unanswered bool
}

func traceOf(ctx context.Context) *callTrace {
	if t, ok := ctx.Value(traceKey{}).(*callTrace); ok {
		return t
	}
	return &callTrace{}
}

// countAttempt records, per call, how many requests were sent.
func countAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	traceOf(req.Context()).requests = retry + 1
}

var _ retryablehttp.RequestLogHook = countAttempt
