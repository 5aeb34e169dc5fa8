package activities

import (
	"context"

	"github.com/partnerflow/partnerflow/disclosure"
	"github.com/partnerflow/partnerflow/partnership"
)

// DisclosureInput is a caption to check against the campaign's jurisdiction.
type DisclosureInput struct {
	Caption            string   `json:"caption"`
	Platform           string   `json:"platform"`
	Format             string   `json:"format"`
	Jurisdiction       string   `json:"jurisdiction"`
	BrandName          string   `json:"brand_name"`
	BrandHandles       []string `json:"brand_handles"`
	OnscreenDisclosure bool     `json:"onscreen_disclosure"`
	SpokenDisclosure   bool     `json:"spoken_disclosure"`
	PlatformPaidLabel  bool     `json:"platform_paid_label"`
}

// CheckDisclosure runs the disclosure rules. It is a local activity rather than workflow code
// so that improving the rules never breaks the replay of partnerships in flight.
func (a *Activities) CheckDisclosure(_ context.Context, in DisclosureInput) (partnership.DisclosureReply, error) {
	return CheckDisclosure(in)
}

// CheckDisclosure is the shared conversion from the disclosure package's result to the API shape.
func CheckDisclosure(in DisclosureInput) (partnership.DisclosureReply, error) {
	res, err := disclosure.Check(disclosure.Input{
		Caption: in.Caption, Platform: in.Platform, Format: in.Format, Jurisdiction: in.Jurisdiction,
		BrandName: in.BrandName, BrandHandles: in.BrandHandles, OnscreenDisclosure: in.OnscreenDisclosure,
		SpokenDisclosure: in.SpokenDisclosure, PlatformPaidLabel: in.PlatformPaidLabel,
	})
	if err != nil {
		return partnership.DisclosureReply{}, err
	}
	out := partnership.DisclosureReply{
		Compliant:   res.Compliant,
		Violations:  make([]partnership.DisclosureViolation, 0, len(res.Violations)),
		LabelsFound: res.LabelsFound,
	}
	for _, v := range res.Violations {
		out.Violations = append(out.Violations, partnership.DisclosureViolation{Code: v.Code, Message: v.Message, Start: v.Start, End: v.End})
	}
	if out.LabelsFound == nil {
		out.LabelsFound = []string{}
	}
	return out, nil
}
