package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

type brandRequest struct {
	Name         string   `json:"name" validate:"required,notblank,max=200"`
	ContactEmail string   `json:"contact_email" validate:"omitempty,email,max=320"`
	Handles      []string `json:"handles" validate:"max=20,dive,handle"`
	// TurnEmails is true when absent: a brand is told of each move that waits on it until it
	// says otherwise.
	TurnEmails *bool `json:"turn_emails"`
}

type brandResponse struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ContactEmail string   `json:"contact_email,omitempty"`
	Handles      []string `json:"handles"`
	TurnEmails   bool     `json:"turn_emails"`
	CreatedAt    string   `json:"created_at"`
	UpdatedAt    string   `json:"updated_at"`
}

func toBrandResponse(b store.Brand) brandResponse {
	var handles []string
	_ = json.Unmarshal(b.Handles, &handles)
	return brandResponse{ID: b.ID, Name: b.Name, ContactEmail: b.ContactEmail, Handles: nonNil(handles),
		TurnEmails: b.TurnEmails, CreatedAt: rfc3339(b.CreatedAt), UpdatedAt: rfc3339(b.UpdatedAt)}
}

func (s *Server) createBrand(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleAdmin); err != nil {
		return err
	}
	var req brandRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	raw, _ := json.Marshal(normalizeHandles(req.Handles))
	now := s.now()
	b := store.Brand{ID: newID(), Name: strings.TrimSpace(req.Name), ContactEmail: req.ContactEmail, Handles: raw,
		TurnEmails: req.TurnEmails == nil || *req.TurnEmails, CreatedAt: now, UpdatedAt: now}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.store.CreateBrand(ctx, &b, id.Actor()); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBrandResponse(b))
}

func normalizeHandles(hs []string) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		h = strings.TrimSpace(h)
		if !strings.HasPrefix(h, "@") {
			h = "@" + h
		}
		out = append(out, h)
	}
	return out
}

type account struct {
	Platform string `json:"platform" validate:"required,oneof=instagram tiktok youtube x facebook"`
	Handle   string `json:"handle" validate:"required,handle"`
}

type creatorRequest struct {
	Name     string    `json:"name" validate:"required,notblank,max=200"`
	Email    string    `json:"email" validate:"required,email,max=320"`
	Country  string    `json:"country" validate:"required,iso3166_1_alpha2"`
	Accounts []account `json:"accounts" validate:"required,min=1,max=10,dive"`
}

type creatorResponse struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Email            string    `json:"email"`
	Country          string    `json:"country"`
	Accounts         []account `json:"accounts"`
	HasPayoutProfile bool      `json:"has_payout_profile"`
	TaxForm          string    `json:"tax_form,omitempty"`
	CreatedAt        string    `json:"created_at"`
}

func toCreatorResponse(c store.Creator) creatorResponse {
	var accts []account
	_ = json.Unmarshal(c.Accounts, &accts)
	return creatorResponse{ID: c.ID, Name: c.Name, Email: c.Email, Country: c.Country, Accounts: accts,
		HasPayoutProfile: c.PaymentsAccountID != "" && c.TaxForm != "", TaxForm: c.TaxForm, CreatedAt: rfc3339(c.CreatedAt)}
}

func (s *Server) createCreator(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleAdmin, partnership.RoleBrandManager); err != nil {
		return err
	}
	var req creatorRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	for i := range req.Accounts {
		req.Accounts[i].Handle = strings.TrimPrefix(strings.TrimSpace(req.Accounts[i].Handle), "@")
	}
	raw, _ := json.Marshal(req.Accounts)
	now := s.now()
	cr := store.Creator{ID: newID(), Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email),
		Country: req.Country, Accounts: raw, CreatedByBrandID: id.BrandID, CreatedAt: now, UpdatedAt: now}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.store.CreateCreator(ctx, &cr, id.Actor()); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toCreatorResponse(cr))
}

type payoutProfileRequest struct {
	PaymentsAccountID string `json:"payments_account_id" validate:"required,max=100"`
	TaxForm           string `json:"tax_form" validate:"required,oneof=W-9 W-8BEN W-8BEN-E"`
}

func (s *Server) putPayoutProfile(c echo.Context) error {
	id := identity(c)
	creatorID, err := creatorInScope(c, partnership.RoleCreator, partnership.RoleAdmin)
	if err != nil {
		return err
	}
	var req payoutProfileRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.store.UpdatePayoutProfile(ctx, creatorID, req.PaymentsAccountID, req.TaxForm, id.Actor()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("creator")
		}
		return err
	}
	cr, err := s.store.GetCreator(ctx, creatorID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCreatorResponse(cr))
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }
