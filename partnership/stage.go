package partnership

// Stage is the coarse position of a partnership in its lifecycle (API.md "Stages").
type Stage string

// Stages, in lifecycle order, then the terminal outcomes.
const (
	StageVetting     Stage = "vetting"
	StageNegotiation Stage = "negotiation"
	StageContracting Stage = "contracting"
	StageContent     Stage = "content"
	StagePublishing  Stage = "publishing"
	StageTracking    Stage = "tracking"
	StagePayout      Stage = "payout"
	StageCompleted   Stage = "completed"
	StageCancelled   Stage = "cancelled"
	StageDeclined    Stage = "declined"
	StageExpired     Stage = "expired"
	StageRejected    Stage = "rejected"
)

// Stages lists every stage clients may see.
var Stages = []Stage{StageVetting, StageNegotiation, StageContracting, StageContent, StagePublishing,
	StageTracking, StagePayout, StageCompleted, StageCancelled, StageDeclined, StageExpired, StageRejected}

// Terminal reports whether a partnership in this stage has ended.
func (s Stage) Terminal() bool {
	switch s {
	case StageCompleted, StageCancelled, StageDeclined, StageExpired, StageRejected:
		return true
	}
	return false
}

// InWords writes the stage as what a partnership is, for messages to people: "the partnership
// is " + InWords() reads "in negotiation", "in the payout stage", or "cancelled" for a stage
// that ended it.
func (s Stage) InWords() string {
	switch {
	case s.Terminal():
		return string(s)
	case s == StageVetting || s == StageNegotiation || s == StageContracting:
		return "in " + string(s)
	case s == "":
		return "not started"
	}
	return "in the " + string(s) + " stage"
}

// Valid reports whether s is one of Stages.
func (s Stage) Valid() bool {
	for _, v := range Stages {
		if v == s {
			return true
		}
	}
	return false
}

// Deliverable statuses.
const (
	DeliverableAwaitingDraft      = "awaiting_draft"
	DeliverableInReview           = "in_review"
	DeliverableChangesRequested   = "changes_requested"
	DeliverableApproved           = "approved"
	DeliverableVerifying          = "verifying"
	DeliverableVerificationFailed = "verification_failed"
	DeliverableVerified           = "verified"
)

// Payout statuses and kinds.
const (
	PayoutAwaitingApproval = "awaiting_approval"
	PayoutProcessing       = "processing"
	PayoutPaid             = "paid"
	PayoutFailed           = "failed"

	PayoutKindFee        = "fee"
	PayoutKindCommission = "commission"
	PayoutKindKillFee    = "kill_fee"
)

// Roles of the people acting on a partnership.
const (
	RoleBrandManager = "brand_manager"
	RoleCreator      = "creator"
	RoleFinance      = "finance"
	RoleAdmin        = "admin"
)

// Roles lists every valid role.
var Roles = []string{RoleBrandManager, RoleCreator, RoleFinance, RoleAdmin}

// RoleSystem marks transitions the workflow makes on its own (timeouts, provider events).
const RoleSystem = "system"

// Offer kinds, platforms and formats accepted in terms.
var (
	OfferKinds = []string{"one_off", "ambassador", "affiliate", "gifting"}
	Platforms  = []string{"instagram", "tiktok", "youtube", "x", "facebook"}
	Formats    = []string{"post", "reel", "story", "video", "short", "live"}
)
