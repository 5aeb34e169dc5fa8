package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTypeErrorFieldNamesTheElement: a value of the wrong type inside an array is named with
// its element's index, as the other 422s name fields; elsewhere the name stays as
// encoding/json gives it.
func TestTypeErrorFieldNamesTheElement(t *testing.T) {
	type account struct {
		Platform string `json:"platform"`
		Handle   string `json:"handle"`
	}
	type deliverable struct {
		Platform string `json:"platform"`
	}
	type body struct {
		Name     string    `json:"name"`
		Accounts []account `json:"accounts"`
		Offer    struct {
			Deliverables []deliverable `json:"deliverables"`
			Tags         [][]string    `json:"tags"`
		} `json:"offer"`
	}
	for _, tc := range []struct{ raw, want string }{
		{`{"accounts":[{"platform":"instagram","handle":7}]}`, "accounts[0].handle"},
		{`{"accounts":[{"platform":"instagram","handle":"a"},{"handle":"b","platform":["x"]}]}`, "accounts[1].platform"},
		{`{"name":"x","offer":{"deliverables":[{"platform":"tiktok"},{"platform":"x"},{"platform":{"a":1}}]}}`, "offer.deliverables[2].platform"},
		{`{"offer":{"tags":[["a"],["b",3]]}}`, "offer.tags[1][1]"},
		{`{"name":5,"accounts":[]}`, "name"},
		{`{"accounts":{"platform":"x"}}`, "accounts"},
	} {
		var b body
		err := json.Unmarshal([]byte(tc.raw), &b)
		var typ *json.UnmarshalTypeError
		require.True(t, errors.As(err, &typ), "%s: %v", tc.raw, err)
		require.Equal(t, tc.want, typeErrorField([]byte(tc.raw), typ), tc.raw)
	}
}

// TestWrongTypeInAnArrayIsNamedByIndex: over HTTP, a deliverable whose platform is a number is
// a 422 naming that deliverable, and nothing reaches the workflow.
func TestWrongTypeInAnArrayIsNamedByIndex(t *testing.T) {
	s := newActionServer(t, Config{})
	rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships", "",
		`{"campaign_id":"camp1","creator_id":"c1","offer":{"kind":"one_off","fee":{"amount_minor":1000,"currency":"USD"},`+
			`"deliverables":[{"platform":"instagram","format":"post"},{"platform":7,"format":"post"}]}}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Contains(t, decodeProblem(t, rec).Errors, "offer.deliverables[1].platform")
	require.Empty(t, s.wf.sent())
}
