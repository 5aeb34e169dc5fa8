// Package workflows holds PartnershipWorkflow: one durable workflow per partnership, from
// vetting to the last payout. Human actions arrive as Updates (validated before they enter
// history), provider webhooks as Signals (deduplicated by event id); every transition is
// written to the read model and audit trail by a local activity. Each stage lives in its own
// file.
package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// a is a typed nil used to name activity methods without a live dependency.
var a *activities.Activities

// PartnershipWorkflow runs one partnership.
func PartnershipWorkflow(ctx workflow.Context, in partnership.Input) (partnership.State, error) {
	w := newPartnershipWorkflow(ctx, in)
	if err := w.setup(); err != nil {
		return w.st, err
	}
	return w.st, w.run()
}

type partnershipWorkflow struct {
	ctx workflow.Context
	in  partnership.Input

	st      partnership.State
	version int64
	// persisted and persistedStage are the highest version the read model holds and its
	// stage: what an Ack may promise.
	persisted      int64
	persistedStage partnership.Stage
	// batched: one read-model write per workflow task (see persist). requested counts the
	// persist calls, recorded those covered by a finished write.
	batched             bool
	requested, recorded int64
	seq                 int64
	pending             []activities.AuditEvent
	// messages numbers outgoing e-mails for their idempotency keys.
	messages int

	seenEvents map[string]bool
	esign      *partnership.ESignEvent
	// earlyESign holds e-signature events that arrived before the envelope id was recorded.
	earlyESign []partnership.ESignEvent
	// signatures holds signer events until the signing wait records them; perSigner: the
	// signing wait records single signatures (version 3 of "record-once-per-task").
	signatures []partnership.SignerEvent
	perSigner  bool
	payments   map[string]partnership.PaymentEvent // by payout id
	// transferInDoubt: payouts whose transfer ran out of retries once (settle).
	transferInDoubt map[string]bool
	// transfers are the CreateTransfer calls under way or answered and not yet applied, by
	// payout id (asyncTransfers); asyncTransfers is set once settle has asked the version
	// "async-transfers" and it took the new branch.
	transfers      map[string]*transferCall
	asyncTransfers bool
	// approvalAsked: payouts whose second approval the finance team was asked for.
	approvalAsked map[string]bool
	// conflicts: the payment reports that contradicted what the provider said before of the
	// same transfer, recorded once per payout, transfer and reported status (paymentConflict).
	conflicts map[string]bool
	// conflictChecks: the payment conflicts whose transfer is being asked about at the
	// provider (resolveConflict). A run does not end before they are resolved; a hand-over
	// gives them its minute, then tells finance of the rest (unresolvedConflictsTold).
	conflictChecks []*conflictCheck
	// paidAfterAll: a failed payout was found paid after all (resolveConflict), so a payout of
	// the same kind may be under way while the kind reads paid; settleAll waits for it.
	paidAfterAll bool
	// handingOver: an ambassador cycle is handing over to the next run (continueAsNew).
	handingOver bool
	// confirming: payouts whose transfer's coroutine confirms a reported failure with the
	// provider before settle applies it (transfer-lookup); failureConfirmed: the failure
	// event each confirmed.
	confirming       map[string]bool
	failureConfirmed map[string]partnership.PaymentEvent
	// chasedDue is the deadline of next_action whose reminder a settle wait sent, kept across
	// the waits (the re-check's, then the attribution window's) so it is sent once.
	chasedDue time.Time
	// checking: deliverables whose submitted draft is being checked for disclosure; another
	// draft for them waits for that one's answer (the handler blocks before it records it).
	checking map[string]bool
	cancel   *partnership.Cancellation
	// usedPosts are the posts verified in an ambassador partnership's earlier cycles: none of
	// them may count for a deliverable of this one.
	usedPosts partnership.UsedPosts
	// vettingRole is the role of whoever decided the vetting, for the audit trail.
	vettingRole string
	// changes counts content actions so waits wake on any of them.
	changes int
	// deadlinePerDeliverable: content waits for whoever is due first (untilDeliverables).
	deadlinePerDeliverable bool
	// everyAccount: vetting reads every account of the offer's platforms (vetting).
	everyAccount bool
	// signerEvents: the signing wait records each signature (awaitSignatures).
	signerEvents bool
	// base is the version of "record-once-per-task" this run took (setup): the behaviour
	// changes it implies, and those of foldedAt that it takes without asking.
	base workflow.Version
	// turnEmails: a submitted or reviewed draft is e-mailed to whoever acts on it next
	// (noticeTurn); notices holds those e-mails until noticeLoop sends them.
	turnEmails bool
	notices    []notice
	// late is the action whose deadline was first missed, and when (overdue, markLate).
	late *partnership.NextAction
	// noticeSending: noticeLoop is sending the e-mail it took from notices (noticesSent).
	noticeSending bool
	// escalations counts the missed deadlines of each content wait (earliestContentDue's
	// key), each of which restarts that wait's clock.
	escalations map[string]int
	ended       bool
	// compensating is set while compensate e-mails the creator what a cancellation leaves owed:
	// finance's payout actions wait, so what is owed is still what the e-mail says.
	compensating bool

	// payable lists payout kinds the partnership owes, in order of becoming payable.
	payable []string
	// feeEarly: the fee became payable when every deliverable was verified
	// (fee-on-verification), before the re-check; tracking must not add it again.
	feeEarly bool
}

