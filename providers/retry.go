package providers

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry retries transport errors (including timeouts) and the statuses that mean "try
// again later": 408, 429 and 5xx. Every other answer is final.
// It also notes, for RefusalInDoubt, a request the provider may have acted on without our
// learning the outcome: no answer, or a 5xx (408 and 429 say the request was not processed).
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil || resp.StatusCode >= 500 {
		traceOf(ctx).unanswered = true
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return true, nil
	}
	return retryableStatus(resp.StatusCode), nil
}

func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// backoffHonoringRetryAfter waits what the provider asks for in Retry-After, but never longer
// than maxRetryAfter: an activity must not sit idle for minutes inside one attempt when
// Temporal can schedule the retry durably instead. Without the header it backs off
// exponentially with jitter between min and max.
func backoffHonoringRetryAfter(maxRetryAfter time.Duration) retryablehttp.Backoff {
	return func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil {
			if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				return min(d, maxRetryAfter)
			}
		}
		return exponentialJitter(minWait, maxWait, attempt)
	}
}

// parseRetryAfter understands both forms of the header: delay seconds and an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamp before converting so a huge value cannot overflow into a negative duration.
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// exponentialJitter returns a wait in [d/2, d] where d doubles per attempt from minWait and is
// capped at maxWait; the jitter keeps many workers from retrying in lockstep.
func exponentialJitter(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
