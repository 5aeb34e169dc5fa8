package providers

import (
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

type attemptsKey struct{}

// countAttempt records, per call, how many attempts were made, for the final log record and
// error message; retryablehttp only knows it internally.
func countAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	if p, ok := req.Context().Value(attemptsKey{}).(*int); ok {
		*p = retry + 1
	}
}

var _ retryablehttp.RequestLogHook = countAttempt
