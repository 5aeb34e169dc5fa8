package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// payoutItem is one row of the payout list: the payout as the partnership state shows it,
// plus whose it is.
type payoutItem struct {
	ID            string            `json:"id"`
	PartnershipID string            `json:"partnership_id"`
	BrandID       string            `json:"brand_id"`
	CampaignID    string            `json:"campaign_id"`
	CreatorID     string            `json:"creator_id"`
	Cycle         int               `json:"cycle"`
	Kind          string            `json:"kind"`
	Amount        partnership.Money `json:"amount"`
	Status        string            `json:"status"`
	TriggeredBy   string            `json:"triggered_by"`
	ApprovedBy    string            `json:"approved_by"`
	TransferID    string            `json:"transfer_id"`
	FailureCode   string            `json:"failure_code"`
	PaidAt        *string           `json:"paid_at"`
	// ConflictingReport is the payout's conflicting_report (an unresolved contradiction of
	// the payments provider's about its transfer), absent without one.
	ConflictingReport string `json:"conflicting_report,omitempty"`
	CreatedAt         string `json:"created_at"`
	UpdatedAt         string `json:"updated_at"`
}

var payoutStatuses = []string{partnership.PayoutAwaitingApproval, partnership.PayoutProcessing,
	partnership.PayoutPaid, partnership.PayoutFailed}

// listPayouts is the finance queue: payouts across partnerships, oldest first, filtered by
// status (awaiting_approval is the work to do), brand, campaign, creator or conflicting_report
// (the contested payouts, which finance must settle at the provider).
func (s *Server) listPayouts(c echo.Context) error {
	id := identity(c)
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	f := store.PayoutFilter{Status: c.QueryParam("status"), BrandID: c.QueryParam("brand_id"),
		CampaignID: c.QueryParam("campaign_id"), CreatorID: c.QueryParam("creator_id"),
		ConflictingReport: c.QueryParam("conflicting_report"), Limit: limit, Cursor: c.QueryParam("cursor")}
	if f.Status != "" && !slices.Contains(payoutStatuses, f.Status) {
		return invalidFields(map[string]string{"status": "must be one of: awaiting_approval, processing, paid, failed"})
	}
	if f.ConflictingReport != "" && f.ConflictingReport != partnership.PayoutPaid && f.ConflictingReport != partnership.PayoutFailed {
		return invalidFields(map[string]string{"conflicting_report": "must be one of: paid, failed"})
	}
	if err := scopePayouts(id, &f); err != nil {
		// Filtering on someone else's brand or creator shows an empty list, as for partnerships.
		return c.JSON(http.StatusOK, map[string]any{"items": []payoutItem{}, "next_cursor": ""})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, next, err := s.store.ListPayouts(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return invalidFields(map[string]string{"cursor": "is not a cursor this server issued"})
	}
	if err != nil {
		return err
	}
	items := make([]payoutItem, 0, len(rows))
	for _, r := range rows {
		it := payoutItem{ID: r.ID, PartnershipID: r.PartnershipID, BrandID: r.BrandID, CampaignID: r.CampaignID,
			CreatorID: r.CreatorID, Cycle: r.Cycle, Kind: r.Kind, Amount: partnership.Money{AmountMinor: r.AmountMinor, Currency: r.Currency},
			Status: r.Status, TriggeredBy: r.TriggeredBy, ApprovedBy: r.ApprovedBy, TransferID: r.TransferID, FailureCode: r.FailureCode,
			ConflictingReport: r.ConflictingReport, CreatedAt: rfc3339(r.CreatedAt), UpdatedAt: rfc3339(r.UpdatedAt)}
		if r.PaidAt != nil {
			at := rfc3339(*r.PaidAt)
			it.PaidAt = &at
		}
		items = append(items, it)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}
