package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOfferMoneyFitsItsKind: an affiliate offer without a commission (a deal worth nothing,
// accepted before), a gifting offer with a fee, and a one-off or ambassador offer paying
// nothing are 422s naming the field, on an offer as on a counter-offer; offers that make
// sense pass.
func TestOfferMoneyFitsItsKind(t *testing.T) {
	s := newActionServer(t, Config{})
	const deliverables = `"deliverables":[{"platform":"instagram","format":"post"}]`
	fee := func(minor string) string { return `"fee":{"amount_minor":` + minor + `,"currency":"USD"}` }
	refused := []struct{ terms, field, msg string }{
		{`{"kind":"affiliate",` + fee("0") + `,` + deliverables + `}`, "commission_bps",
			"is required for an affiliate partnership, which pays a commission on sales: at least 1 basis point"},
		{`{"kind":"affiliate",` + fee("5000") + `,"commission_bps":0,` + deliverables + `}`, "commission_bps",
			"is required for an affiliate partnership, which pays a commission on sales: at least 1 basis point"},
		{`{"kind":"gifting",` + fee("5000") + `,` + deliverables + `}`, "fee.amount_minor",
			"must be 0 for a gifting partnership, which pays in product (a one_off partnership pays a fee)"},
		{`{"kind":"one_off",` + fee("0") + `,` + deliverables + `}`, "fee.amount_minor",
			"must be above 0 for a one-off partnership without a commission (product alone is a gifting partnership)"},
	}
	for _, tc := range refused {
		rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships", "",
			`{"campaign_id":"camp1","creator_id":"c1","offer":`+tc.terms+`}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s: %s", tc.terms, rec.Body.String())
		require.Equal(t, map[string]string{"offer." + tc.field: tc.msg}, decodeProblem(t, rec).Errors, tc.terms)

		rec = s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "", `{"action":"counter","terms":`+tc.terms+`}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "%s: %s", tc.terms, rec.Body.String())
		require.Equal(t, map[string]string{"terms." + tc.field: tc.msg}, decodeProblem(t, rec).Errors, tc.terms)
	}
	require.Empty(t, s.wf.sent(), "no refused terms reached a workflow")

	for _, terms := range []string{
		`{"kind":"affiliate",` + fee("0") + `,"commission_bps":1000,` + deliverables + `}`,
		`{"kind":"affiliate",` + fee("5000") + `,"commission_bps":500,` + deliverables + `}`,
		`{"kind":"gifting",` + fee("0") + `,` + deliverables + `}`,
		`{"kind":"one_off",` + fee("0") + `,"commission_bps":1000,` + deliverables + `}`,
		`{"kind":"one_off",` + fee("5000") + `,` + deliverables + `}`,
	} {
		rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships/p1/negotiation", "", `{"action":"counter","terms":`+terms+`}`)
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", terms, rec.Body.String())
	}
}
