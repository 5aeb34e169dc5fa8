package api

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// listCreators is GET /v1/creators, the directory a brand manager invites from: the creators
// their brand added or works with, as GET /v1/creators/{id} shows them to it (no e-mail or
// payout details); every creator, in full, for admins. Newest first; q finds a name or handle.
func (s *Server) listCreators(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleAdmin, partnership.RoleBrandManager); err != nil {
		return err
	}
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	if utf8.RuneCountInString(c.QueryParam("q")) > 100 {
		return invalidFields(map[string]string{"q": "must have at most 100 character(s)"})
	}
	// Handles are stored without their "@"; a search for "@maya" means the handle maya.
	f := store.CreatorFilter{Query: strings.TrimPrefix(strings.TrimSpace(c.QueryParam("q")), "@"), Limit: limit, Cursor: c.QueryParam("cursor")}
	if id.Role == partnership.RoleBrandManager {
		f.BrandID = id.BrandID
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, next, err := s.store.ListCreators(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return invalidFields(map[string]string{"cursor": "is not a cursor this server issued"})
	}
	if err != nil {
		return err
	}
	items := make([]any, 0, len(rows))
	for _, cr := range rows {
		if id.Role == partnership.RoleAdmin {
			items = append(items, toCreatorResponse(cr))
		} else {
			items = append(items, toCreatorProfile(cr))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}
