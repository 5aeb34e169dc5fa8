package api

import (
	"errors"
	"testing"
)

// FuzzDecodeJSON: the request decoder never panics, and every refusal is a 4xx problem, never
// an internal error.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"action":"accept"}`, `{"action":"counter","terms":{"kind":"one_off","fee":{"amount_minor":5,"currency":"USD"}}}`,
		``, `{`, `[]`, `null`, `{"action":7}`, `{"a":1} {"b":2}`, `{"fee":{"amount_minor":1e99}}`, "\x00\xff", `"str"`,
		`{"deliverables":[{"platform":"x","format":"post"}]}`, `{"offer":{"deliverables":[{"platform":7},[1]]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req createPartnershipRequest
		err := decodeJSON(body, &req)
		if err == nil {
			return
		}
		var pe *problemError
		if !errors.As(err, &pe) {
			t.Fatalf("decode error is not a problem: %v", err)
		}
		if pe.p.Status < 400 || pe.p.Status >= 500 {
			t.Fatalf("decode refusal with status %d", pe.p.Status)
		}
		// Validation after a successful decode must not panic either.
		_ = newValidator().Validate(&req)
	})
}