func newPartnershipWorkflow(ctx workflow.Context, in partnership.Input) *partnershipWorkflow {
	now := workflow.Now(ctx).UTC()
	w := &partnershipWorkflow{
		ctx:        ctx,
		in:         in,
		seenEvents: map[string]bool{}, escalations: map[string]int{},
		payments: map[string]partnership.PaymentEvent{}, transferInDoubt: map[string]bool{}, transfers: map[string]*transferCall{}, approvalAsked: map[string]bool{}, checking: map[string]bool{},
		conflicts: map[string]bool{}, confirming: map[string]bool{}, failureConfirmed: map[string]partnership.PaymentEvent{},
	}
	if c := in.Carry; c != nil {
		// The next cycle of an ambassador partnership: carry on where the last run stopped.
		w.st, w.version, w.seq, w.messages = c.State, c.Version, c.Seq, c.Messages
		// The last run's unsent e-mails, sent first.
		w.notices = slices.Clone(c.Notices)
		w.persisted, w.persistedStage = c.Version, c.State.Stage // the last run wrote it before handing over
		for _, id := range c.SeenEvents {
			w.seenEvents[id] = true
		}
		if c.UsedPosts != nil {
			w.usedPosts = *c.UsedPosts
		} else {
			// A carry from before UsedPosts: the summaries of the cycles hold the same posts.
			for _, cy := range c.State.Cycles {
				addUsedPosts(&w.usedPosts, cy.Deliverables)
			}
		}
		w.in.Carry = nil // keep the next hand-over from nesting this one
		return w
	}
	w.st = partnership.State{
		ID: in.PartnershipID, BrandID: in.BrandID, CampaignID: in.Campaign.ID, CreatorID: in.CreatorID,
		Stage:        partnership.StageVetting,
		Cycle:        1,
		Terms:        in.Offer,
		Deliverables: []partnership.Deliverable{},
		Payouts:      []partnership.Payout{},
		Negotiation:  partnership.Negotiation{History: []partnership.NegotiationEntry{}},
		CreatedAt:    in.CreatedAt,
		UpdatedAt:    now,
	}
	if w.st.CreatedAt.IsZero() {
		w.st.CreatedAt = now
	}
	return w
}

