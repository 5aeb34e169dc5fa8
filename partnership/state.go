package partnership

import (
	"encoding/json"
	"slices"
	"time"
)

// State is the whole state of a partnership as GET /v1/partnerships/{id} returns it.
//
// The keys API.md promises are always present, also before they have a value: an empty
// string for text, null for a time or an object not reached yet (a draft's review, a
// deliverable's publication). So is provider_hold, null unless a provider step is held, so
// that clients can test it without knowing when it was added. Other keys beyond that
// contract are left out while empty.
type State struct {
	ID           string        `json:"id"`
	BrandID      string        `json:"brand_id"`
	CampaignID   string        `json:"campaign_id"`
	CreatorID    string        `json:"creator_id"`
	Stage        Stage         `json:"stage"`
	Outcome      string        `json:"outcome,omitempty"`
	Terms        Terms         `json:"terms"`
	Vetting      Vetting       `json:"vetting"`
	Negotiation  Negotiation   `json:"negotiation"`
	Contract     Contract      `json:"contract"`
	Tracking     Tracking      `json:"tracking"`
	Deliverables []Deliverable `json:"deliverables"`
	Payouts      []Payout      `json:"payouts"`
	NextAction   *NextAction   `json:"next_action"`
	// Cycle is the current period of an ambassador partnership (1 for all others); Cycles
	// summarises the finished ones.
	Cycle        int            `json:"cycle"`
	Cycles       []CycleSummary `json:"cycles,omitempty"`
	Cancellation *Cancellation  `json:"cancellation,omitempty"`
	// ComplianceHold is set while a re-checked live post is missing or lost its disclosure;
	// no payout is made until the creator fixes it and the fix is verified.
	ComplianceHold *ComplianceHold `json:"compliance_hold,omitempty"`
	// ProviderHold is set while a provider step that failed for good waits for an admin to
	// retry it (or for the brand to cancel); null otherwise.
	ProviderHold *ProviderHold `json:"provider_hold"`
	// ExclusivityEndsAt is when the creator may work with competitors again: the signature
	// plus the exclusivity days of the terms.
	ExclusivityEndsAt *time.Time `json:"exclusivity_ends_at,omitempty"`
	// UsageRightsEndAt is when the brand's right to reuse the content ends: verification of
	// the last post plus the usage-rights days. The brand is reminded before it.
	UsageRightsEndAt *time.Time `json:"usage_rights_end_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// Vetting is the creator assessment and the brand's decision on it.
type Vetting struct {
	Report    json.RawMessage `json:"report"`
	Clean     bool            `json:"clean"`
	Decision  string          `json:"decision"` // approve | reject | auto_approved; empty until decided
	DecidedBy string          `json:"decided_by"`
	Note      string          `json:"note,omitempty"`
}

// Negotiation is the offer/counter-offer exchange.
type Negotiation struct {
	Round   int                `json:"round"`
	Turn    string             `json:"turn"` // the role whose move it is
	History []NegotiationEntry `json:"history"`
}

// NegotiationEntry is one move in the negotiation.
type NegotiationEntry struct {
	Round  int       `json:"round"`
	Role   string    `json:"role"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // offer | accept | decline | counter | withdraw
	Terms  *Terms    `json:"terms,omitempty"`
	At     time.Time `json:"at"`
}

// Contract is the e-signature envelope of the agreed terms.
type Contract struct {
	EnvelopeID  string            `json:"envelope_id"`
	Status      string            `json:"status"`
	SigningURLs map[string]string `json:"signing_urls"`
	// SignedAt is when the envelope was completed: both parties signed.
	SignedAt *time.Time `json:"signed_at"`
	// Signers says who has signed so far, so that everyone can see whose signature the
	// contract still waits for.
	Signers ContractSigners `json:"signers"`
	// DeclinedBy and DeclineReason: for a contract declined at signing, the signer who
	// declined (creator or brand) and the reason they gave, when the provider says.
	DeclinedBy    string `json:"declined_by,omitempty"`
	DeclineReason string `json:"decline_reason,omitempty"`
}

// ContractSigners holds each signer's signature, keyed like signing_urls.
type ContractSigners struct {
	Creator Signature `json:"creator"`
	Brand   Signature `json:"brand"`
}

// Of returns the signature of signer (SignerCreator or SignerBrand); nil for another role.
func (s *ContractSigners) Of(signer string) *Signature {
	switch signer {
	case SignerCreator:
		return &s.Creator
	case SignerBrand:
		return &s.Brand
	}
	return nil
}

