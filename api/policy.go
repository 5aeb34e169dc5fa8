package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// The access policy lives here and only here: handlers ask it, they never compare roles or
// ids themselves. Wrong role → 403; a resource outside the caller's scope → 404, so guessing
// ids reveals nothing.

// allow refuses callers whose role is not listed.
func allow(id auth.Identity, roles ...string) error {
	if slices.Contains(roles, id.Role) {
		return nil
	}
	return problem(http.StatusForbidden, "your role ("+id.Role+") may not do this")
}

// seesBrand reports whether the caller may see things of a brand.
func seesBrand(id auth.Identity, brandID string) bool {
	switch id.Role {
	case partnership.RoleAdmin, partnership.RoleFinance:
		return true
	case partnership.RoleBrandManager:
		return id.BrandID == brandID
	}
	return false
}

// brandInScope is the brand of the route's :id for an admin or that brand's manager: another
// role is 403, another brand's manager 404.
func brandInScope(c echo.Context) (string, error) {
	id := identity(c)
	if err := allow(id, partnership.RoleAdmin, partnership.RoleBrandManager); err != nil {
		return "", err
	}
	if brandID := c.Param("id"); seesBrand(id, brandID) {
		return brandID, nil
	}
	return "", notFound("brand")
}

// creatorInScope is the creator of the route's :id for an admin or that creator; roles lists
// who may call at all (another role is 403), and anyone else among them gets 404.
func creatorInScope(c echo.Context, roles ...string) (string, error) {
	id := identity(c)
	if err := allow(id, roles...); err != nil {
		return "", err
	}
	if creatorID := c.Param("id"); seesCreator(id, creatorID) {
		return creatorID, nil
	}
	return "", notFound("creator")
}

// seesPartnership reports whether the caller may see a partnership.
func seesPartnership(id auth.Identity, p store.Partnership) bool {
	if id.Role == partnership.RoleCreator {
		return id.CreatorID == p.CreatorID
	}
	return seesBrand(id, p.BrandID)
}

// seesCreator reports whether the caller may see or edit a creator's profile.
func seesCreator(id auth.Identity, creatorID string) bool {
	switch id.Role {
	case partnership.RoleAdmin:
		return true
	case partnership.RoleCreator:
		return id.CreatorID == creatorID
	}
	return false
}

// creatorView is how much of a creator the caller may see.
type creatorView int

const (
	// creatorHidden: out of scope, a 404.
	creatorHidden creatorView = iota
	// creatorProfile: name, country, accounts and whether they can be paid, without the
	// e-mail or payout details.
	creatorProfile
	// creatorFull: everything the API shows of a creator.
	creatorFull
)

// viewOfCreator decides what the caller sees of a creator: admins and the creator all of it;
// a brand manager the profile of a creator their brand added or has a partnership with
// (partnered, asked only when it decides); anyone else nothing.
func viewOfCreator(id auth.Identity, c store.Creator, partnered func() (bool, error)) (creatorView, error) {
	switch {
	case seesCreator(id, c.ID):
		return creatorFull, nil
	case id.Role != partnership.RoleBrandManager:
		return creatorHidden, nil
	case c.CreatedByBrandID == id.BrandID:
		return creatorProfile, nil
	}
	ok, err := partnered()
	if err != nil || !ok {
		return creatorHidden, err
	}
	return creatorProfile, nil
}

// scopeFilter narrows a partnership list to what the caller may see.
func scopeFilter(id auth.Identity, f *store.PartnershipFilter) error {
	return scopeOwners(id, &f.BrandID, &f.CreatorID)
}

// scopePayouts narrows a payout list the same way: finance and admins see every payout, a
// brand manager their brand's, a creator their own.
func scopePayouts(id auth.Identity, f *store.PayoutFilter) error {
	return scopeOwners(id, &f.BrandID, &f.CreatorID)
}

// scopeOwners pins a list's brand (brand managers) or creator (creators) filter to the
// caller's own; asking for someone else's is out of scope.
func scopeOwners(id auth.Identity, brandID, creatorID *string) error {
	switch id.Role {
	case partnership.RoleBrandManager:
		if *brandID != "" && *brandID != id.BrandID {
			return notFound("brand")
		}
		*brandID = id.BrandID
	case partnership.RoleCreator:
		if *creatorID != "" && *creatorID != id.CreatorID {
			return notFound("creator")
		}
		*creatorID = id.CreatorID
	}
	return nil
}

// Action rules: who may take each partnership action (the workflow then checks stage and turn).
var actionRoles = map[string][]string{
	partnership.UpdateVettingDecision: {partnership.RoleBrandManager, partnership.RoleAdmin},
	partnership.UpdateNegotiate:       {partnership.RoleBrandManager, partnership.RoleCreator},
	partnership.UpdateSubmitDraft:     {partnership.RoleCreator},
	partnership.UpdateReviewDraft:     {partnership.RoleBrandManager, partnership.RoleAdmin},
	partnership.UpdateSubmitPost:      {partnership.RoleCreator},
	partnership.UpdateTriggerPayout:   {partnership.RoleFinance, partnership.RoleAdmin},
	partnership.UpdateApprovePayout:   {partnership.RoleFinance, partnership.RoleAdmin},
	partnership.UpdateCancel:          {partnership.RoleBrandManager, partnership.RoleAdmin, partnership.RoleCreator},
	partnership.UpdateRetryStep:       {partnership.RoleAdmin},
}
