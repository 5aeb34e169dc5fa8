package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	idempotencyHeader = "Idempotency-Key"
	idempotencyTTL    = 24 * time.Hour
	maxKeyLength      = 255
)

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
		sum := sha256.Sum256(append([]byte(req.Method+" "+req.URL.Path+"\n"), body...))
		hash := hex.EncodeToString(sum[:])
		sub := identity(c).Sub

		ctx, cancel := s.ctx(c)
		defer cancel()
		rec, claimed, err := s.store.ClaimIdempotencyKey(ctx, sub, key, hash, idempotencyTTL)
		if err != nil {
			return err
		}
		if !claimed {
			switch {
			case rec.RequestHash != hash:
				return invalidFields(map[string]string{idempotencyHeader: "was already used with a different request body"})
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

		rw := &recordingWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rw
		err = next(c)
		if err != nil {
			c.Error(err) // render now so the stored response is exactly what the client got
		}
		status := c.Response().Status
		// Keep the key only for definite answers; after a 5xx or a 409 "in progress"-type
		// transient failure the client must be able to retry with the same key.
		bg, cancel2 := context.WithTimeout(context.WithoutCancel(req.Context()), 5*time.Second)
		defer cancel2()
		if status >= 500 || status == http.StatusTooManyRequests {
			_ = s.store.ReleaseIdempotencyKey(bg, sub, key)
			return nil
		}
		if err := s.store.CompleteIdempotencyKey(bg, sub, key, status, rw.buf.Bytes()); err != nil {
			s.log.Warn("could not store idempotent response", "error", err)
		}
		return nil
	}
}

type recordingWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}
