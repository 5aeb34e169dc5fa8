package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// Reading and correcting brands and creators after they were created. Edits are JSON merge
// patches (RFC 7396): only the members sent change, each checked by the rule that created it.

// optional is one member of a merge patch: Set when the body has it, Null when it is null.
type optional[T any] struct {
	Value T
	Set   bool
	Null  bool
}

// UnmarshalJSON is called for every member present, null included, so Set means "sent".
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// brandPatch is PATCH /v1/brands/{id}. Null removes the contact e-mail or the handles (the
// schema refuses it for the name and turn_emails, which a brand always has).
type brandPatch struct {
	Name         optional[string]   `json:"name"`
	ContactEmail optional[string]   `json:"contact_email"`
	Handles      optional[[]string] `json:"handles"`
	TurnEmails   optional[bool]     `json:"turn_emails"`
}

// request is the patch as the create request it edits, and the fields it sends.
func (p brandPatch) request() (brandRequest, []string) {
	var req brandRequest
	var fields []string
	take(p.Name, &req.Name, "Name", &fields)
	take(p.ContactEmail, &req.ContactEmail, "ContactEmail", &fields)
	take(p.Handles, &req.Handles, "Handles", &fields)
	return req, fields
}

// take copies a member the patch sends into the create request's field named name, and
// lists that field among those to validate.
func take[T any](o optional[T], into *T, name string, fields *[]string) {
	if o.Set {
		*into, *fields = o.Value, append(*fields, name)
	}
}

func (s *Server) getBrand(c echo.Context) error {
	brandID, err := brandInScope(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	b, err := s.store.GetBrand(ctx, brandID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("brand")
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBrandResponse(b))
}

func (s *Server) patchBrand(c echo.Context) error {
	// Scope before the body: a caller outside the brand learns nothing of what it would refuse.
	brandID, err := brandInScope(c)
	if err != nil {
		return err
	}
	var patch brandPatch
	if err := c.Bind(&patch); err != nil {
		return err
	}
	req, fields := patch.request()
	if err := validatePatch(c, &req, fields...); err != nil {
		return err
	}
	var ch store.BrandChanges
	if patch.Name.Set {
		name := strings.TrimSpace(req.Name)
		ch.Name = &name
	}
	if patch.ContactEmail.Set {
		ch.ContactEmail = &req.ContactEmail
	}
	if patch.Handles.Set {
		ch.Handles, _ = json.Marshal(normalizeHandles(req.Handles))
	}
	if patch.TurnEmails.Set {
		ch.TurnEmails = &patch.TurnEmails.Value
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	b, err := s.store.UpdateBrand(ctx, brandID, ch, identity(c).Actor())
	if errors.Is(err, store.ErrNotFound) {
		return notFound("brand")
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBrandResponse(b))
}

// creatorPatch is PATCH /v1/creators/{id}: the creator's own details. Accounts is only there
// to be refused by name rather than ignored like an unknown member.
type creatorPatch struct {
	Name     optional[string]          `json:"name"`
	Email    optional[string]          `json:"email"`
	Country  optional[string]          `json:"country"`
	Accounts optional[json.RawMessage] `json:"accounts"`
}

// accountsFixed is why a patch may not change the accounts.
const accountsFixed = "cannot be changed: vetting and the verification of posts rely on the accounts a creator was created with; create the creator again to use other accounts"

func (p creatorPatch) request() (creatorRequest, []string) {
	var req creatorRequest
	var fields []string
	take(p.Name, &req.Name, "Name", &fields)
	take(p.Email, &req.Email, "Email", &fields)
	take(p.Country, &req.Country, "Country", &fields)
	return req, fields
}

// creatorProfileResponse is what a brand manager sees of a creator: enough to invite and pay
// them, none of their personal or payout details.
type creatorProfileResponse struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Country          string    `json:"country"`
	Accounts         []account `json:"accounts"`
	HasPayoutProfile bool      `json:"has_payout_profile"`
	CreatedAt        string    `json:"created_at"`
}

func toCreatorProfile(c store.Creator) creatorProfileResponse {
	full := toCreatorResponse(c)
	return creatorProfileResponse{ID: full.ID, Name: full.Name, Country: full.Country, Accounts: full.Accounts,
		HasPayoutProfile: full.HasPayoutProfile, CreatedAt: full.CreatedAt}
}

func (s *Server) getCreator(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleAdmin, partnership.RoleCreator, partnership.RoleBrandManager); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	cr, err := s.store.GetCreator(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("creator")
	} else if err != nil {
		return err
	}
	view, err := viewOfCreator(id, cr, func() (bool, error) {
		items, _, err := s.store.ListPartnerships(ctx, store.PartnershipFilter{BrandID: id.BrandID, CreatorID: cr.ID, Limit: 1})
		return len(items) > 0, err
	})
	switch {
	case err != nil:
		return err
	case view == creatorFull:
		return c.JSON(http.StatusOK, toCreatorResponse(cr))
	case view == creatorProfile:
		return c.JSON(http.StatusOK, toCreatorProfile(cr))
	}
	return notFound("creator")
}

func (s *Server) patchCreator(c echo.Context) error {
	id := identity(c)
	creatorID, err := creatorInScope(c, partnership.RoleCreator, partnership.RoleAdmin)
	if err != nil {
		return err
	}
	var patch creatorPatch
	if err := c.Bind(&patch); err != nil {
		return err
	}
	req, fields := patch.request()
	err = validatePatch(c, &req, fields...)
	if patch.Accounts.Set {
		err = withInvalidField(err, "accounts", accountsFixed)
	}
	if err != nil {
		return err
	}
	var ch store.CreatorChanges
	if patch.Name.Set {
		name := strings.TrimSpace(req.Name)
		ch.Name = &name
	}
	if patch.Email.Set {
		email := strings.TrimSpace(req.Email)
		ch.Email = &email
	}
	if patch.Country.Set {
		ch.Country = &req.Country
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	cr, err := s.store.UpdateCreator(ctx, creatorID, ch, id.Actor())
	if errors.Is(err, store.ErrNotFound) {
		return notFound("creator")
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCreatorResponse(cr))
}

// withInvalidField adds field's message to the invalid fields err reports, or makes it the
// one invalid field when err is nil; any other error stays as it is.
func withInvalidField(err error, field, msg string) error {
	if err == nil {
		return invalidFields(map[string]string{field: msg})
	}
	var pe *problemError
	if errors.As(err, &pe) && pe.p.Status == http.StatusUnprocessableEntity && pe.p.Errors != nil {
		pe.p.Errors[field] = msg
	}
	return err
}
