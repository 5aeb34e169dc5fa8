package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// EnvelopeInput asks for the contract envelope of agreed terms.
type EnvelopeInput struct {
	IdempotencyKey string            `json:"idempotency_key"`
	PartnershipID  string            `json:"partnership_id"`
	CreatorID      string            `json:"creator_id"`
	BrandID        string            `json:"brand_id"`
	BrandName      string            `json:"brand_name"`
	Jurisdiction   string            `json:"jurisdiction"`
	Terms          partnership.Terms `json:"terms"`
	// Date, SignWithinSeconds and DraftDueSeconds are written into the agreement
	// (RenderContract); inputs from before they were added leave them out.
	Date              time.Time `json:"date,omitzero"`
	SignWithinSeconds int64     `json:"sign_within_seconds,omitempty"`
	DraftDueSeconds   int64     `json:"draft_due_seconds,omitempty"`
}

// EnvelopeOutput is the created envelope.
type EnvelopeOutput struct {
	EnvelopeID  string            `json:"envelope_id"`
	Status      string            `json:"status"`
	SigningURLs map[string]string `json:"signing_urls"`
}

// CreateEnvelope renders the contract from the terms and sends it for signature.
func (a *Activities) CreateEnvelope(ctx context.Context, in EnvelopeInput) (EnvelopeOutput, error) {
	c, err := a.loadCreator(ctx, in.CreatorID)
	if err != nil {
		return EnvelopeOutput{}, err
	}
	brand, err := a.Store.GetBrand(ctx, in.BrandID)
	if err != nil {
		return EnvelopeOutput{}, err
	}
	brandEmail := brand.ContactEmail
	if brandEmail == "" {
		// The brand's signer still needs an address at the provider; one that can never
		// receive mail makes clear no contact was configured.
		brandEmail = "contracts+" + in.BrandID + "@partnerflow.invalid"
	}
	env, err := a.Providers.ESign.CreateEnvelope(ctx, in.IdempotencyKey, providers.EnvelopeRequest{
		Subject: "Partnership agreement with " + in.BrandName,
		Document: RenderContract(Contract{Brand: in.BrandName, Creator: c.Name, Jurisdiction: in.Jurisdiction, Terms: in.Terms,
			Date: in.Date, SignWithinSeconds: in.SignWithinSeconds, DraftDueSeconds: in.DraftDueSeconds}),
		Signers: []providers.Signer{
			{Role: "creator", Name: c.Name, Email: c.Email},
			{Role: "brand", Name: in.BrandName, Email: brandEmail},
		},
		Metadata: map[string]string{"partnership_id": in.PartnershipID},
	})
	if err != nil {
		return EnvelopeOutput{}, refusalAfterRetry(ctx, err)
	}
	return EnvelopeOutput{EnvelopeID: env.ID, Status: env.Status, SigningURLs: env.SigningURLs}, nil
}

// VoidInput voids an envelope that will not be signed.
type VoidInput struct {
	EnvelopeID string `json:"envelope_id"`
	Reason     string `json:"reason"`
}

// EnvelopeFinal is the detail of an ErrTypeEnvelopeFinal error: the status the envelope
// reached at the provider before it could be voided.
type EnvelopeFinal struct {
	Status string `json:"status"`
}

// VoidEnvelope voids a pending envelope (a compensation on cancellation). An envelope the
// provider no longer knows has nothing left to void.
//
// The provider refuses to void an envelope that is already completed or declined with the same
// 409, yet the two mean opposite things to the workflow: a contract both parties signed while
// the cancellation was on its way makes the kill fee payable. So a refusal is followed by a
// read of the envelope, and a final status is reported as a non-retryable ErrTypeEnvelopeFinal
// error carrying it.
func (a *Activities) VoidEnvelope(ctx context.Context, in VoidInput) error {
	err := a.Providers.ESign.VoidEnvelope(ctx, in.EnvelopeID, in.Reason)
	switch {
	case err == nil, errors.Is(err, providers.ErrNotFound):
		return nil
	case !isConflict(err):
		return err
	}
	env, getErr := a.Providers.ESign.GetEnvelope(ctx, in.EnvelopeID)
	if getErr != nil {
		if errors.Is(getErr, providers.ErrNotFound) {
			return err
		}
		// Retried: voiding again is harmless, and answers the same 409.
		return getErr
	}
	switch env.Status {
	case "completed", "declined":
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("envelope %s is %s and can no longer be voided", in.EnvelopeID, env.Status),
			ErrTypeEnvelopeFinal, err, EnvelopeFinal{Status: env.Status})
	case "voided":
		return nil
	}
	return err
}

// isConflict reports whether err is a provider's 409 refusal.
func isConflict(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != providers.ErrTypeRejected || !appErr.HasDetails() {
		return false
	}
	var rej providers.Rejection
	return appErr.Details(&rej) == nil && rej.StatusCode == http.StatusConflict
}

// refusalAfterRetry is how a keyed create's failure must be read on a retry of its activity:
// the earlier attempt failed without a refusal (those are not retried) and may have made what
// the key names, so a refusal now does not prove that nothing was made (ErrTypeRefusedInDoubt;
// the workflow keeps the key). A refusal on the first attempt stays one.
func refusalAfterRetry(ctx context.Context, err error) error {
	if activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1 {
		return providers.RefusalInDoubt(err)
	}
	return err
}