// Signature is one signer's signature of the contract: null until they sign.
type Signature struct {
	SignedAt *time.Time `json:"signed_at"`
}

// Tracking is the attribution of sales to the creator's code and link.
type Tracking struct {
	DiscountCode string `json:"discount_code"`
	Link         string `json:"link"`
	Conversions  int64  `json:"conversions"`
	Revenue      Money  `json:"revenue"`
	// PostMetrics is the engagement of the live posts, read at the end of the window.
	PostMetrics *PostMetrics `json:"post_metrics,omitempty"`
	// CountedSince and CountedUntil bound the orders counted (since inclusive, until
	// exclusive; no since: from the start). Each ambassador cycle counts from where the last
	// one stopped, so no sale earns commission twice and none is missed.
	CountedSince time.Time `json:"counted_since,omitzero"`
	CountedUntil time.Time `json:"counted_until,omitzero"`
	// OtherCurrencies sums, per currency, the orders on the code in the same count that are
	// not in the deal's currency. They earn no commission here (no exchange rate is assumed),
	// and are shown so that the brand and finance can settle them by hand rather than never
	// learn of them.
	OtherCurrencies []CurrencyOrders `json:"other_currencies,omitempty"`
}

// CurrencyOrders is how many orders in one currency, and their total.
type CurrencyOrders struct {
	Orders  int64 `json:"orders"`
	Revenue Money `json:"revenue"`
}

// PostMetrics sums the engagement of a partnership's live posts.
type PostMetrics struct {
	Posts    int64 `json:"posts"`
	Likes    int64 `json:"likes"`
	Comments int64 `json:"comments"`
}

// Deliverable is one piece of content with its drafts and publication.
type Deliverable struct {
	ID          string       `json:"id"`
	Platform    string       `json:"platform"`
	Format      string       `json:"format"`
	Status      string       `json:"status"`
	DueAt       *time.Time   `json:"due_at"`
	Drafts      []Draft      `json:"drafts"`
	Publication *Publication `json:"publication"`
}

// Draft is one submitted version of a deliverable.
type Draft struct {
	Version            int             `json:"version"`
	Caption            string          `json:"caption"`
	MediaURLs          []string        `json:"media_urls"`
	OnscreenDisclosure bool            `json:"onscreen_disclosure"`
	SpokenDisclosure   bool            `json:"spoken_disclosure"`
	PlatformPaidLabel  bool            `json:"platform_paid_label"`
	Disclosure         json.RawMessage `json:"disclosure"`
	Compliant          bool            `json:"-"`
	SubmittedAt        time.Time       `json:"submitted_at"`
	Review             *Review         `json:"review"`
}