// setup registers the query, updates and signal receivers before the first blocking call,
// so no message sent right after the start is refused.
func (w *partnershipWorkflow) setup() error {
	// Versioned, by one change id so that a new partnership records one version marker (each
	// GetVersion also upserts a search attribute: server work on every lifecycle):
	//   - version 1, "record-once-per-task": partnerships started before wrote the read model
	//     at every persist call;
	//   - version 2, content deadlines per deliverable: partnerships started before waited for
	//     one person at a time in content, the brand first (untilDeliverables);
	//   - version 3, every account vetted and each signature recorded: partnerships started
	//     before vetted the first deliverable's account only (VetCreator), and waited for the
	//     creator alone to sign, reminding only the creator (awaitSignatures);
	//   - version 4, content turns e-mailed: partnerships started before told nobody that a
	//     draft was submitted or reviewed (noticeTurn, noticeLoop);
	//   - version 5, every change of its own id made before it taken without a marker
	//     (foldedAt, changed): partnerships started before ask each change id where it
	//     matters, a marker and a search-attribute upsert each;
	//   - version 6, failure and approval e-mails sent beside the main loop (tell), the queued
	//     e-mails sent before a run ends (awaitNotices) and carried across a hand-over
	//     (noticesAtHandOver): partnerships started before sent them in line, and could end
	//     or hand over with a turn e-mail unsent;
	//   - version 7, a creator's withdrawal e-mailed to the brand (compensate): partnerships
	//     started before told nobody;
	//   - version 8, the payments provider asked what became of a transfer whose webhook is
	//     late ("transfer-lookup", awaitPaid) or contradicts an earlier one
	//     ("conflict-lookup", resolveConflict), both taken without a marker: partnerships
	//     started before ask each where it matters; and a partnership that ended with money
	//     paid kept open for its payouts' returns (awaitReturns): partnerships started before
	//     close at once.
	v := workflow.GetVersion(w.ctx, "record-once-per-task", workflow.DefaultVersion, BaseVersion)
	w.base = v
	w.batched, w.deadlinePerDeliverable, w.everyAccount, w.signerEvents = v >= 1, v >= 2, v >= 3, v >= 3
	w.turnEmails = v >= 4
	if err := workflow.SetQueryHandler(w.ctx, partnership.QueryState, func() (partnership.State, error) {
		return w.st, nil
	}); err != nil {
		return err
	}
	for _, reg := range []func() error{
		w.registerVettingUpdates, w.registerNegotiationUpdates, w.registerContentUpdates,
		w.registerPublishingUpdates, w.registerPayoutUpdates, w.registerCancelUpdate, w.registerRetryUpdate,
	} {
		if err := reg(); err != nil {
			return err
		}
	}
	w.receiveSignals()
	if w.turnEmails {
		workflow.Go(w.ctx, w.noticeLoop)
	}
	if w.batched {
		// Started last, so it runs after every other coroutine in each pass.
		dctx, _ := workflow.NewDisconnectedContext(w.ctx)
		workflow.Go(dctx, w.recordLoop)
	}
	return nil
}

func (w *partnershipWorkflow) run() error {
	stages := []func() error{w.vetting, w.negotiation, w.contracting, w.content, w.publishing, w.tracking, w.payout}
	if w.st.Cycle > 1 {
		// A later ambassador cycle: the contract is signed; start at the period's content.
		stages = []func() error{w.awaitCycleStart, w.content, w.publishing, w.tracking, w.payout}
	}
	for _, stage := range stages {
		// A cancellation that arrived while the last stage finished its side effects is handled
		// before the next stage makes any (no offer or e-mail after the brand cancelled).
		var err error
		if w.cancelled() {
			err = w.compensate(*w.cancel)
		} else {
			err = stage()
		}
		if err != nil {
			if errors.Is(err, errEnded) {
				break
			}
			if temporal.IsCanceledError(err) {
				return w.cancelledByTemporal()
			}
			return err
		}
		if w.ended {
			break
		}
	}
	if !w.ended && w.hasNextCycle() {
		// continueAsNew ends the run unless a cancellation came in during the hand-over.
		if err := w.continueAsNew(); !errors.Is(err, errEnded) {
			return err
		}
	}
	if !w.ended {
		w.finish(partnership.StageCompleted, "completed")
		w.emit("completed", systemActor, nil)
		if err := w.persist(w.ctx); err != nil {
			return err
		}
		if err := w.remindUsageRights(); err != nil {
			return err
		}
	}
	if err := w.awaitReturns(); err != nil {
		return err
	}
	// Let in-flight update handlers finish their persistence before the workflow closes.
	ctx, cancelled := w.ctx, false
	if w.ctx.Err() != nil && w.changed(w.ctx, "flush-after-cancel") {
		// An operator cancelled the execution while the partnership ended on its own (a
		// brand's cancellation settling its payout, say): its last writes are still made,
		// then the execution closes as Canceled. The old branch closed at once and lost them
		// (the payout paid, the cancellation's end) from the read model. Asked only then.
		ctx, _ = workflow.NewDisconnectedContext(w.ctx)
		cancelled = true
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := w.awaitNotices(ctx); err != nil {
		return err
	}
	if err := w.flushRecords(ctx); err != nil || !cancelled {
		return err
	}
	return temporal.NewCanceledError()
}

// returnWindow is how long a partnership that ended with money paid stays open after its last
// payout was paid: a transfer the creator's bank returns (the provider's transfer.failed
// after its transfer.paid, days or weeks later) then reaches a running workflow, which asks
// the provider and tells finance to pay at the provider (resolveConflict), instead of a
// closed one, whose webhook the API can only acknowledge.
const returnWindow = 30 * 24 * time.Hour

// awaitReturns keeps an ended partnership open until returnWindow after its last payout was
// paid, on partnerships from version 8 (a timer; nothing else changes: every action is refused
// as for any ended partnership). Not after an operator's cancel of the workflow.
func (w *partnershipWorkflow) awaitReturns() error {
	if w.base < 8 {
		return nil
	}
	for w.ctx.Err() == nil {
		var last time.Time
		for _, p := range w.allPayouts() {
			if p.Status == partnership.PayoutPaid && p.PaidAt != nil && p.PaidAt.After(last) {
				last = *p.PaidAt
			}
		}
		wait := last.Add(returnWindow).Sub(workflow.Now(w.ctx))
		if last.IsZero() || wait <= 0 {
			return nil
		}
		// Measured again after the wait: a payout paid meanwhile (paid after all) extends it.
		if err := workflow.Sleep(w.ctx, wait); err != nil && !temporal.IsCanceledError(err) {
			return err
		}
	}
	return nil // an operator's cancel ends the window; run's last writes are still made
}

// allPayouts lists this run's payouts and those of an ambassador partnership's finished cycles.
func (w *partnershipWorkflow) allPayouts() []partnership.Payout {
	all := slices.Clone(w.st.Payouts)
	for _, c := range w.st.Cycles {
		all = append(all, c.Payouts...)
	}
	return all
}

// cancelledByTemporal compensates when the workflow execution itself is cancelled (an
// operator's `temporal workflow cancel`), then ends the execution as Canceled, not Failed.
func (w *partnershipWorkflow) cancelledByTemporal() error {
	err := w.compensate(partnership.Cancellation{By: "temporal", Role: partnership.RoleSystem,
		Reason: "workflow cancelled", At: workflow.Now(w.ctx).UTC()})
	if err != nil && !errors.Is(err, errEnded) {
		return err
	}
	dctx, _ := workflow.NewDisconnectedContext(w.ctx)
	if err := workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) }); err != nil {
		return err
	}
	if err := w.flushRecords(dctx); err != nil {
		return err
	}
	return temporal.NewCanceledError()
}

