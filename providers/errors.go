package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
)

// Application error types, for activity retry policies and for callers inspecting a failure
// with errors.As(err, &*temporal.ApplicationError).
const (
	// ErrTypeRejected: the provider refused the request (4xx other than 404, 408 and 429).
	// Retrying the same request cannot succeed.
	ErrTypeRejected = "ProviderRejected"
	// ErrTypeRefusedInDoubt: the provider refused a keyed request that the client had sent
	// before without learning the outcome (no answer, or a 5xx). The earlier sending may have
	// made what the key names, and a provider answers a repeat of an in-progress or finished
	// key with a refusal of its own (Stripe's 409 idempotency_key_in_use, a 422 when the body
	// was built again from changed data), so the refusal proves nothing was made no more than
	// a timeout does. Not retryable here; callers keep the key (see RefusalInDoubt).
	ErrTypeRefusedInDoubt = "ProviderRefusedInDoubt"
	// ErrTypeRequestInvalid: the client refused to send the request (e.g. no idempotency key).
	ErrTypeRequestInvalid = "ProviderRequestInvalid"
	// ErrTypeResponseInvalid: a 2xx response that is too large or not the expected JSON.
	ErrTypeResponseInvalid = "ProviderResponseInvalid"
)

const maxErrorMessageRunes = 300

// StatusError is a non-2xx answer from a provider. It is returned as is — and so retried by
// Temporal — for 404 (where it matches ErrNotFound), 408, 429 and 5xx; other 4xx become a
// non-retryable ApplicationError of type ErrTypeRejected.
type StatusError struct {
	Provider   string
	Op         string
	StatusCode int
	Message    string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Provider, e.Op, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// Unwrap lets errors.Is(err, ErrNotFound) recognise a 404.
func (e *StatusError) Unwrap() error {
	if e.StatusCode == http.StatusNotFound {
		return ErrNotFound
	}
	return nil
}

// Rejection is the detail attached to an ErrTypeRejected ApplicationError, so a workflow can
// tell, for example, a 409 "already completed" from a 400 without parsing the message.
type Rejection struct {
	Provider   string `json:"provider"`
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
}

// responseError is the one place that decides how a non-2xx provider response surfaces to
// activities: not found, rejected for good, or worth retrying.
func responseError(provider, op string, status int, body []byte) error {
	se := &StatusError{Provider: provider, Op: op, StatusCode: status, Message: providerMessage(body, status)}
	switch {
	case status == http.StatusNotFound:
		return se
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		// Transient by definition; the client has already spent its own retries, so Temporal's
		// activity retry policy takes over.
		return se
	case status >= 400:
		return temporal.NewNonRetryableApplicationError(se.Error(), ErrTypeRejected, nil,
			Rejection{Provider: provider, StatusCode: status, Message: se.Message})
	default:
		// 1xx/3xx are not part of any provider contract; treat them like an outage.
		return se
	}
}

// providerMessage extracts {"error":{"message":...}} (the Stripe and sandbox shape), falling
// back to the status text. It is shortened because it ends up in workflow history; json has
// already replaced any invalid UTF-8.
func providerMessage(body []byte, status int) string {
	var parsed struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := ""
	if json.Unmarshal(body, &parsed) == nil {
		msg = strings.TrimSpace(parsed.Error.Message)
	}
	if msg == "" {
		return http.StatusText(status)
	}
	if utf8.RuneCountInString(msg) > maxErrorMessageRunes {
		msg = string([]rune(msg)[:maxErrorMessageRunes]) + "…"
	}
	return msg
}

func invalidRequest(provider, op, msg string) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s %s: %s", provider, op, msg), ErrTypeRequestInvalid, nil)
}

// invalidResponse is non-retryable: a provider answering 2xx with something unreadable is a
// contract mismatch that another attempt will not fix.
func invalidResponse(provider, op, msg string) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s %s: %s", provider, op, msg), ErrTypeResponseInvalid, nil)
}

func responseTooLarge(provider, op string, limit int64) error {
	return invalidResponse(provider, op, fmt.Sprintf("response larger than %d bytes refused", limit))
}

// RefusalInDoubt turns a refusal (ErrTypeRejected) of a keyed call into ErrTypeRefusedInDoubt,
// with the same Rejection detail. The client does so when an earlier request of the call went
// unanswered, and an activity when an earlier attempt of it did (ended without an answer): callers
// that take a refusal to mean "nothing was made under this key" (a new key next time, a payout
// failed) must not take this one so. Other errors pass through.
func RefusalInDoubt(err error) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeRejected {
		return err
	}
	var rej Rejection
	if appErr.HasDetails() {
		_ = appErr.Details(&rej)
	}
	return temporal.NewNonRetryableApplicationError(
		appErr.Message()+"; an earlier request with this idempotency key got no answer, so what it asked for may exist",
		ErrTypeRefusedInDoubt, nil, rej)
}
