package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// VerifyInput describes the live post to verify and what it must match.
type VerifyInput struct {
	URL string `json:"url"`
	// Handle is the creator's account on the deliverable's platform.
	Handle string `json:"handle"`
	// Platform is the deliverable's; empty in inputs scheduled before it existed, which
	// carry it only in Disclosure.
	Platform        string          `json:"platform,omitempty"`
	ApprovedCaption string          `json:"approved_caption"`
	DiscountCode    string          `json:"discount_code"`
	Link            string          `json:"link"`
	Disclosure      DisclosureInput `json:"disclosure"`
	// OtherMediaIDs are the posts verified for the partnership's other deliverables, of this
	// cycle and of an ambassador partnership's earlier ones: one post counts for one
	// deliverable, whichever of its URLs was submitted.
	OtherMediaIDs []string `json:"other_media_ids,omitempty"`
}

// Verification failure reasons.
const (
	ReasonNotFound        = "post_not_found"
	ReasonWrongAccount    = "wrong_account"
	ReasonWrongPlatform   = "wrong_platform"
	ReasonPostReused      = "post_used_for_another_deliverable"
	ReasonCaptionMismatch = "caption_differs_from_approved_draft"
	ReasonDisclosure      = "disclosure_not_compliant"
	ReasonNoCodeOrLink    = "discount_code_or_link_missing"
)

// VerifyPost fetches the live post from the social provider and checks that it exists,
// belongs to the creator, is on the deliverable's platform and not already another
// deliverable's post, carries the approved caption, passes the disclosure rules and mentions
// the discount code or link.
func (a *Activities) VerifyPost(ctx context.Context, in VerifyInput) (partnership.VerificationReport, error) {
	rep := partnership.VerificationReport{Reasons: []string{}, CheckedAt: time.Now().UTC()}
	m, err := a.Providers.Social.MediaByURL(ctx, in.URL)
	if errors.Is(err, providers.ErrNotFound) {
		rep.Reasons = append(rep.Reasons, ReasonNotFound)
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	rep.MediaID = m.ID
	if !strings.EqualFold(strings.TrimPrefix(m.Username, "@"), strings.TrimPrefix(in.Handle, "@")) {
		rep.Reasons = append(rep.Reasons, ReasonWrongAccount)
	}
	// A provider that cannot tell the post's platform (nor its permalink) is not second-guessed.
	if want := cmp.Or(in.Platform, in.Disclosure.Platform); m.Platform != "" && want != "" && !strings.EqualFold(m.Platform, want) {
		rep.Reasons = append(rep.Reasons, ReasonWrongPlatform)
	}
	if slices.Contains(in.OtherMediaIDs, m.ID) {
		rep.Reasons = append(rep.Reasons, ReasonPostReused)
	}
	if normalizeCaption(m.Caption) != normalizeCaption(in.ApprovedCaption) &&
		!strings.Contains(normalizeCaption(m.Caption), normalizeCaption(in.ApprovedCaption)) {
		rep.Reasons = append(rep.Reasons, ReasonCaptionMismatch)
	}
	dIn := in.Disclosure
	dIn.Caption = m.Caption
	d, err := CheckDisclosure(dIn)
	if err != nil {
		return rep, err
	}
	rep.Disclosure, _ = json.Marshal(d)
	if !d.Compliant {
		rep.Reasons = append(rep.Reasons, ReasonDisclosure)
	}
	if in.DiscountCode != "" || in.Link != "" {
		capUp := strings.ToUpper(m.Caption)
		if !(in.DiscountCode != "" && strings.Contains(capUp, strings.ToUpper(in.DiscountCode))) &&
			!(in.Link != "" && strings.Contains(m.Caption, in.Link)) {
			rep.Reasons = append(rep.Reasons, ReasonNoCodeOrLink)
		}
	}
	rep.Verified = len(rep.Reasons) == 0
	return rep, nil
}

// normalizeCaption folds case and whitespace so a re-typed caption still matches.
func normalizeCaption(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
