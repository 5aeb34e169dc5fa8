package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
)

// campaignReport is GET /v1/campaigns/{id}/report: what a brand has committed, paid and earned.
type campaignReport struct {
	CampaignID   string           `json:"campaign_id"`
	Partnerships int              `json:"partnerships"`
	ByStage      map[string]int   `json:"by_stage"`
	Currencies   []currencyReport `json:"currencies"`
}

// currencyReport holds the money of one currency, in integer minor units; ROI is a ratio,
// (attributed revenue − paid) / paid, absent while nothing is paid.
type currencyReport struct {
	Currency           string   `json:"currency"`
	CommittedFees      int64    `json:"committed_fees_minor"`
	CommittedKillFees  int64    `json:"committed_kill_fees_minor"`
	CommissionsEarned  int64    `json:"commissions_earned_minor"`
	PaidFees           int64    `json:"paid_fees_minor"`
	PaidCommissions    int64    `json:"paid_commissions_minor"`
	PaidKillFees       int64    `json:"paid_kill_fees_minor"`
	PaidTotal          int64    `json:"paid_total_minor"`
	AttributedRevenue  int64    `json:"attributed_revenue_minor"`
	AttributedOrders   int64    `json:"attributed_orders"`
	ReturnOnInvestment *float64 `json:"roi,omitempty"`
}

func (s *Server) campaignReport(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleBrandManager, partnership.RoleFinance, partnership.RoleAdmin); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if _, _, err := s.loadCampaign(ctx, id, c.Param("id")); err != nil {
		return err
	}
	rows, err := s.store.CampaignPartnerships(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	rep := campaignReport{CampaignID: c.Param("id"), Partnerships: len(rows), ByStage: map[string]int{}, Currencies: []currencyReport{}}
	byCurrency := map[string]*currencyReport{}
	cur := func(code string) *currencyReport {
		if byCurrency[code] == nil {
			byCurrency[code] = &currencyReport{Currency: code}
		}
		return byCurrency[code]
	}
	for _, row := range rows {
		rep.ByStage[row.Stage]++
		var st partnership.State
		if err := json.Unmarshal(row.State, &st); err != nil {
			return err
		}
		addState(cur, st)
	}
	for _, r := range byCurrency {
		if r.PaidTotal > 0 {
			roi := float64(r.AttributedRevenue-r.PaidTotal) / float64(r.PaidTotal)
			r.ReturnOnInvestment = &roi
		}
		rep.Currencies = append(rep.Currencies, *r)
	}
	sort.Slice(rep.Currencies, func(i, j int) bool { return rep.Currencies[i].Currency < rep.Currencies[j].Currency })
	return c.JSON(http.StatusOK, rep)
}

// addState adds one partnership: a signed contract commits its fee (per cycle for an
// ambassador); once cancelled, what the cancellation left owed (owedOnCancel); paid amounts
// come from paid payouts of every cycle; revenue and commissions from tracking.
func addState(cur func(string) *currencyReport, st partnership.State) {
	signed := st.Contract.Status == "completed"
	cycles := append(append([]partnership.CycleSummary{}, st.Cycles...),
		partnership.CycleSummary{Payouts: st.Payouts, Tracking: st.Tracking})
	if signed {
		r := cur(st.Terms.Fee.Currency)
		cycleFees := st.Terms.Fee.AmountMinor * int64(max(st.Cycle, 1))
		if st.Stage == partnership.StageCancelled {
			fee, killFee := owedOnCancel(st)
			// The finished cycles' fees were earned before the cancellation.
			cycleFees = st.Terms.Fee.AmountMinor*int64(max(st.Cycle, 1)-1) + fee
			r.CommittedKillFees += killFee
		}
		r.CommittedFees += cycleFees
	}
	for _, cy := range cycles {
		if cy.Tracking.Revenue.Currency != "" {
			r := cur(cy.Tracking.Revenue.Currency)
			r.AttributedRevenue += cy.Tracking.Revenue.AmountMinor
			r.AttributedOrders += cy.Tracking.Conversions
			r.CommissionsEarned += cy.Tracking.Revenue.AmountMinor * st.Terms.CommissionBps / 10_000
		}
		for _, p := range cy.Payouts {
			if p.Status != partnership.PayoutPaid {
				continue
			}
			r := cur(p.Amount.Currency)
			switch p.Kind {
			case partnership.PayoutKindFee:
				r.PaidFees += p.Amount.AmountMinor
			case partnership.PayoutKindCommission:
				r.PaidCommissions += p.Amount.AmountMinor
			case partnership.PayoutKindKillFee:
				r.PaidKillFees += p.Amount.AmountMinor
			}
			r.PaidTotal += p.Amount.AmountMinor
		}
	}
}

// owedOnCancel is what a signed partnership's cancellation left owed of its current cycle: as
// its compensation decided it (cancellation.owed), and for a partnership cancelled before the
// decision was kept, by the rule that compensation applies: the fee when every post was
// delivered and verified or a fee payout was sent (cancelling during tracking cuts the
// commission window short, not the earned fee); otherwise the kill fee, when the brand side
// cancelled (a creator's withdrawal owes none).
func owedOnCancel(st partnership.State) (fee, killFee int64) {
	c := st.Cancellation
	switch {
	case c != nil && c.Owed == partnership.PayoutKindFee:
		return st.Terms.Fee.AmountMinor, 0
	case c != nil && c.Owed == partnership.PayoutKindKillFee:
		return 0, st.Terms.KillFee.AmountMinor
	}
	delivered := len(st.Deliverables) > 0
	for _, d := range st.Deliverables {
		delivered = delivered && d.Status == partnership.DeliverableVerified
	}
	sent := slices.ContainsFunc(st.Payouts, func(p partnership.Payout) bool {
		return p.Kind == partnership.PayoutKindFee && (p.Status == partnership.PayoutProcessing || p.Status == partnership.PayoutPaid)
	})
	switch {
	case (delivered || sent) && st.Terms.Fee.AmountMinor > 0:
		return st.Terms.Fee.AmountMinor, 0
	case c != nil && c.Role != partnership.RoleCreator:
		return 0, st.Terms.KillFee.AmountMinor
	}
	return 0, 0
}
