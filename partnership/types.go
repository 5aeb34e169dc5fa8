package partnership

import "time"

// Money is an amount in integer minor units of an ISO 4217 currency. No floats near money.
type Money struct {
	AmountMinor int64  `json:"amount_minor"`
	Currency    string `json:"currency"`
}

// Actor is who takes an action: the token's subject and role.
type Actor struct {
	Sub  string `json:"sub"`
	Role string `json:"role"`
}

// DeliverableSpec is one piece of content the terms require.
type DeliverableSpec struct {
	Platform string `json:"platform"`
	Format   string `json:"format"`
}

// Terms are an offer or the agreed terms of a partnership (API.md "Offer / terms").
type Terms struct {
	Kind            string            `json:"kind"`
	Fee             Money             `json:"fee"`
	CommissionBps   int64             `json:"commission_bps"`
	KillFee         Money             `json:"kill_fee"`
	UsageRightsDays int               `json:"usage_rights_days"`
	ExclusivityDays int               `json:"exclusivity_days"`
	Deliverables    []DeliverableSpec `json:"deliverables"`
	// PeriodSeconds and EndsAt shape an ambassador partnership: the deliverables, their
	// publication and the fee repeat every period until the end date.
	PeriodSeconds int64      `json:"period_seconds,omitempty"`
	EndsAt        *time.Time `json:"ends_at,omitempty"`
}

// KindAmbassador is the offer kind that repeats content, publishing and payout per period.
const KindAmbassador = "ambassador"

// Campaign carries the campaign settings a partnership workflow needs; durations in seconds.
type Campaign struct {
	ID                         string   `json:"id"`
	BrandID                    string   `json:"brand_id"`
	Name                       string   `json:"name"`
	Jurisdiction               string   `json:"jurisdiction"`
	Keywords                   []string `json:"keywords"`
	AutoApproveVetting         bool     `json:"auto_approve_vetting"`
	OfferTTLSeconds            int64    `json:"offer_ttl_seconds"`
	ReminderBeforeSeconds      int64    `json:"reminder_before_seconds"`
	DraftDueSeconds            int64    `json:"draft_due_seconds"`
	ReviewSLASeconds           int64    `json:"review_sla_seconds"`
	MaxRevisionRounds          int      `json:"max_revision_rounds"`
	MaxNegotiationRounds       int      `json:"max_negotiation_rounds"`
	AttributionWindowSeconds   int64    `json:"attribution_window_seconds"`
	DualApprovalThresholdMinor int64    `json:"dual_approval_threshold_minor"`
	RecheckAfterSeconds        int64    `json:"recheck_after_seconds"`
}

// Seconds turns a campaign duration into a time.Duration.
func Seconds(s int64) time.Duration { return time.Duration(s) * time.Second }

// Input starts a partnership workflow. It carries references (creator id), never personal
// or payout details, so none of those sit in workflow history.
type Input struct {
	PartnershipID string `json:"partnership_id"`
	BrandID       string `json:"brand_id"`
	CreatorID     string `json:"creator_id"`
	// CreatorHandle is the creator's handle on Platform, the first deliverable's platform:
	// the account vetting reads and the discount code is named after.
	CreatorHandle string   `json:"creator_handle"`
	BrandName     string   `json:"brand_name"`
	BrandHandles  []string `json:"brand_handles"`
	Platform      string   `json:"platform"`
	// CreatorHandles maps every platform the creator has an account on to its handle, so
	// each deliverable's post is verified against the account on its own platform, whatever
	// the negotiated terms end up listing. Empty for workflows started before it existed.
	CreatorHandles map[string]string `json:"creator_handles,omitempty"`
	Campaign       Campaign          `json:"campaign"`
	Offer          Terms             `json:"offer"`
	CreatedBy      Actor             `json:"created_by"`
	CreatedAt      time.Time         `json:"created_at"`
	// TransferLookupSeconds is how long a transfer made waits for the payments provider's
	// word (its webhook) before the partnership asks the provider for it; each later ask
	// waits twice as long, up to a day. Zero: an hour (workflows). The API sets it from
	// PARTNERFLOW_TRANSFER_LOOKUP_AFTER when it starts the partnership, so every replay of the
	// partnership waits the same.
	TransferLookupSeconds int64 `json:"transfer_lookup_seconds,omitempty"`
	// Carry is set when an ambassador partnership continues as new for its next cycle.
	Carry *Carry `json:"carry,omitempty"`
}

// HandleOn returns the creator's handle on platform and whether the creator has an account
// there. A workflow started before CreatorHandles existed knows only CreatorHandle, and
// answers it for every platform, as it always did.
func (in Input) HandleOn(platform string) (string, bool) {
	if len(in.CreatorHandles) == 0 {
		return in.CreatorHandle, true
	}
	h, ok := in.CreatorHandles[platform]
	return h, ok
}

// Carry is what one run of an ambassador partnership hands the next: the state, the
// numbering of audit events, read-model versions and e-mails, and the provider events
// already applied, so nothing is duplicated or lost across the boundary.
type Carry struct {
	Cycle      int      `json:"cycle"`
	State      State    `json:"state"`
	Version    int64    `json:"version"`
	Seq        int64    `json:"seq"`
	Messages   int      `json:"messages"`
	SeenEvents []string `json:"seen_events"`
	// UsedPosts are the posts verified in every cycle so far, so that none counts (and is
	// paid) again in a later one. Nil in carries made before it existed.
	UsedPosts *UsedPosts `json:"used_posts,omitempty"`
	// Notices are the e-mails the last run had queued and not sent by its hand-over (the
	// e-mail provider slow or down): the next run sends them first.
	Notices []Notice `json:"notices,omitempty"`
}

// Notice is an e-mail a partnership queued, which nobody waits for: whose turn it now is and
// why, or what failed.
type Notice struct {
	Role    string `json:"role"`
	Step    string `json:"step"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// Turn marks a turn e-mail, which a brand may have turned off (NotifyBrand).
	Turn bool `json:"turn,omitempty"`
}

// UsedPosts names posts already verified for a deliverable, by what identifies a post: its
// media id at the social provider and its URL reduced to what names the post. Only these, not
// whole reports, so the carry stays small however many cycles there are.
type UsedPosts struct {
	MediaIDs []string `json:"media_ids"`
	URLKeys  []string `json:"url_keys"`
}