// DiscountInput asks for the creator's discount code and tracking link.
type DiscountInput struct {
	IdempotencyKey string `json:"idempotency_key"`
	PartnershipID  string `json:"partnership_id"`
	CreatorHandle  string `json:"creator_handle"`
}

// DiscountOutput is the created code and link.
type DiscountOutput struct {
	Code string `json:"code"`
	Link string `json:"link"`
}

// CreateDiscountCode creates the creator's code at the commerce provider.
func (a *Activities) CreateDiscountCode(ctx context.Context, in DiscountInput) (DiscountOutput, error) {
	dc, err := a.Providers.Commerce.CreateDiscountCode(ctx, in.IdempotencyKey, providers.DiscountRequest{
		Code:     DiscountCodeFor(in.CreatorHandle, in.PartnershipID),
		Percent:  10,
		Metadata: map[string]string{"partnership_id": in.PartnershipID},
	})
	if err != nil {
		return DiscountOutput{}, refusalAfterRetry(ctx, err)
	}
	return DiscountOutput{Code: dc.Code, Link: dc.Link}, nil
}

// DiscountCodeFor derives a readable code that is unique per partnership: the handle in
// capitals plus the last characters of the partnership id. Ids are UUIDv7, whose leading
// characters are a timestamp shared by every id made within hours of each other, so the
// suffix comes from the random tail.
func DiscountCodeFor(handle, partnershipID string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(strings.TrimPrefix(handle, "@")) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() >= 12 {
			break
		}
	}
	suffix := strings.ToUpper(strings.ReplaceAll(partnershipID, "-", ""))
	if len(suffix) > 8 {
		suffix = suffix[len(suffix)-8:]
	}
	return b.String() + suffix
}

// Contract is what the agreement is rendered from: the parties, the agreed terms and the
// dates that bind them.
type Contract struct {
	Brand, Creator, Jurisdiction string
	Terms                        partnership.Terms
	// Date is the agreement's date. SignWithinSeconds is how long after it is sent both
	// signatures are due (the workflow's signing wait counts from then too), DraftDueSeconds
	// how long after signing each deliverable's draft is due; 0 leaves either unwritten.
	Date                               time.Time
	SignWithinSeconds, DraftDueSeconds int64
}

// contractDate writes a date in a contract: "24 November 2026".
const contractDate = "2 January 2006"

// RenderContract renders the agreement text: amounts in major units of the currency, the
// commission as a percentage, and every date and period the terms and the campaign fix.
func RenderContract(c Contract) string {
	t := c.Terms
	var b strings.Builder
	fmt.Fprintf(&b, "PARTNERSHIP AGREEMENT\n\nBetween %s (the Brand) and %s (the Creator).\n", c.Brand, c.Creator)
	if !c.Date.IsZero() {
		fmt.Fprintf(&b, "Dated %s.\n", c.Date.UTC().Format(contractDate))
	}
	fmt.Fprintf(&b, "\nKind: %s\nFee: %s\n", partnership.KindName(t.Kind), t.Fee)
	if t.CommissionBps > 0 {
		fmt.Fprintf(&b, "Commission: %s (%d basis points) of the revenue attributed to the Creator's discount code and link\n",
			partnership.Percent(t.CommissionBps), t.CommissionBps)
	}
	fmt.Fprintf(&b, "Kill fee: %s, payable if the Brand cancels after both parties have signed\n", t.KillFee)
	fmt.Fprintf(&b, "Usage rights: %d days from the verification of the last post\nExclusivity: %d days\n", t.UsageRightsDays, t.ExclusivityDays)
	b.WriteString("Deliverables:\n")
	for i, d := range t.Deliverables {
		fmt.Fprintf(&b, "  %d. %s %s\n", i+1, d.Platform, d.Format)
	}
	if c.DraftDueSeconds > 0 {
		fmt.Fprintf(&b, "Drafts: each deliverable's draft is due within %s of the last signature", partnership.HumanSeconds(c.DraftDueSeconds))
		if t.Kind == partnership.KindAmbassador {
			b.WriteString(", and of the start of each period")
		}
		b.WriteString(".\n")
	}
	if t.Kind == partnership.KindAmbassador && t.PeriodSeconds > 0 {
		fmt.Fprintf(&b, "Period: the deliverables and the fee repeat every %s", partnership.HumanSeconds(t.PeriodSeconds))
		if t.EndsAt != nil {
			fmt.Fprintf(&b, " until %s", t.EndsAt.UTC().Format(contractDate))
		}
		b.WriteString(".\n")
	}
	fmt.Fprintf(&b, "\nDisclosure: every post must carry a clear advertising label as required in %s.\n", c.Jurisdiction)
	if c.SignWithinSeconds > 0 {
		fmt.Fprintf(&b, "\nThis agreement lapses unless both parties sign it within %s of its sending.\n", partnership.HumanSeconds(c.SignWithinSeconds))
	}
	return b.String()
}
