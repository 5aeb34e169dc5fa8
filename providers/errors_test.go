package providers

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestResponseErrorMapping(t *testing.T) {
	tests := []struct {
		status       int
		notFound     bool
		nonRetryable bool
	}{
		{404, true, false},
		{400, false, true},
		{401, false, true},
		{403, false, true},
		{409, false, true},
		{422, false, true},
		{408, false, false},
		{429, false, false},
		{500, false, false},
		{503, false, false},
		{302, false, false},
	}
	for _, tc := range tests {
		err := responseError("commerce", "create discount code", tc.status, []byte(`{"error":{"message":"nope"}}`))
		require.Equal(t, tc.notFound, errors.Is(err, ErrNotFound), "status %d", tc.status)
		var appErr *temporal.ApplicationError
		isApp := errors.As(err, &appErr)
		require.Equal(t, tc.nonRetryable, isApp && appErr.NonRetryable(), "status %d", tc.status)
		require.Contains(t, err.Error(), "commerce", "status %d", tc.status)
		require.Contains(t, err.Error(), "nope", "status %d", tc.status)
	}
}

func TestProviderMessage(t *testing.T) {
	require.Equal(t, "bad amount", providerMessage([]byte(`{"error":{"message":" bad amount "}}`), 400))
	require.Equal(t, "Bad Request", providerMessage([]byte(`{"error":{}}`), 400))
	require.Equal(t, "Bad Request", providerMessage([]byte(`{"error":"flat string"}`), 400))
	require.Equal(t, "Bad Gateway", providerMessage([]byte(`<html>`), 502))
	long := providerMessage([]byte(`{"error":{"message":"`+strings.Repeat("é", 1000)+`"}}`), 400)
	require.Equal(t, maxErrorMessageRunes+1, len([]rune(long)), "shortened with an ellipsis")
}
