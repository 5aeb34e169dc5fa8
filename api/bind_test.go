package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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

// rule is a failed validate rule, as fieldMessage reads it.
type rule struct {
	tag, param string
	kind       reflect.Kind
}

func (r rule) Tag() string        { return r.tag }
func (r rule) Param() string      { return r.param }
func (r rule) Kind() reflect.Kind { return r.kind }

// TestEveryValidateTagHasAMessage: every rule a request struct of this package names in its
// validate tags (read from the source, so a new one is caught) fails with words for a client,
// never "is invalid (required_if)".
func TestEveryValidateTagHasAMessage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	tagRE := regexp.MustCompile("validate:\"([^\"]*)\"")
	seen := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		for _, m := range tagRE.FindAllStringSubmatch(string(src), -1) {
			for _, r := range strings.Split(m[1], ",") {
				tag, param, _ := strings.Cut(r, "=")
				if tag == "dive" || tag == "omitempty" || seen[tag] {
					continue
				}
				seen[tag] = true
				for _, kind := range []reflect.Kind{reflect.String, reflect.Int64, reflect.Slice, reflect.Pointer} {
					msg := fieldMessage(rule{tag, param, kind})
					require.NotContains(t, msg, "is invalid", "%s (%s) needs a message", tag, kind)
				}
			}
		}
	}
	require.Contains(t, seen, "required_if", "the source was read")

	for _, c := range []struct {
		r    rule
		want string
	}{
		{rule{"required_if", "Action counter", reflect.Pointer}, "is required when action is counter"},
		{rule{"required_if", "Kind affiliate CommissionBps 0", reflect.Pointer}, "is required when kind is affiliate and commission_bps is 0"},
		{rule{"required_unless", "Kind gifting", reflect.Struct}, "is required unless kind is gifting"},
		{rule{"required_without", "EndsAt", reflect.Int64}, "is required when ends_at is not given"},
		{rule{"excluded_if", "Kind gifting", reflect.Int64}, "must be left out when kind is gifting"},
		{rule{"excluded_with", "PeriodSeconds", reflect.Pointer}, "must be left out when period_seconds is given"},
		{rule{"min", "1", reflect.Slice}, "must have at least 1 element(s)"},
		{rule{"max", "200", reflect.String}, "must have at most 200 character(s)"},
		{rule{"some_new_rule", "", reflect.String}, "is invalid"},
	} {
		require.Equal(t, c.want, fieldMessage(c.r), "%+v", c.r)
	}
}

// TestCounterWithoutTermsSaysWhy: a counter-offer without terms is refused in words, not by
// the rule's name ({"terms":"is invalid (required_if)"} before).
func TestCounterWithoutTermsSaysWhy(t *testing.T) {
	s := newActionServer(t, Config{})
	rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "", `{"action":"counter"}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, map[string]string{"terms": "is required when action is counter"}, decodeProblem(t, rec).Errors)
	require.Empty(t, s.wf.sent())
}
