package bench

import (
	"log/slog"

	sdklog "go.temporal.io/sdk/log"
)

func newSDKLogger(log *slog.Logger) sdklog.Logger {
	return sdklog.NewStructuredLogger(log.With("component", "temporal-sdk"))
}
