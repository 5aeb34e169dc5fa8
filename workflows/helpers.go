package workflows

import (
	"encoding/json"
	"errors"

	"go.temporal.io/sdk/temporal"
)

func mustJSON(v any) json.RawMessage {
	raw, _ := json.Marshal(v) //workflowcheck:ignore (deterministic for plain data: map keys are sorted)
	return raw
}

// rootMessage is the innermost application error's message: what a person can act on,
// without Temporal's activity-failure wrapping.
func rootMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}
