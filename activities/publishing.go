package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/store"
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
	// PartnershipID, DeliverableID and Cycle name what the post is verified for: a post that
	// passes every other check is claimed for them across every partnership (store.PostClaim).
	// Empty in inputs scheduled before they existed, which claim nothing.
	PartnershipID string `json:"partnership_id,omitempty"`
	DeliverableID string `json:"deliverable_id,omitempty"`
	Cycle         int    `json:"cycle,omitempty"`
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
//
// "Another deliverable's post" spans every partnership: a post that passes every other check
// is claimed for the input's partnership, deliverable and cycle in the database, and a post
// claimed for anything else fails with post_used_for_another_deliverable, so one post is
// never paid for twice (by two partnerships of the same brand and creator, say). Claiming
// again for the same three succeeds: an activity retry, the re-check, the same post
// resubmitted after a failure. Claims are never released (store.PostClaim).
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
	// The live caption is the approved one, up to case and spacing: text the brand never
	// approved (another brand's promotion, say) does not go live with its fee paid.
	if normalizeCaption(m.Caption) != normalizeCaption(in.ApprovedCaption) {
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
	if err := a.claimPost(ctx, in, m, &rep); err != nil {
		return rep, err
	}
	rep.Verified = len(rep.Reasons) == 0
	return rep, nil
}

// claimPost claims the post for in's deliverable when it passed every other check, and adds
// post_used_for_another_deliverable to rep when another partnership, deliverable or cycle
// holds it. A post that fails anyway is only looked up, not claimed, so the reasons say all
// that is wrong with it and a post that never counted leaves no claim.
func (a *Activities) claimPost(ctx context.Context, in VerifyInput, m providers.Media, rep *partnership.VerificationReport) error {
	if in.PartnershipID == "" || in.DeliverableID == "" || slices.Contains(rep.Reasons, ReasonPostReused) {
		return nil
	}
	want := store.PostClaim{
		// The deliverable's platform: a post on any other fails wrong_platform above.
		Platform: strings.ToLower(cmp.Or(in.Platform, in.Disclosure.Platform, m.Platform)),
		MediaID:  m.ID, PostURL: in.URL,
		PartnershipID: in.PartnershipID, DeliverableID: in.DeliverableID, Cycle: max(in.Cycle, 1),
	}
	if want.MediaID == "" {
		want.MediaID = "url:" + partnership.PostURLKey(in.URL)
	}
	var (
		held store.PostClaim
		err  error
	)
	if len(rep.Reasons) == 0 {
		held, err = a.Store.ClaimPost(ctx, want)
	} else if held, err = a.Store.GetPostClaim(ctx, want.Platform, want.MediaID); errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("claim post %s for deliverable %s: %w", want.MediaID, in.DeliverableID, err)
	}
	if !held.SameHolder(want) {
		slog.InfoContext(ctx, "live post already counts for another deliverable", "partnership_id", in.PartnershipID,
			"deliverable_id", in.DeliverableID, "media_id", want.MediaID, "held_by", held.PartnershipID, "held_for", held.DeliverableID, "held_in_cycle", held.Cycle)
		rep.Reasons = append(rep.Reasons, ReasonPostReused)
	}
	return nil
}

// normalizeCaption folds case and whitespace so a re-typed caption still matches.
func normalizeCaption(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
