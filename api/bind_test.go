package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBadTimeIsAFieldError: a well-formed body whose time does not parse is a 422 naming the
// field, like any other wrong value, not a 400 "malformed JSON" (encoding/json does not say
// which field a time.Time's parse error came from).
func TestBadTimeIsAFieldError(t *testing.T) {
	s := newActionServer(t, Config{})
	offer := func(endsAt string) string {
		return `{"kind":"ambassador","fee":{"amount_minor":1000,"currency":"USD"},"period_seconds":2592000,` +
			`"ends_at":` + endsAt + `,"deliverables":[{"platform":"instagram","format":"post"}]}`
	}
	for _, endsAt := range []string{`"tomorrow"`, `"2026-13-01T00:00:00Z"`, `5`} {
		rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships", "",
			`{"campaign_id":"camp1","creator_id":"c1","offer":`+offer(endsAt)+`}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		p := decodeProblem(t, rec)
		require.Contains(t, p.Errors, "offer.ends_at", endsAt)

		rec = s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "",
			`{"action":"counter","terms":`+offer(endsAt)+`}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Contains(t, decodeProblem(t, rec).Errors, "terms.ends_at", endsAt)
	}
	require.Empty(t, s.wf.sent(), "nothing reached the workflow")

	// Malformed JSON is still a 400.
	rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "", `{"action":"counter","terms":{`)
	require.Equal(t, http.StatusBadRequest, rec.Code)
}
