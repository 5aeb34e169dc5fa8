package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// The trails of who changed a brand or a creator (GET /v1/brands/{id}/changes and
// /v1/creators/{id}/changes): each create, and each edit that changed something, with the
// names of the members it changed. The values are not in them; a trail says that a payments
// account changed, and who changed it, not what it was or became.

// profileChangeResponse is one change of a trail.
type profileChangeResponse struct {
	ID     int64    `json:"id"`
	Type   string   `json:"type"`
	Actor  string   `json:"actor"`
	Role   string   `json:"role"`
	At     string   `json:"at"`
	Fields []string `json:"fields"`
}

func toProfileChange(c store.ProfileChange) profileChangeResponse {
	return profileChangeResponse{ID: c.ID, Type: c.Type, Actor: c.Actor, Role: c.Role, At: rfc3339(c.At), Fields: nonNil(c.Fields)}
}

// listBrandChanges: who may read a brand may read its trail (admins, the brand's managers).
func (s *Server) listBrandChanges(c echo.Context) error {
	brandID, err := brandInScope(c)
	if err != nil {
		return err
	}
	return s.listProfileChanges(c, store.SubjectBrand, brandID, func(ctx ctxT) error {
		_, err := s.store.GetBrand(ctx, brandID)
		return err
	})
}

// listCreatorChanges: the trail of a creator is for whoever sees the creator in full (admins
// and the creator): it tells of the e-mail and the payout profile, which a brand manager is
// never shown, so to a brand manager it is out of scope (404), as another creator's is.
func (s *Server) listCreatorChanges(c echo.Context) error {
	creatorID, err := creatorInScope(c, partnership.RoleAdmin, partnership.RoleCreator, partnership.RoleBrandManager)
	if err != nil {
		return err
	}
	return s.listProfileChanges(c, store.SubjectCreator, creatorID, func(ctx ctxT) error {
		_, err := s.store.GetCreator(ctx, creatorID)
		return err
	})
}

// listProfileChanges answers one page of a subject's trail, oldest first, after checking the
// subject exists (exists returns store.ErrNotFound when it does not).
func (s *Server) listProfileChanges(c echo.Context, kind, subjectID string, exists func(ctxT) error) error {
	limit, after, err := parseSeqPage(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := exists(ctx); errors.Is(err, store.ErrNotFound) {
		return notFound(kind)
	} else if err != nil {
		return err
	}
	rows, err := s.store.ListProfileChanges(ctx, kind, subjectID, after, limit+1)
	if err != nil {
		return err
	}
	rows, next := seqPage(rows, limit, func(r store.ProfileChange) int64 { return r.ID })
	items := make([]profileChangeResponse, 0, len(rows))
	for _, r := range rows {
		items = append(items, toProfileChange(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}