// remindUsageRights keeps a completed partnership open until the brand has been reminded that
// its usage rights to the content are about to end. Versioned: partnerships that completed
// before this existed closed right away, and their histories must replay that way.
func (w *partnershipWorkflow) remindUsageRights() error {
	if !w.changed(w.ctx, "usage-rights-reminder") {
		return nil
	}
	if w.st.UsageRightsEndAt == nil {
		return nil
	}
	before := partnership.Seconds(w.in.Campaign.ReminderBeforeSeconds)
	if before <= 0 {
		before = 7 * 24 * time.Hour
	}
	wait := w.st.UsageRightsEndAt.Add(-before).Sub(workflow.Now(w.ctx))
	if wait > 0 {
		if err := workflow.Sleep(w.ctx, wait); err != nil {
			return err
		}
	}
	w.emit("usage_rights_reminder", systemActor, map[string]any{"usage_rights_end_at": w.st.UsageRightsEndAt})
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	return w.notifyBrand("usage_rights", "Usage rights ending soon",
		fmt.Sprintf("Your rights to reuse the content of %s end on %s. Renew them with the creator or stop using the content by then.%s",
			w.brandPartnershipName(), w.st.UsageRightsEndAt.Format("2 January 2006"), w.idLine()))
}

// errEnded unwinds the stage sequence once the partnership reached an outcome.
var errEnded = errors.New("partnership ended")

var systemActor = partnership.Actor{Sub: "partnerflow", Role: partnership.RoleSystem}

// finish moves the partnership to a terminal stage.
func (w *partnershipWorkflow) finish(stage partnership.Stage, outcome string) {
	w.st.Stage = stage
	w.st.Outcome = outcome
	w.st.NextAction = nil
	w.ended = true
}

// end finishes, records and unwinds.
func (w *partnershipWorkflow) end(stage partnership.Stage, outcome, eventType string, actor partnership.Actor, data any) error {
	w.finish(stage, outcome)
	w.emit(eventType, actor, data)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	if err := w.tellEnded(eventType); err != nil {
		return err
	}
	return errEnded
}

