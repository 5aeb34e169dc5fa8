package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// receiveSignals drains provider webhooks into state. Providers redeliver until acknowledged
// and the API may forward the same event twice, so each event id is applied once.
func (w *partnershipWorkflow) receiveSignals() {
	esignCh := workflow.GetSignalChannel(w.ctx, partnership.SignalESignEvent)
	payCh := workflow.GetSignalChannel(w.ctx, partnership.SignalPaymentEvent)
	workflow.Go(w.ctx, func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(esignCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.ESignEvent
				c.Receive(ctx, &ev)
				if ev.EnvelopeID != "" && ev.EnvelopeID == w.st.Contract.EnvelopeID && w.firstTime("esign/"+ev.EventID) {
					e := ev
					w.esign = &e
				}
			})
			sel.AddReceive(payCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.PaymentEvent
				c.Receive(ctx, &ev)
				if w.firstTime("payments/" + ev.EventID) {
					w.payments[ev.PayoutID] = ev
				}
			})
			sel.Select(ctx)
		}
	})
}

func (w *partnershipWorkflow) firstTime(id string) bool {
	if w.seenEvents[id] {
		return false
	}
	w.seenEvents[id] = true
	return true
}
