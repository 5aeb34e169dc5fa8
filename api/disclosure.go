package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/disclosure"
)

type disclosureRequest struct {
	Caption            string   `json:"caption" validate:"max=5000"`
	Platform           string   `json:"platform" validate:"required"`
	Format             string   `json:"format" validate:"required"`
	Jurisdiction       string   `json:"jurisdiction" validate:"required"`
	BrandName          string   `json:"brand_name" validate:"max=200"`
	BrandHandles       []string `json:"brand_handles" validate:"max=20,dive,max=100"`
	OnscreenDisclosure bool     `json:"onscreen_disclosure"`
	SpokenDisclosure   bool     `json:"spoken_disclosure"`
	PlatformPaidLabel  bool     `json:"platform_paid_label"`
}

// checkDisclosure runs the disclosure rules on a caption for any signed-in role.
func (s *Server) checkDisclosure(c echo.Context) error {
	var req disclosureRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	res, err := activities.CheckDisclosure(activities.DisclosureInput(req))
	switch {
	case errors.Is(err, disclosure.ErrUnknownJurisdiction):
		return invalidFields(map[string]string{"jurisdiction": "must be one of " + strings.Join(disclosure.Jurisdictions(), ", ")})
	case errors.Is(err, disclosure.ErrUnknownPlatform):
		return invalidFields(map[string]string{"platform": "must be one of " + strings.Join(disclosure.Platforms(), ", ")})
	case errors.Is(err, disclosure.ErrUnknownFormat):
		return invalidFields(map[string]string{"format": "must be one of " + strings.Join(disclosure.Formats(), ", ")})
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, res)
}