// tellEnded tells the people of a partnership that ended without either of them ending it
// by an action of theirs they know of: the brand that its offer was declined or went
// unanswered, both that the contract was declined, voided or not signed in time. The
// cancellations tell the creator themselves (compensate); a rejected vetting tells nobody (the
// creator was never offered anything). Versioned ("end-emails", asked only on these ends):
// they used to end in silence, and the brand learned of it from its lists.
func (w *partnershipWorkflow) tellEnded(eventType string) error {
	var toBrand, toCreator string
	brandSide, creatorSide := w.brandPartnershipName(), w.partnershipName()
	switch eventType {
	case "offer_declined":
		toBrand = fmt.Sprintf("The creator declined the offer of %s. The partnership has ended.", brandSide)
	case "offer_expired":
		toBrand = fmt.Sprintf("The offer of %s went unanswered within its %s and has expired.", brandSide, partnership.HumanSeconds(w.in.Campaign.OfferTTLSeconds))
		toCreator = fmt.Sprintf("The offer of %s from %s has expired.", creatorSide, w.in.BrandName)
	case "contract_declined":
		toBrand = fmt.Sprintf("The contract of %s was declined at signing%s. The partnership has ended.", brandSide, w.declinedBy("the creator", "your team"))
		toCreator = fmt.Sprintf("The contract of %s with %s was declined at signing%s. The partnership has ended.", creatorSide, w.in.BrandName, w.declinedBy("you", w.in.BrandName))
	case "contract_expired":
		toBrand = fmt.Sprintf("The contract of %s was not signed by both parties in time and has expired.", brandSide)
		toCreator = fmt.Sprintf("The contract of %s with %s was not signed in time and has expired.", creatorSide, w.in.BrandName)
	case "contract_voided":
		toBrand = fmt.Sprintf("The contract of %s was voided at the e-signature provider. The partnership has ended.", brandSide)
		toCreator = fmt.Sprintf("The contract of %s with %s was voided. The partnership has ended.", creatorSide, w.in.BrandName)
	default:
		return nil
	}
	if !w.changed(w.ctx, "end-emails") {
		return nil
	}
	if err := w.notifyBrand("ended/"+eventType, "A partnership has ended", toBrand+w.idLine()); err != nil {
		return err
	}
	if toCreator == "" {
		return nil
	}
	return w.notifyCreator("ended/"+eventType, "Your partnership has ended", toCreator)
}

// declinedBy says who declined the contract and why, as the reader knows them (creator and
// brand: what to call each side), when the provider said: " by the creator: "Fee too low"".
func (w *partnershipWorkflow) declinedBy(creator, brand string) string {
	c := w.st.Contract
	who := map[string]string{partnership.SignerCreator: creator, partnership.SignerBrand: brand}[c.DeclinedBy]
	switch {
	case who == "":
		return ""
	case c.DeclineReason == "":
		return " by " + who
	}
	return " by " + who + `: "` + c.DeclineReason + `"` // as written, not Go-quoted
}

// idLine ends a brand's or a team's e-mail with the partnership's id, which the API and its
// lists take: " Partnership id: 01a2….".
func (w *partnershipWorkflow) idLine() string {
	return " Partnership id: " + w.in.PartnershipID + "."
}

// upperFirst capitalises the first letter of a sentence built from a phrase.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// brandPartnershipName names the partnership for the brand's e-mails: "the partnership with
// @jane for the campaign "Spring launch" (an instagram reel)".
func (w *partnershipWorkflow) brandPartnershipName() string { return w.brandPartnership(true) }

// brandPartnership is brandPartnershipName, without what is to be posted when the e-mail
// names a deliverable itself.
func (w *partnershipWorkflow) brandPartnership(withDeliverables bool) string {
	name := "the partnership"
	if h := strings.TrimSpace(w.in.CreatorHandle); h != "" {
		name += " with @" + strings.TrimPrefix(h, "@")
	}
	if campaign := strings.TrimSpace(w.in.Campaign.Name); campaign != "" {
		name += fmt.Sprintf(" for the campaign %q", campaign)
	}
	t := w.st.Terms
	if len(t.Deliverables) == 0 {
		t = w.in.Offer
	}
	if withDeliverables && len(t.Deliverables) > 0 {
		name += " (" + deliverableList(t.Deliverables) + ")"
	}
	return name
}

