package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// tracking collects conversions on the creator's code over the attribution window, when the
// terms carry a commission. The fee is already payable during the window.
func (w *partnershipWorkflow) tracking() error {
	// A commission-only or gifting deal owes no fee; making it payable would wait forever for
	// a payout that can never be triggered.
	if w.st.Terms.Fee.AmountMinor > 0 && !w.feeEarly {
		w.payable = append(w.payable, partnership.PayoutKindFee)
	}
	if w.st.Terms.CommissionBps <= 0 {
		return nil
	}
	w.setStage(partnership.StageTracking)
	end := workflow.Now(w.ctx).Add(partnership.Seconds(w.in.Campaign.AttributionWindowSeconds))
	// next_action names finance while the fee is to trigger or approve, the transfer while it
	// is on its way, and the count of conversions at the window's end once it is paid.
	next := func() {
		w.nextWhileSettling(partnership.RoleSystem, "collect_conversions", end.Sub(workflow.Now(w.ctx)))
	}
	next()
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	// The fee is payable during the window: settle payouts as finance triggers them.
	settled := func() error { next(); return nil }
	if w.feeEarly {
		settled = func() error { // the fee may wait for its approval during the window
			if err := w.askSecondApprovals(); err != nil {
				return err
			}
			next()
			return nil
		}
	}
	cancelled, err := w.settleUntil(end, settled)
	if err != nil {
		return err
	}
	if cancelled {
		return w.compensate(*w.cancel)
	}
	if err := w.collectConversions(workflow.Now(w.ctx).UTC()); err != nil {
		return err
	}
	if w.commission().AmountMinor > 0 {
		w.payable = append(w.payable, partnership.PayoutKindCommission)
	}
	return nil
}

// settleUntil settles payouts as finance triggers and approves them until deadline. It
// reports a cancellation that woke it; one that arrives as the deadline passes is the
// caller's to notice. settled, when not nil, runs after each settle: it says who acts next,
// and on partnerships from fee-on-verification on asks for second approvals (tracking's wait
// asked for none before, and such partnerships must replay as they ran).
//
// While it waits, the person next_action names (finance, to trigger or approve a payout) is
// chased as in any other wait: reminded reminder_before_seconds before their deadline, told
// when it passes, and given the same time again (chaseDue).
func (w *partnershipWorkflow) settleUntil(deadline time.Time, settled func() error) (cancelled bool, err error) {
	for {
		now := workflow.Now(w.ctx)
		remaining := deadline.Sub(now)
		if remaining <= 0 {
			return false, nil
		}
		wait, chase := remaining, ""
		if at, what, ok := w.chaseDue(); ok && at.Before(deadline) && w.settleChases() {
			wait, chase = at.Sub(now), what
		}
		woke := false
		if wait > 0 {
			changes := w.changes
			if woke, err = workflow.AwaitWithTimeout(w.ctx, wait, func() bool {
				return w.cancelled() || w.payoutWork() || w.changes != changes
			}); err != nil {
				return false, err
			}
		}
		if w.cancelled() {
			return true, nil
		}
		if !woke {
			if chase == "" {
				return false, nil
			}
			na := *w.st.NextAction
			if chase == "remind" {
				w.chasedDue = *na.DueAt
				err = w.remind(na.Role, na.Action)
			} else {
				err = w.chaseOverdue(na.Role, na.Action)
			}
			if err != nil {
				return false, err
			}
			continue
		}
		if err := w.settle(); err != nil {
			return false, err
		}
		if settled != nil {
			if err := settled(); err != nil {
				return false, err
			}
		}
	}
}

// chaseDue is when the person next_action names must next be chased during a settle wait,
// and how: "remind" (reminder_before_seconds before the deadline, once per deadline) or
// "overdue" (at the deadline). Nobody is chased for the workflow's own steps.
func (w *partnershipWorkflow) chaseDue() (time.Time, string, bool) {
	na := w.st.NextAction
	if na == nil || na.DueAt == nil || na.Role == partnership.RoleSystem {
		return time.Time{}, "", false
	}
	due := *na.DueAt
	if remind := partnership.Seconds(w.in.Campaign.ReminderBeforeSeconds); remind > 0 && remind < financeDue && !w.chasedDue.Equal(due) {
		return due.Add(-remind), "remind", true
	}
	return due, "overdue", true
}

