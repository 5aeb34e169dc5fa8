package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
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

// TestBodyMustBeAnObject: every JSON body is an object, so any other JSON value is a 400
// saying so, `null` included (it used to decode into the zero struct and come back as 422s on
// the required fields). An optional body may be left out, and `null` is that.
func TestBodyMustBeAnObject(t *testing.T) {
	s := newActionServer(t, Config{})
	s.wf.answer = approved
	routes := []struct {
		id   auth.Identity
		path string
	}{
		{brandManager, "/v1/partnerships"},
		{brandManager, "/v1/partnerships/p1/cancel"},
		{brandManager, "/v1/partnerships/p1/negotiation"},
		{brandManager, "/v1/disclosure/check"},
		{financeB, approvePath},
	}
	for _, r := range routes {
		for _, body := range []string{`null`, ` null `, `[]`, `[{}]`, `"x"`, `1`, `true`} {
			if r.path == approvePath && strings.TrimSpace(body) == "null" {
				continue
			}
			rec := s.do(t, r.id, http.MethodPost, r.path, "", body)
			require.Equal(t, http.StatusBadRequest, rec.Code, "%s %s: %s", r.path, body, rec.Body.String())
			require.Equal(t, "the body must be a JSON object", decodeProblem(t, rec).Detail)
		}
	}
	require.Empty(t, s.wf.sent(), "nothing reached the workflow")

	// The payout approval's body is optional: none, or null, approves without a reason.
	for _, body := range []string{``, `null`, `{}`} {
		rec := s.do(t, financeC, http.MethodPost, approvePath, "", body)
		require.Equal(t, http.StatusOK, rec.Code, "%q: %s", body, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodPost, approvePath, io.NopCloser(strings.NewReader("")))
	req.ContentLength = -1 // chunked, and empty
	rec := s.doRequest(t, financeC, "", req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}
