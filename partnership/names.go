// Package partnership holds what the API, the workflows and the activities must agree on: the
// workflow and task-queue names, the message (update, signal, query) names, the stage and
// status vocabulary of API.md, and the shapes of a partnership's terms and state.
package partnership

// TaskQueue is the task queue every Partnerflow worker polls.
const TaskQueue = "partnerflow"

// WorkflowType is the registered name of the partnership workflow.
const WorkflowType = "PartnershipWorkflow"

// WorkflowID is the deterministic workflow ID of a partnership, so that creation is idempotent
// and any process can address the workflow from the partnership id alone.
func WorkflowID(partnershipID string) string { return "partnership/" + partnershipID }

// LatePaymentWorkflowType is the registered name of the workflow that weighs a payment the
// provider reported failed after the partnership's own workflow closed (a bank's return
// after the return window, or after an operator's cancel).
const LatePaymentWorkflowType = "LatePaymentReport"

// LatePaymentWorkflowID is the id of a partnership's late-payment workflow: one at a time per
// partnership, so that two late reports are weighed one after the other.
func LatePaymentWorkflowID(partnershipID string) string { return "late-payment/" + partnershipID }

// Update names: every human action is a workflow Update with a validator.
const (
	UpdateVettingDecision = "vetting_decision"
	UpdateNegotiate       = "negotiate"
	UpdateSubmitDraft     = "submit_draft"
	UpdateReviewDraft     = "review_draft"
	UpdateSubmitPost      = "submit_publication"
	UpdateTriggerPayout   = "trigger_payout"
	UpdateApprovePayout   = "approve_payout"
	UpdateCancel          = "cancel"
	// UpdateRetryStep retries the provider step a partnership is held on (admin only).
	UpdateRetryStep = "retry_step"
)

// Signal names: provider webhooks arrive as signals, deduplicated by event id.
const (
	SignalESignEvent   = "esign_event"
	SignalPaymentEvent = "payment_event"
	// SignalESignSigned is one signer's signature of an envelope that is not complete yet (a
	// recipient-completed webhook). A signal of its own, not an esign_event with a new field:
	// a worker from before it leaves it unread instead of taking it for a final status.
	SignalESignSigned = "esign_signed"
)

// The contract's signers, as the e-signature envelope and contract.signing_urls name them.
const (
	SignerCreator = "creator"
	SignerBrand   = "brand"
)

// QueryState returns the partnership's live State; the summaries of an ambassador's finished
// cycles are compact in it (CycleSummary.Compact), the read model holds them whole.
const QueryState = "state"

// EventCycleCompleted is the audit event of an ambassador cycle's close. The read-model write
// that carries it also keeps the cycle's whole summary, which the workflow then carries compact.
const EventCycleCompleted = "cycle_completed"

// Error types carried by workflow ApplicationErrors that the API maps to HTTP statuses.
const (
	// ErrTypeConflict: the action does not fit the current stage, turn or status (HTTP 409).
	ErrTypeConflict = "Conflict"
	// ErrTypeForbidden: the actor's role may not take this action (HTTP 403).
	ErrTypeForbidden = "Forbidden"
	// ErrTypeInvalid: the payload is invalid for this partnership (HTTP 422).
	ErrTypeInvalid = "Invalid"
	// ErrTypeNotFound: a sub-resource (deliverable, payout, draft version) does not exist (HTTP 404).
	ErrTypeNotFound = "NotFound"
)