// chaseOverdue records and tells that role let its deadline pass during a settle wait, and
// gives it the same time again, as settleAll's wait does.
func (w *partnershipWorkflow) chaseOverdue(role, action string) error {
	if err := w.overdue(role, action, map[string]string{"role": role, "action": action}); err != nil {
		return err
	}
	w.setNext(role, action, financeDue)
	return w.persist(w.ctx)
}

// settleChases reports whether this partnership chases the people its settle waits wait for.
// Versioned ("settle-chases"), asked only when a person's deadline falls before the wait's
// end: their reminder and deadline used to pass in silence, the deadline only shown.
func (w *partnershipWorkflow) settleChases() bool {
	return w.changed(w.ctx, "settle-chases")
}

// collectConversions counts the orders on the creator's code from this cycle's attribution
// start until until (the end of the window, or a cancellation during it) and reads the live
// posts' metrics.
func (w *partnershipWorkflow) collectConversions(until time.Time) error {
	urls := make([]string, 0, len(w.st.Deliverables))
	for _, d := range w.st.Deliverables {
		if d.Publication != nil {
			urls = append(urls, d.Publication.URL)
		}
	}
	var out activities.ConversionsOutput
	since := w.attributionSince()
	if err := w.callProvider(providerStep{name: "collect_conversions", provider: providerCommerce}, func(int) error {
		return workflow.ExecuteActivity(w.providerCtx(), a.CollectConversions, activities.ConversionsInput{
			Code: w.st.Tracking.DiscountCode, Currency: w.st.Terms.Fee.Currency, PostURLs: urls, Since: since, Until: until,
		}).Get(w.ctx, &out)
	}); err != nil {
		return err
	}
	w.st.Tracking.Conversions, w.st.Tracking.Revenue = out.Conversions, out.Revenue
	w.st.Tracking.CountedSince, w.st.Tracking.CountedUntil = since, until
	w.st.Tracking.OtherCurrencies = out.OtherCurrencies
	metrics := out.PostMetrics
	w.st.Tracking.PostMetrics = &metrics
	w.emit("conversions_collected", systemActor, out)
	return nil
}

// commissionAfterCancellation makes the commission on the orders attributed up to a
// cancellation during the tracking stage payable, alongside what else compensate made payable:
// the window is cut short, not the commission the creator already earned. The orders are
// counted until the cancellation, unless the window's own count was already made (the
// cancellation came while it ran), which is kept.
//
// Versioned: a cancellation during tracking used to owe no commission and collect nothing,
// and histories from then must replay that way. Asked only for terms with a commission
// cancelled during tracking, so other partnerships record no marker.
func (w *partnershipWorkflow) commissionAfterCancellation(c partnership.Cancellation) error {
	if w.st.Terms.CommissionBps <= 0 ||
		!w.changed(w.ctx, "commission-on-cancel-in-tracking") {
		return nil
	}
	if w.st.Tracking.CountedUntil.IsZero() {
		w.setNext(partnership.RoleSystem, "collect_conversions", 0)
		if err := w.persist(w.ctx); err != nil {
			return err
		}
		if err := w.collectConversions(c.At); err != nil {
			return err
		}
		w.st.NextAction = nil
	}
	if amount := w.commission(); amount.AmountMinor > 0 {
		w.payable = append(w.payable, partnership.PayoutKindCommission)
		w.emit("commission_payable_after_cancellation", systemActor, map[string]any{"amount": amount})
	}
	return w.persist(w.ctx)
}

// commission is the revenue share in integer minor units, rounded down.
func (w *partnershipWorkflow) commission() partnership.Money {
	return partnership.Money{
		AmountMinor: w.st.Tracking.Revenue.AmountMinor * w.st.Terms.CommissionBps / 10_000,
		Currency:    w.st.Terms.Fee.Currency,
	}
}

// attributionSince is the start of this cycle's attribution: everything for a one-off
// partnership and the first cycle; for later ambassador cycles, where the last cycle's count
// stopped. The last count ends when its attribution window does, which is after the next
// period has begun when the post came late in its period: counting from the period's start
// would pay those days' sales twice.
func (w *partnershipWorkflow) attributionSince() time.Time {
	if w.st.Cycle <= 1 {
		return time.Time{}
	}
	if n := len(w.st.Cycles); n > 0 && !w.st.Cycles[n-1].Tracking.CountedUntil.IsZero() {
		return w.st.Cycles[n-1].Tracking.CountedUntil
	}
	// The last cycle was counted before counts were bounded, so its end is not known: the
	// period's start, as then.
	return w.cycleStart(w.st.Cycle)
}
