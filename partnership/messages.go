package partnership

import "time"

// VettingDecision is the brand's decision on a vetting report.
type VettingDecision struct {
	Actor    Actor  `json:"actor"`
	Decision string `json:"decision"` // approve | reject
	Note     string `json:"note"`
}

// NegotiationMove is one negotiation action.
type NegotiationMove struct {
	Actor  Actor  `json:"actor"`
	Action string `json:"action"` // accept | decline | counter | withdraw
	Terms  *Terms `json:"terms,omitempty"`
}

// DraftSubmission is a creator's draft for one deliverable.
type DraftSubmission struct {
	Actor              Actor    `json:"actor"`
	DeliverableID      string   `json:"deliverable_id"`
	Caption            string   `json:"caption"`
	MediaURLs          []string `json:"media_urls"`
	OnscreenDisclosure bool     `json:"onscreen_disclosure"`
	SpokenDisclosure   bool     `json:"spoken_disclosure"`
	PlatformPaidLabel  bool     `json:"platform_paid_label"`
}

// Ack is what an action's Update returns when the caller answers with the whole partnership:
// the stage the action left it in and the read-model version that holds the action. The
// handler returns only after that version is written, so the API answers with the read
// model's row (version ≥ Version) instead of carrying the state through the Update: the
// state would be stored again in every Update-completed event of the workflow history.
// An Update completed by an older worker carries the whole state, which decodes as an Ack of
// version 0 (the read model had it written by then too).
type Ack struct {
	Stage   Stage `json:"stage"`
	Version int64 `json:"version"`
}

// DraftResult is what a draft submission returns.
type DraftResult struct {
	Version    int             `json:"version"`
	Disclosure DisclosureReply `json:"disclosure"`
}

// DisclosureReply is the disclosure check result shape of API.md.
type DisclosureReply struct {
	Compliant   bool                  `json:"compliant"`
	Violations  []DisclosureViolation `json:"violations"`
	LabelsFound []string              `json:"labels_found"`
}

// DisclosureViolation is one failed disclosure rule.
type DisclosureViolation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
}

// DraftReview is the brand's decision on a draft version.
type DraftReview struct {
	Actor         Actor  `json:"actor"`
	DeliverableID string `json:"deliverable_id"`
	Version       int    `json:"version"`
	Decision      string `json:"decision"` // approve | request_changes
	Comments      string `json:"comments"`
}

// PostSubmission is the creator's live post URL for a deliverable.
type PostSubmission struct {
	Actor         Actor  `json:"actor"`
	DeliverableID string `json:"deliverable_id"`
	URL           string `json:"url"`
}

// PayoutTrigger asks for a payout of one kind.
type PayoutTrigger struct {
	Actor Actor  `json:"actor"`
	Kind  string `json:"kind"`
	// Reason is why: required when an admin triggers (an override), optional for finance.
	Reason string `json:"reason,omitempty"`
}

// PayoutApproval is the second finance approval.
type PayoutApproval struct {
	Actor    Actor  `json:"actor"`
	PayoutID string `json:"payout_id"`
	// Reason is why: required when an admin approves (an override), optional for finance.
	Reason string `json:"reason,omitempty"`
}

// CancelRequest cancels (brand) or withdraws (creator) a partnership.
type CancelRequest struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason"`
}

// RetryRequest is an admin's retry of the provider step a partnership is held on.
type RetryRequest struct {
	Actor Actor `json:"actor"`
	// Reason is why it should work now (the provider is fixed, the data corrected); recorded
	// in the audit event like every admin override's.
	Reason string `json:"reason"`
}

// ESignEvent is an e-signature webhook delivered as a signal.
type ESignEvent struct {
	EventID    string `json:"event_id"`
	EnvelopeID string `json:"envelope_id"`
	Status     string `json:"status"` // completed | declined | voided | expired
	// DeclinedBy and Reason: the signer (SignerCreator or SignerBrand) who declined a
	// declined envelope and the reason they gave, when the provider says; empty otherwise.
	DeclinedBy string `json:"declined_by,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// FinalEnvelopeStatus reports whether an envelope status ends the signing: completed,
// declined, voided or expired. Providers also report envelopes sent, delivered and the like,
// which leave the signing as it was.
func FinalEnvelopeStatus(status string) bool {
	switch status {
	case "completed", "declined", "voided", "expired":
		return true
	}
	return false
}

// SignerEvent is one signer's signature of an envelope that is not complete yet (the
// provider's recipient-completed webhook), delivered as a signal.
type SignerEvent struct {
	EventID    string `json:"event_id"`
	EnvelopeID string `json:"envelope_id"`
	Signer     string `json:"signer"` // creator | brand
	// SignedAt is when the provider says the signer signed; zero when it did not say.
	SignedAt time.Time `json:"signed_at,omitzero"`
}

// LatePaymentStart is the input of a partnership's late-payment workflow
// (LatePaymentWorkflowType); the reports come as its payment_event signals.
type LatePaymentStart struct {
	PartnershipID string `json:"partnership_id"`
	// LookupSeconds is how long the workflow waits before asking the provider again about a
	// transfer it could not say anything of (the API's PARTNERFLOW_TRANSFER_LOOKUP_AFTER, as
	// Input.TransferLookupSeconds); 0 is the workflows' default, an hour.
	LookupSeconds int64 `json:"lookup_seconds,omitempty"`
}

// PaymentEvent is a payments webhook delivered as a signal.
type PaymentEvent struct {
	EventID     string `json:"event_id"`
	TransferID  string `json:"transfer_id"`
	PayoutID    string `json:"payout_id"`
	Status      string `json:"status"` // paid | failed
	FailureCode string `json:"failure_code,omitempty"`
}
