package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	idempotencyHeader = "Idempotency-Key"
	idempotencyTTL    = 24 * time.Hour
	maxKeyLength      = 255
	// abandonedClaimMargin is how long past the request timeout a key's "in progress" claim
	// is still honoured: it covers storing the response after the handler returns, clock
	// skew between API replicas and pauses of the process. Past it the claim's request is
	// presumed dead (the process was killed) and a retry takes the key over.
	abandonedClaimMargin = time.Minute
)

// requestHash identifies a request for its Idempotency-Key: its method, path and body.
func requestHash(method, path string, body []byte) string {
	sum := sha256.Sum256(append([]byte(method+" "+path+"\n"), body...))
	return hex.EncodeToString(sum[:])
}

// canonicalJSON is a JSON body in one spelling (no insignificant whitespace, object members
// sorted, numbers as written), so that a retry that re-encodes the same body is the same
// request; a body that is not one JSON value is compared as it is.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	if _, err := dec.Token(); err != io.EOF { // anything after the value
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// idempotency makes every POST with an Idempotency-Key safe to retry: the first response is
// stored and replayed for the same key and body; the same key with another body is a 422;
// a concurrent duplicate gets a 409 while the first is still running. Workflow Updates also
// derive their Update ID from the key (actionUpdateID), so even a lost response never applies
// an action twice.
func (s *Server) idempotency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get(idempotencyHeader)
		if req.Method != http.MethodPost || key == "" {
			return next(c)
		}
		if len(key) > maxKeyLength {
			return invalidFields(map[string]string{idempotencyHeader: "must be at most 255 characters"})
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return readError(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		hash, legacy := requestHash(req.Method, req.URL.Path, canonicalJSON(body)), requestHash(req.Method, req.URL.Path, body)
		sub := identity(c).Sub

		ctx, cancel := s.ctx(c)
		defer cancel()
		rec, claimed, err := s.store.ClaimIdempotencyKey(ctx, sub, key, hash, idempotencyTTL, s.claimAbandonAfter)
		if err != nil {
			return err
		}
		if !claimed {
			switch {
			case rec.RequestHash != hash && rec.RequestHash != legacy: // legacy: claims made before bodies were canonical
				return keyReused()
			case rec.Status == 0:
				return problem(http.StatusConflict, "a request with this Idempotency-Key is still in progress")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			ct := echo.MIMEApplicationJSON
			if rec.Status >= 400 {
				ct = "application/problem+json"
			}
			return c.Blob(rec.Status, ct, rec.Response)
		}

		// The record is written after the client may have gone, so not under its context.
		client := req.Context()
		settle := func(complete bool, status int, response []byte) {
			bg, cancel := context.WithTimeout(context.WithoutCancel(client), 5*time.Second)
			defer cancel()
			if !complete {
				_ = s.store.ReleaseIdempotencyKey(bg, sub, key, rec.CreatedAt)
				return
			}
			if err := s.store.CompleteIdempotencyKey(bg, sub, key, rec.CreatedAt, status, response); err != nil {
				s.log.Warn("could not store idempotent response", "error", err)
			}
		}
		answered := false
		defer func() {
			if !answered {
				// The handler panicked (recoverPanics, further out, still answers 500 as the
				// panic goes on) or its goroutine exited: nothing definite was answered, and
				// the claim would refuse every retry for its 24 h.
				settle(false, 0, nil)
			}
		}()
		// The whole request, not only each step of it, ends by the request timeout, so that a
		// claim older than claimAbandonAfter can only be one whose process is gone.
		whole, cancelWhole := context.WithTimeout(client, s.cfg.RequestTimeout)
		defer cancelWhole()
		c.SetRequest(req.WithContext(whole))

		rw := &recordingWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rw
		err = next(c)
		if err != nil {
			c.Error(err) // render now so the stored response is exactly what the client got
		}
		answered = true
		status := c.Response().Status
		// Keep the key only for definite answers; after a 5xx or a 429 the client must be able
		// to retry with the same key. So too when the client went away (499, or an error
		// answered after it left): that error may be the cancellation's by-product and nobody
		// read it. A success is kept even then: its effects happened, and only the stored
		// response stops the retry from repeating them.
		// Nor is a handler's finding that the key was used before with another body (see
		// keyReused) an answer to store: the key stays the first body's.
		gone := status == statusClientClosed || (client.Err() != nil && status >= 400)
		var reused *keyReusedError
		keep := !(status >= 500 || status == http.StatusTooManyRequests || gone || errors.As(err, &reused))
		settle(keep, status, rw.buf.Bytes())
		return nil
	}
}

// keyReusedError is the 422 for an Idempotency-Key already used with another request: another
// body, or the same body sent to another path (keys are the caller's, across paths).
// The middleware answers it itself while the key's record holds the first body's hash; a
// handler answers it when the record is gone (a 5xx released it) but what the first body
// made is still there (createTarget). Either way the key is not settled with it.
type keyReusedError struct{ p *problemError }

func (e *keyReusedError) Error() string { return e.p.Error() }
func (e *keyReusedError) Unwrap() error { return e.p }

func keyReused() *keyReusedError {
	return &keyReusedError{invalidFields(map[string]string{idempotencyHeader: "was already used for a different request (another path or body)"})}
}

type recordingWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}