// Review is the brand's decision on a draft.
type Review struct {
	Decision string    `json:"decision"` // approve | request_changes
	Comments string    `json:"comments,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Publication is the live post and its verification.
type Publication struct {
	URL    string              `json:"url"`
	Status string              `json:"status"` // verifying | verified | failed
	Report *VerificationReport `json:"report,omitempty"`
}

// VerificationReport says what was checked on the live post.
type VerificationReport struct {
	MediaID    string          `json:"media_id,omitempty"`
	Verified   bool            `json:"verified"`
	Reasons    []string        `json:"reasons"`
	Disclosure json.RawMessage `json:"disclosure,omitempty"`
	CheckedAt  time.Time       `json:"checked_at"`
}

// Payout is one transfer of money to the creator.
type Payout struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Amount      Money      `json:"amount"`
	Status      string     `json:"status"`
	TriggeredBy string     `json:"triggered_by"`
	ApprovedBy  string     `json:"approved_by"`
	TransferID  string     `json:"transfer_id"`
	FailureCode string     `json:"failure_code"`
	PaidAt      *time.Time `json:"paid_at"`
	// ConflictingReport is what the payments provider reported of this payout's transfer
	// against its status, paid for a failed payout or failed for a paid one
	// (payment_conflict): the status stands until someone has checked the transfer at the
	// provider, and a fee whose failed payout was reported paid is triggered again only with a
	// reason.
	ConflictingReport string `json:"conflicting_report,omitempty"`
}

// NextAction tells who must act next, what they must do and by when.
type NextAction struct {
	Role   string     `json:"role"`
	Action string     `json:"action"`
	DueAt  *time.Time `json:"due_at"`
	// OverdueSince is the deadline this person first missed for this action: a missed
	// deadline is escalated and its clock starts again (DueAt), and this keeps the action
	// late (the overdue work queues and lists) until someone acts.
	OverdueSince *time.Time `json:"overdue_since,omitempty"`
}

// CycleSummary is one finished period of an ambassador partnership.
type CycleSummary struct {
	Cycle     int       `json:"cycle"`
	StartedAt time.Time `json:"started_at"`
	// Deliverables is nil (null in JSON) in a compact summary: the workflow carries from run
	// to run only what the next cycles need of a finished one, its payouts and tracking, and
	// the read model keeps the whole summary (Store.GetPartnership puts it back). A cycle
	// without deliverables is [] in a whole summary.
	Deliverables []Deliverable `json:"deliverables"`
	Payouts      []Payout      `json:"payouts"`
	Tracking     Tracking      `json:"tracking"`
}

// Compact is the summary without its deliverables, which hold every draft, review and
// post report of the cycle and make up most of its size: what a run carries of a finished
// cycle. Its payouts and tracking stay, for what later cycles and the campaign report add up.
func (c CycleSummary) Compact() CycleSummary {
	c.Deliverables = nil
	return c
}

// IsCompact reports a summary whose deliverables were left out (Compact).
func (c CycleSummary) IsCompact() bool { return c.Deliverables == nil }

// ComplianceHold says which posts failed their re-check and why.
type ComplianceHold struct {
	DeliverableIDs []string  `json:"deliverable_ids"`
	Reasons        []string  `json:"reasons"`
	Since          time.Time `json:"since"`
}

// ProviderHold says which provider step failed for good, and how. The partnership stays in
// its stage with next_action {admin, retry_<step>} until an admin retries the step (the
// retry_step Update) or the partnership is cancelled.
type ProviderHold struct {
	// Step is the system action that failed: create_contract, create_discount_code,
	// verify_post or collect_conversions.
	Step string `json:"step"`
	// Provider is the provider that failed: esign, commerce or social.
	Provider string `json:"provider"`
	// Error is the failure's type: ProviderRejected, ProviderRequestInvalid,
	// ProviderResponseInvalid, NotFound, or Timeout (retried until the activity's 24 hours ran
	// out).
	Error string `json:"error"`
	// StatusCode is the provider's HTTP status, when it answered one (a refusal).
	StatusCode int    `json:"status_code,omitempty"`
	Message    string `json:"message"`
	// DeliverableID names the deliverable whose post was being verified (verify_post only).
	DeliverableID string `json:"deliverable_id,omitempty"`
	// Attempt is how many times the step has been tried, this failure included.
	Attempt int       `json:"attempt"`
	Since   time.Time `json:"since"`
}

// Cancellation records why a partnership ended early.
type Cancellation struct {
	By     string    `json:"by"`
	Role   string    `json:"role"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Owed is the payout kind the cancellation left owed, fee or kill_fee, once compensation
	// decided it; empty when it owes neither (or was decided before the field existed).
	Owed string `json:"owed,omitempty"`
}

// ForReadModel is the state as the read model and the API show it: a deliverable's due_at only
// where a draft is awaited (awaiting_draft, changes_requested, and not once the partnership
// ended), as API.md's deliverable promises. The workflow keeps a deliverable's last draft deadline, which its content waits
// count from; shown once the draft came, it would read as a deadline still running. st is not
// changed.
func (st State) ForReadModel() State {
	st.Deliverables = awaitedDues(st.Deliverables, st.Stage.Terminal())
	if len(st.Cycles) > 0 {
		st.Cycles = slices.Clone(st.Cycles)
		for i := range st.Cycles {
			st.Cycles[i].Deliverables = awaitedDues(st.Cycles[i].Deliverables, true)
		}
	}
	return st
}

// awaitedDues is deliverables with due_at cleared where no draft is awaited (none is when
// ended); deliverables itself when there is none to clear.
func awaitedDues(ds []Deliverable, ended bool) []Deliverable {
	var out []Deliverable
	for i, d := range ds {
		if d.DueAt == nil || !ended && (d.Status == DeliverableAwaitingDraft || d.Status == DeliverableChangesRequested) {
			continue
		}
		if out == nil {
			out = slices.Clone(ds)
		}
		out[i].DueAt = nil
	}
	if out == nil {
		return ds
	}
	return out
}
