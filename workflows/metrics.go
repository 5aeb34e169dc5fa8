package workflows

import "go.temporal.io/sdk/workflow"

// Counters the workflow reports through the SDK's metrics handler, which drops them while a
// history is replayed, so each counts an event once however often the workflow is replayed.
// With a Prometheus exporter they appear with a _total suffix.
const (
	// MetricPayoutsFailed counts payouts that failed (the provider's failure webhook, a
	// refused transfer, or no payout profile); finance must act on each.
	MetricPayoutsFailed = "partnerflow_payouts_failed"
	// MetricTransfersDelayed counts transfers that ran out of retries and wait to be tried
	// again under the same key: the provider is down, or the transfer is in doubt and a
	// person must look (the payments provider's dashboard, the creator's payout profile).
	MetricTransfersDelayed = "partnerflow_transfers_delayed"
	// MetricProviderStepsHeld counts provider steps that failed for good and hold their
	// partnership until an admin retries them (provider_step_failed).
	MetricProviderStepsHeld = "partnerflow_provider_steps_held"
	// MetricDeadlinesMissed counts escalations: someone (tag role) let a deadline pass.
	MetricDeadlinesMissed = "partnerflow_deadlines_missed"
)

// count reports the audit events operations alert on.
func (w *partnershipWorkflow) count(typ string, data any) {
	switch typ {
	case "payout_failed":
		workflow.GetMetricsHandler(w.ctx).Counter(MetricPayoutsFailed).Inc(1)
	case "transfer_delayed":
		workflow.GetMetricsHandler(w.ctx).Counter(MetricTransfersDelayed).Inc(1)
	case "provider_step_failed":
		workflow.GetMetricsHandler(w.ctx).Counter(MetricProviderStepsHeld).Inc(1)
	case "deadline_missed":
		m := workflow.GetMetricsHandler(w.ctx)
		if d, ok := data.(map[string]string); ok && d["role"] != "" {
			m = m.WithTags(map[string]string{"role": d["role"]})
		}
		m.Counter(MetricDeadlinesMissed).Inc(1)
	}
}
