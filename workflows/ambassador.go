package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// Ambassador partnerships repeat content, publishing, tracking and payout every period from
// the signature until their end date. Each cycle runs in its own workflow run (continue-as-new)
// so history stays small however long the partnership lasts.

// cycleStart is when cycle n begins: the signature plus n-1 periods.
func (w *partnershipWorkflow) cycleStart(n int) time.Time {
	signed := w.st.CreatedAt
	if w.st.Contract.SignedAt != nil {
		signed = *w.st.Contract.SignedAt
	}
	return signed.Add(time.Duration(n-1) * partnership.Seconds(w.st.Terms.PeriodSeconds))
}

// hasNextCycle reports whether an ambassador partnership has another period before its end.
func (w *partnershipWorkflow) hasNextCycle() bool {
	t := w.st.Terms
	if t.Kind != partnership.KindAmbassador || t.PeriodSeconds <= 0 || t.EndsAt == nil {
		return false
	}
	return w.cycleStart(w.st.Cycle + 1).Before(*t.EndsAt)
}

// continueAsNew closes this cycle and hands the partnership to a new run for the next one.
// Update handlers are drained first and provider events still queued are marked seen, so no
// action is lost or applied twice across the boundary.
func (w *partnershipWorkflow) continueAsNew() error {
	if err := workflow.Await(w.ctx, func() bool { return workflow.AllHandlersFinished(w.ctx) }); err != nil {
		return err
	}
	w.handingOver = true
	notices, err := w.noticesAtHandOver()
	if err != nil {
		return err
	}
	late := w.drainSignals()
	summary := partnership.CycleSummary{Cycle: w.st.Cycle, StartedAt: w.cycleStart(w.st.Cycle),
		Deliverables: w.st.Deliverables, Payouts: w.st.Payouts, Tracking: w.st.Tracking}
	w.st.Cycles = append(w.st.Cycles, summary)
	w.st.Cycle++
	w.st.Deliverables, w.st.Payouts, w.st.ComplianceHold = []partnership.Deliverable{}, []partnership.Payout{}, nil
	// Nothing is payable until the next cycle delivers: a trigger accepted while the last
	// write is made would otherwise start the next cycle with this cycle's fee in flight.
	w.payable = nil
	w.st.Tracking = partnership.Tracking{DiscountCode: w.st.Tracking.DiscountCode, Link: w.st.Tracking.Link,
		Revenue: partnership.Money{Currency: w.st.Terms.Fee.Currency}}
	next := w.cycleStart(w.st.Cycle)
	// Between cycles the partnership waits for its next period's content, and can be cancelled.
	w.setStage(partnership.StageContent)
	w.st.NextAction = &partnership.NextAction{Role: partnership.RoleSystem, Action: "start_next_cycle", DueAt: &next}
	w.emit(partnership.EventCycleCompleted, systemActor, map[string]any{"cycle": summary.Cycle, "late_provider_events": late})
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	// The next run starts from this version: every write must be done before handing over.
	if err := w.flushRecords(w.ctx); err != nil {
		return err
	}
	if w.cancelled() && w.changed(w.ctx, "cancel-during-handover") {
		// Cancelled while that write was made: the cancellation is applied in this run, as
		// it would be at the start of the next (its Update cannot follow the hand-over). The
		// old branch continued as new without it; asked only on this path.
		return w.compensate(*w.cancel)
	}
	if w.changed(w.ctx, "compact-cycles") {
		// The write just made kept every finished cycle's whole summary in the read model
		// (partnership_cycles): the next run carries only their payouts and tracking, so the
		// carry stays small however many cycles the partnership lasts (a realistic cycle's
		// summary is 10-15 KB; a weekly deal of a few years would pass Temporal's 2 MB payload
		// limit). The read model's document is completed from the table when it is read.
		// Old branch: every whole summary carried. Asked only on this path.
		cycles := make([]partnership.CycleSummary, len(w.st.Cycles))
		for i, c := range w.st.Cycles {
			cycles[i] = c.Compact()
		}
		w.st.Cycles = cycles
	}
	used := partnership.UsedPosts{MediaIDs: slices.Clone(w.usedPosts.MediaIDs), URLKeys: slices.Clone(w.usedPosts.URLKeys)}
	addUsedPosts(&used, summary.Deliverables)
	in := w.in
	in.Carry = &partnership.Carry{Cycle: w.st.Cycle, State: w.st, Version: w.version, Seq: w.seq,
		Messages: w.messages, SeenEvents: workflow.DeterministicKeys(w.seenEvents), UsedPosts: &used, Notices: notices}
	return workflow.NewContinueAsNewError(w.ctx, partnership.WorkflowType, in)
}

// drainSignals takes provider events still queued at the end of a cycle. Every payout of the
// cycle is settled by then, so they can only be redeliveries; their ids are carried as seen.
func (w *partnershipWorkflow) drainSignals() int {
	return drain(w, partnership.SignalESignEvent, func(ev partnership.ESignEvent) string { return "esign/" + ev.EventID }) +
		drain(w, partnership.SignalPaymentEvent, func(ev partnership.PaymentEvent) string { return "payments/" + ev.EventID })
}

// drain empties one signal channel without blocking, marking each event id seen.
func drain[T any](w *partnershipWorkflow, signal string, id func(T) string) int {
	ch := workflow.GetSignalChannel(w.ctx, signal)
	n := 0
	for {
		var ev T
		if !ch.ReceiveAsync(&ev) {
			return n
		}
		w.firstTime(id(ev))
		n++
	}
}

// awaitCycleStart opens a later cycle at its start time, unless the partnership is cancelled
// while it waits.
func (w *partnershipWorkflow) awaitCycleStart() error {
	start := w.cycleStart(w.st.Cycle)
	if wait := start.Sub(workflow.Now(w.ctx)); wait > 0 {
		if _, err := workflow.AwaitWithTimeout(w.ctx, wait, w.cancelled); err != nil {
			return err
		}
	}
	if w.cancelled() {
		return w.compensate(*w.cancel)
	}
	w.emit("cycle_started", systemActor, map[string]int{"cycle": w.st.Cycle})
	return nil
}
