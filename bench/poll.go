package bench

import (
	"context"
	"fmt"
	"time"
)

// pollUntil reads until ok holds, every interval, for at most a minute. Both drivers wait
// through it, so the Partnerflow and baseline sides poll alike and the ratio compares only
// what each system does.
func pollUntil[T any](ctx context.Context, interval time.Duration, what string, read func() (T, error),
	ok func(T) bool, stage func(T) string) (T, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		v, err := read()
		if err != nil {
			return v, err
		}
		if ok(v) {
			return v, nil
		}
		if time.Now().After(deadline) {
			return v, fmt.Errorf("timed out waiting for %s (stage %s)", what, stage(v))
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(interval):
		}
	}
}
