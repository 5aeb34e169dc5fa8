package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// statusClientClosed answers a request whose client went away before it was done (nginx's
// 499); nobody reads it, but it keeps such requests apart from server errors in the logs.
const statusClientClosed = 499

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
	// Stage is the partnership's current stage on a 409.
	Stage partnership.Stage `json:"stage,omitempty"`
	// RequestID ties the answer to the server's logs.
	RequestID string `json:"request_id,omitempty"`
	// Checks says which dependency is down, on a 503 from /readyz.
	Checks map[string]string `json:"checks,omitempty"`
}

// problemError is a Problem that handlers return as an error.
type problemError struct{ p Problem }

func (e *problemError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.p.Status, e.p.Title, e.p.Detail)
}

func problem(status int, detail string) *problemError {
	return &problemError{Problem{Type: typeFor(status), Title: http.StatusText(status), Status: status, Detail: detail}}
}

func conflictAt(stage partnership.Stage, detail string) *problemError {
	p := problem(http.StatusConflict, detail)
	p.p.Stage = stage
	return p
}

func invalidFields(errs map[string]string) *problemError {
	p := problem(http.StatusUnprocessableEntity, "the request has invalid fields")
	p.p.Errors = errs
	return p
}

func notFound(what string) *problemError { return problem(http.StatusNotFound, what+" not found") }

func typeFor(status int) string {
	slug := strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-"))
	if slug == "" {
		slug = "error"
	}
	return "https://partnerflow.dev/problems/" + slug
}

// handleError is the single place every error becomes a response: problem+json, with no
// internal message ever reaching the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.toProblem(err, c)
	p.Instance = c.Request().URL.Path
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "status", p.Status, "path", c.Path(), "request_id", p.RequestID, "error", err)
	}
	if p.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	_ = c.JSONBlob(0, mustMarshal(p))
}

func (s *Server) toProblem(err error, c echo.Context) Problem {
	var pe *problemError
	if errors.As(err, &pe) {
		return pe.p
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		detail := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			detail = "no such route"
		case http.StatusMethodNotAllowed:
			detail = "method not allowed on this route"
		case http.StatusRequestEntityTooLarge:
			detail = "the request body is larger than 1 MiB"
		case http.StatusUnauthorized:
			detail = "a valid bearer token is required"
		}
		// A message of Echo's own (its sentinel errors carry the status text) says less.
		if m, ok := he.Message.(string); ok && he.Code < 500 && he.Code != http.StatusNotFound && m != http.StatusText(he.Code) {
			detail = m
		}
		return problem(he.Code, detail).p
	}
	switch {
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, errTemporalUnavailable),
		errors.Is(err, context.DeadlineExceeded):
		return problem(http.StatusServiceUnavailable, "a dependency is unavailable; retry shortly").p
	case errors.Is(err, store.ErrNotFound):
		return problem(http.StatusNotFound, "not found").p
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, "the request conflicts with existing data").p
	case errors.Is(err, context.Canceled):
		return problem(statusClientClosed, "client closed the request").p
	}
	// An unknown error from the database driver usually means it is unreachable; never 500
	// with internals. Anything else is a bug, reported as 500 without details.
	if s.store != nil && s.store.Ping(c.Request().Context()) != nil {
		return problem(http.StatusServiceUnavailable, "the database is unavailable; retry shortly").p
	}
	return problem(http.StatusInternalServerError, "internal error; the request id identifies it in the logs").p
}

func mustMarshal(p Problem) []byte {
	raw, err := json.Marshal(p)
	if err != nil {
		return []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
	}
	return raw
}
