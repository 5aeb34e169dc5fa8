package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// tracking collects conversions on the creator's code over the attribution window, when the
// terms carry a commission. The fee is already payable during the window.
func (w *partnershipWorkflow) tracking() error {
	w.payable = append(w.payable, partnership.PayoutKindFee)
	if w.st.Terms.CommissionBps <= 0 {
		return nil
	}
	w.setStage(partnership.StageTracking)
	window := partnership.Seconds(w.in.Campaign.AttributionWindowSeconds)
	w.setNext(partnership.RoleSystem, "collect_conversions", window)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	if _, err := workflow.AwaitWithTimeout(w.ctx, window, w.cancelled); err != nil {
		return err
	}
	if w.cancelled() {
		return w.compensate(*w.cancel)
	}
	var out activities.ConversionsOutput
	if err := workflow.ExecuteActivity(w.providerCtx(), a.CollectConversions, activities.ConversionsInput{
		Code: w.st.Tracking.DiscountCode, Currency: w.st.Terms.Fee.Currency,
	}).Get(w.ctx, &out); err != nil {
		return err
	}
	w.st.Tracking.Conversions, w.st.Tracking.Revenue = out.Conversions, out.Revenue
	w.emit("conversions_collected", systemActor, out)
	if w.commission().AmountMinor > 0 {
		w.payable = append(w.payable, partnership.PayoutKindCommission)
	}
	return nil
}

// commission is the revenue share in integer minor units, rounded down.
func (w *partnershipWorkflow) commission() partnership.Money {
	return partnership.Money{
		AmountMinor: w.st.Tracking.Revenue.AmountMinor * w.st.Terms.CommissionBps / 10_000,
		Currency:    w.st.Terms.Fee.Currency,
	}
}
