package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// campaignRequest is the campaign body of API.md. Durations are seconds; the bounds keep a
// typo from parking a partnership for a century.
type campaignRequest struct {
	BrandID                    string   `json:"brand_id" validate:"required"`
	Name                       string   `json:"name" validate:"required,notblank,max=200"`
	Brief                      string   `json:"brief" validate:"max=10000"`
	Jurisdiction               string   `json:"jurisdiction" validate:"required,oneof=US UK DE FR ES"`
	Keywords                   []string `json:"keywords" validate:"max=50,dive,required,max=100"`
	AutoApproveVetting         bool     `json:"auto_approve_vetting"`
	OfferTTLSeconds            int64    `json:"offer_ttl_seconds" validate:"required,min=1,max=31536000"`
	ReminderBeforeSeconds      int64    `json:"reminder_before_seconds" validate:"min=0,max=31536000"`
	DraftDueSeconds            int64    `json:"draft_due_seconds" validate:"required,min=1,max=31536000"`
	ReviewSLASeconds           int64    `json:"review_sla_seconds" validate:"required,min=1,max=31536000"`
	MaxRevisionRounds          int      `json:"max_revision_rounds" validate:"min=0,max=100"`
	MaxNegotiationRounds       int      `json:"max_negotiation_rounds" validate:"min=0,max=100"`
	AttributionWindowSeconds   int64    `json:"attribution_window_seconds" validate:"min=0,max=31536000"`
	DualApprovalThresholdMinor int64    `json:"dual_approval_threshold_minor" validate:"min=0"`
	RecheckAfterSeconds        int64    `json:"recheck_after_seconds" validate:"min=0,max=31536000"`
}

type campaignResponse struct {
	partnership.Campaign
	Brief     string `json:"brief"`
	CreatedAt string `json:"created_at"`
}

func (s *Server) createCampaign(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleBrandManager, partnership.RoleAdmin); err != nil {
		return err
	}
	var req campaignRequest
	// Decode, check scope, then validate: a caller outside the brand learns nothing, not even
	// which fields are missing.
	if err := c.Bind(&req); err != nil {
		return err
	}
	if !seesBrand(id, req.BrandID) {
		return notFound("brand")
	}
	if err := validate(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if _, err := s.store.GetBrand(ctx, req.BrandID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("brand")
		}
		return err
	}
	settings := partnership.Campaign{
		ID: newID(), BrandID: req.BrandID, Name: strings.TrimSpace(req.Name), Jurisdiction: req.Jurisdiction,
		Keywords: nonNil(req.Keywords), AutoApproveVetting: req.AutoApproveVetting,
		OfferTTLSeconds: req.OfferTTLSeconds, ReminderBeforeSeconds: req.ReminderBeforeSeconds,
		DraftDueSeconds: req.DraftDueSeconds, ReviewSLASeconds: req.ReviewSLASeconds,
		MaxRevisionRounds: req.MaxRevisionRounds, MaxNegotiationRounds: req.MaxNegotiationRounds,
		AttributionWindowSeconds: req.AttributionWindowSeconds, DualApprovalThresholdMinor: req.DualApprovalThresholdMinor,
		RecheckAfterSeconds: req.RecheckAfterSeconds,
	}
	raw, _ := json.Marshal(settings)
	row := store.Campaign{ID: settings.ID, BrandID: settings.BrandID, Name: settings.Name, Brief: req.Brief, Settings: raw, CreatedAt: s.now()}
	if err := s.store.CreateCampaign(ctx, &row); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, campaignResponse{Campaign: settings, Brief: row.Brief, CreatedAt: rfc3339(row.CreatedAt)})
}

func (s *Server) getCampaign(c echo.Context) error {
	id := identity(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	row, settings, err := s.loadCampaign(ctx, id, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, campaignResponse{Campaign: settings, Brief: row.Brief, CreatedAt: rfc3339(row.CreatedAt)})
}

// listCampaigns is GET /v1/campaigns: a brand manager's own brand's campaigns, a creator's
// campaigns with a partnership of theirs, every campaign for finance and admins; newest first.
func (s *Server) listCampaigns(c echo.Context) error {
	id := identity(c)
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	f := store.CampaignFilter{BrandID: c.QueryParam("brand_id"), Limit: limit, Cursor: c.QueryParam("cursor")}
	if err := scopeOwners(id, &f.BrandID, &f.CreatorID); err != nil {
		// Filtering on someone else's brand shows an empty list, as for partnerships.
		return c.JSON(http.StatusOK, map[string]any{"items": []campaignResponse{}, "next_cursor": ""})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, next, err := s.store.ListCampaigns(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return invalidFields(map[string]string{"cursor": "is not a cursor this server issued"})
	}
	if err != nil {
		return err
	}
	items := make([]campaignResponse, 0, len(rows))
	for _, row := range rows {
		var settings partnership.Campaign
		if err := json.Unmarshal(row.Settings, &settings); err != nil {
			return err
		}
		items = append(items, campaignResponse{Campaign: settings, Brief: row.Brief, CreatedAt: rfc3339(row.CreatedAt)})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

// loadCampaign loads a campaign the caller may see; creators see the campaigns they have a
// partnership in.
func (s *Server) loadCampaign(ctx ctxT, id auth.Identity, campaignID string) (store.Campaign, partnership.Campaign, error) {
	var settings partnership.Campaign
	row, err := s.store.GetCampaign(ctx, campaignID)
	if errors.Is(err, store.ErrNotFound) {
		return row, settings, notFound("campaign")
	}
	if err != nil {
		return row, settings, err
	}
	visible := seesBrand(id, row.BrandID)
	if id.Role == partnership.RoleCreator {
		items, _, err := s.store.ListPartnerships(ctx, store.PartnershipFilter{CreatorID: id.CreatorID, CampaignID: campaignID, Limit: 1})
		if err != nil {
			return row, settings, err
		}
		visible = len(items) > 0
	}
	if !visible {
		return row, settings, notFound("campaign")
	}
	if err := json.Unmarshal(row.Settings, &settings); err != nil {
		return row, settings, err
	}
	return row, settings, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
