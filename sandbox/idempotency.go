package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// idempotencyHeader names the request header that makes a create safe to retry.
const idempotencyHeader = "Idempotency-Key"

const maxIdempotencyKeyLen = 255

// createFunc validates a decoded request and, only if it is valid, mutates the state. It runs
// with s.mu held and returns the status and body to answer with.
type createFunc func() (int, any, *apiError)

// serveCreate runs create at most once per idempotency key within scope (one provider): a
// repeat with the same body gets the stored response byte for byte, a repeat with a different
// body is refused. Only successful creates are remembered, like Stripe, so a request fixed
// after a validation error can reuse its key. A request without a key is simply not
// deduplicated, as with the real providers.
func (s *Sandbox) serveCreate(w http.ResponseWriter, r *http.Request, scope string, body []byte, create createFunc) {
	key := r.Header.Get(idempotencyHeader)
	if len(key) > maxIdempotencyKeyLen {
		writeError(w, errorf(http.StatusBadRequest, idempotencyHeader+" is longer than 255 characters"))
		return
	}
	fp := fingerprint(r.Method, r.URL.Path, body)
	recordKey := scope + ":" + key

	s.mu.Lock()
	defer s.mu.Unlock()

	if key != "" {
		if rec, ok := s.st.Idempotency[recordKey]; ok {
			if rec.Fingerprint != fp {
				writeError(w, errorf(http.StatusUnprocessableEntity, "idempotency key reused with a different body"))
				return
			}
			w.Header().Set("Idempotent-Replayed", "true")
			writeRawJSON(w, rec.Status, rec.Body)
			return
		}
	}

	status, resp, apiErr := create()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	data, err := json.Marshal(resp)
	if err != nil {
		s.rollbackLocked()
		writeError(w, errorf(http.StatusInternalServerError, "internal error"))
		return
	}
	if key != "" {
		s.st.Idempotency[recordKey] = &idempotencyRecord{Fingerprint: fp, Status: status, Body: data, CreatedAt: now()}
	}
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	writeRawJSON(w, status, data)
}

var errStateNotSaved = errorf(http.StatusInternalServerError, "sandbox state could not be saved")

// fingerprint identifies a request by endpoint and meaning rather than bytes: the body is
// re-encoded so key order and whitespace do not count as "a different body".
func fingerprint(method, path string, body []byte) string {
	canonical := body
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canonical = b
		}
	}
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}
