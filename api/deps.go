package api

import (
	"context"
	"time"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// Store is what the handlers need from the database.
type Store interface {
	Ping(ctx context.Context) error
	CreateBrand(ctx context.Context, b *store.Brand, by store.Actor) error
	GetBrand(ctx context.Context, id string) (store.Brand, error)
	UpdateBrand(ctx context.Context, id string, ch store.BrandChanges, by store.Actor) (store.Brand, error)
	CreateCreator(ctx context.Context, c *store.Creator, by store.Actor) error
	GetCreator(ctx context.Context, id string) (store.Creator, error)
	UpdateCreator(ctx context.Context, id string, ch store.CreatorChanges, by store.Actor) (store.Creator, error)
	UpdatePayoutProfile(ctx context.Context, creatorID, accountID, taxForm string, by store.Actor) error
	ListProfileChanges(ctx context.Context, kind, id string, afterID int64, limit int) ([]store.ProfileChange, error)
	CreateCampaign(ctx context.Context, c *store.Campaign) error
	GetCampaign(ctx context.Context, id string) (store.Campaign, error)
	ListCampaigns(ctx context.Context, f store.CampaignFilter) ([]store.Campaign, string, error)
	ListCreators(ctx context.Context, f store.CreatorFilter) ([]store.Creator, string, error)
	CampaignPartnerships(ctx context.Context, campaignID string) ([]store.Partnership, error)
	CreatePartnership(ctx context.Context, p *store.Partnership) error
	DeletePartnership(ctx context.Context, id string) error
	UnstartedPartnerships(ctx context.Context, f store.UnstartedFilter) ([]store.Partnership, error)
	DeleteUnstartedPartnership(ctx context.Context, id string, before time.Time) (bool, error)
	TouchUnstartedPartnership(ctx context.Context, id string, at time.Time) (bool, error)
	GetPartnership(ctx context.Context, id string) (store.Partnership, error)
	GetPartnershipHead(ctx context.Context, id string) (store.Partnership, error)
	// WithCycles completes a state document's compact cycle summaries (GetPartnership's
	// documents are complete already): for a state read from the workflow itself.
	WithCycles(ctx context.Context, partnershipID string, doc store.JSON) (store.JSON, error)
	PartnershipIDByEnvelope(ctx context.Context, envelopeID string) (string, error)
	ListPartnerships(ctx context.Context, f store.PartnershipFilter) ([]store.Partnership, string, error)
	ListPayouts(ctx context.Context, f store.PayoutFilter) ([]store.PayoutRow, string, error)
	ListEvents(ctx context.Context, partnershipID string, afterSeq int64, limit int) ([]store.Event, error)
	RecordWebhook(ctx context.Context, w store.WebhookEvent) (bool, error)
	ClaimIdempotencyKey(ctx context.Context, subject, key, hash string, ttl, abandonAfter time.Duration) (store.IdempotencyKey, bool, error)
	CompleteIdempotencyKey(ctx context.Context, subject, key string, claimedAt time.Time, status int, body []byte) error
	ReleaseIdempotencyKey(ctx context.Context, subject, key string, claimedAt time.Time) error
}

// Workflows is what the handlers need from Temporal.
type Workflows interface {
	Ping(ctx context.Context) error
	// Start starts the partnership's workflow; errWorkflowStarted when its id is taken.
	Start(ctx context.Context, in partnership.Input) error
	// Exists reports whether the partnership's workflow exists; an error leaves it unknown.
	Exists(ctx context.Context, partnershipID string) (bool, error)
	// Update runs a named Update; updateID deduplicates retries (the Idempotency-Key).
	Update(ctx context.Context, partnershipID, updateID, name string, arg, result any) error
	Signal(ctx context.Context, partnershipID, name string, arg any) error
	// ReportLatePayment hands a payment reported for a closed partnership to its late-payment
	// workflow, starting it when none runs.
	ReportLatePayment(ctx context.Context, start partnership.LatePaymentStart, ev partnership.PaymentEvent) error
	// Query reads the workflow's live state through a named query.
	Query(ctx context.Context, partnershipID, name string, result any) error
}