func (w *partnershipWorkflow) setStage(s partnership.Stage) {
	if w.st.Stage == s {
		return
	}
	from := w.st.Stage
	w.st.Stage = s
	w.emit("stage_changed", systemActor, map[string]string{"from": string(from), "to": string(s)})
}

// emit appends an audit event; persist writes it.
func (w *partnershipWorkflow) emit(typ string, actor partnership.Actor, data any) {
	w.seq++
	var raw json.RawMessage
	if data != nil {
		// encoding/json output is deterministic for the plain data emitted here (map keys are
		// sorted); workflowcheck only sees reflection and allocation inside it.
		raw, _ = json.Marshal(data) //workflowcheck:ignore
	}
	w.pending = append(w.pending, activities.AuditEvent{
		Seq: w.seq, Type: typ, Actor: actor.Sub, Role: actor.Role, At: workflow.Now(w.ctx).UTC(), Data: raw,
	})
	w.count(typ, data)
}

// persist has the current snapshot and pending events written to the read model and audit
// trail. ctx must be the calling coroutine's own context: an update handler's ctx, or w.ctx in
// the main loop (blocking on another coroutine's context panics).
//
// Partnerships started before "record-once-per-task" write at every call and wait for it, the
// command sequence their histories hold. Later ones hand the write to recordLoop, which writes
// once for all the persist calls made before the workflow next blocks: the main loop's
// changes of one workflow task, and an Update handler's change together with the main loop's
// answer to it (who must act next), are one local activity, one history marker and one
// database transaction. The main loop does not wait for the write here: it is made while the
// loop waits for its next activity, timer or person, and before the workflow task completes,
// so activities scheduled in the same task start after it. The workflow waits for all writes
// before it ends (flushRecords); update handlers wait for theirs (persistAndWait).
func (w *partnershipWorkflow) persist(ctx workflow.Context) error {
	if !w.batched {
		return w.record(ctx)
	}
	w.requested++
	return nil
}

// persistAndWait persists and returns once the write is done: for Update handlers, whose
// callers read the read model as soon as the Update returns.
func (w *partnershipWorkflow) persistAndWait(ctx workflow.Context) error {
	if err := w.persist(ctx); err != nil {
		return err
	}
	return w.flushRecords(ctx)
}

// flushRecords waits until every write asked for so far is done.
func (w *partnershipWorkflow) flushRecords(ctx workflow.Context) error {
	if !w.batched {
		return nil
	}
	want := w.requested
	return workflow.Await(ctx, func() bool { return w.recorded >= want })
}

// recordLoop is the one writer of batched partnerships. It runs after the coroutines that
// asked for a write in the same pass (the dispatcher runs update handlers, then the main loop,
// then the coroutines started in setup, in that order), so their changes share a write. It
// runs on a disconnected context: the write that records a cancellation must not be cancelled.
//
// A write that keeps failing (the read model's database down for longer than the local
// activity's own retries) is tried again after a durable timer, for as long as it takes: the
// partnership waits for its read model instead of failing, which would strand its people and
// its money. Update handlers wait for their write meanwhile, so the API answers 503 and the
// client retries. The timer keeps the history small: a local activity retried for hours would
// add a workflow-task heartbeat every few seconds.
func (w *partnershipWorkflow) recordLoop(ctx workflow.Context) {
	failures := 0
	for {
		if err := workflow.Await(ctx, func() bool { return w.requested > w.recorded }); err != nil {
			return
		}
		upTo := w.requested
		if err := w.record(ctx); err != nil {
			failures++
			wait := recordRetryWait(failures)
			workflow.GetLogger(ctx).Warn("read-model write failed; trying again after a timer",
				"attempts", failures, "wait", wait, "error", err)
			if err := workflow.Sleep(ctx, wait); err != nil {
				return
			}
			continue
		}
		failures = 0
		w.recorded = upTo
	}
}

// recordRetryWait is how long the writer waits after its n-th failed write in a row: 30 s,
// doubling, at most 10 minutes.
func recordRetryWait(n int) time.Duration {
	wait := 30 * time.Second
	for i := 1; i < n && wait < 10*time.Minute; i++ {
		wait *= 2
	}
	return min(wait, 10*time.Minute)
}

// markLate keeps next_action's overdue_since while the person who missed a deadline still has
// the same action (its clock restarted), and forgets it once the action is someone else's or
// another. Called before each read-model write (state only), so the read model has it; the
// query may show a write's worth earlier without it.
func (w *partnershipWorkflow) markLate() {
	na := w.st.NextAction
	if na == nil || w.late == nil || na.Role != w.late.Role || na.Action != w.late.Action {
		w.late = nil
		return
	}
	since := *w.late.OverdueSince
	na.OverdueSince = &since
}

// record writes the current snapshot and pending events through a local activity. Versions
// and sequence numbers are assigned in workflow code, so replays and retries write the same
// rows.
func (w *partnershipWorkflow) record(ctx workflow.Context) error {
	w.version++
	w.st.UpdatedAt = workflow.Now(w.ctx).UTC()
	w.markLate()
	// The local activity serialises the snapshot on another goroutine while workflow code
	// (another handler) may already be changing the state: hand it a copy.
	in := activities.RecordInput{Version: w.version, State: w.st.Clone(), Events: w.pending}
	w.pending = nil
	opts := recordOptions
	if !w.batched {
		// Partnerships from before record-once-per-task have no writer to retry: their write
		// fails the workflow after ten minutes, as it always did.
		opts.ScheduleToCloseTimeout = 10 * time.Minute
	}
	ctx = workflow.WithLocalActivityOptions(ctx, opts)
	if err := workflow.ExecuteLocalActivity(ctx, a.RecordTransition, in).Get(ctx, nil); err != nil {
		// The next write must carry these events too (their seqs are already assigned).
		w.pending = append(in.Events, w.pending...)
		return err
	}
	if in.Version > w.persisted {
		w.persisted, w.persistedStage = in.Version, in.State.Stage
	}
	return nil
}

// persistAck persists and acknowledges an action with a read-model version that holds it:
// the highest one written so far, which is this action's write or a later one.
func (w *partnershipWorkflow) persistAck(ctx workflow.Context) (partnership.Ack, error) {
	if err := w.persistAndWait(ctx); err != nil {
		return partnership.Ack{}, err
	}
	return partnership.Ack{Stage: w.persistedStage, Version: w.persisted}, nil
}

// setNext records who must act next and by when.
func (w *partnershipWorkflow) setNext(role, action string, within time.Duration) {
	na := &partnership.NextAction{Role: role, Action: action}
	if within > 0 {
		due := workflow.Now(w.ctx).UTC().Add(within)
		na.DueAt = &due
	}
	w.st.NextAction = na
}

// idemKey derives an idempotency key from the business key, never from time or randomness.
func (w *partnershipWorkflow) idemKey(step string, seq int) string {
	return fmt.Sprintf("%s/%s/%d", w.in.PartnershipID, step, seq)
}

// cancelled reports whether a cancellation or withdrawal is waiting to be processed. Once
// compensate has run (the stage reads cancelled) it is false again: the kill-fee payout loop
// after a cancellation must wait like any other, not wake at once forever.
func (w *partnershipWorkflow) cancelled() bool {
	return w.cancel != nil && w.st.Stage != partnership.StageCancelled
}

// Activity options per kind of work.
var (
	recordOptions = workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// Past this the writer retries after a durable timer (recordLoop).
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second,
		},
	}
	checkOptions = workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	}
	// Provider calls: bounded attempts, long patience. The HTTP client retries twice inside
	// an attempt (three requests of at most the client timeout, plus capped Retry-After
	// waits), and an activity may make two calls; Temporal owns the retries beyond that.
	// The worker heartbeats while an attempt runs (worker/heartbeat.go), so an attempt whose
	// worker died is retried after HeartbeatTimeout rather than the full StartToCloseTimeout.
	providerOptions = workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		HeartbeatTimeout:       10 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeNotFound, activities.ErrTypePayoutProfileMissing},
		},
	}
	// E-mails: the provider's options with an hour of patience instead of a day. Several are
	// sent in line, where the workflow waits for them (the creator told of a cancellation
	// before the kill fee is payable, a failed payout before the next is settled), and a
	// notice an hour late has lost most of its use: past that it is recorded as email_failed
	// and the partnership goes on; next_action still names who must act. Timeouts are not
	// compared on replay, so partnerships in flight take the new ones as they are.
	emailOptions = func() workflow.ActivityOptions {
		o := providerOptions
		o.ScheduleToCloseTimeout = time.Hour
		return o
	}()
)

func (w *partnershipWorkflow) providerCtx() workflow.Context {
	return workflow.WithActivityOptions(w.ctx, providerOptions)
}
