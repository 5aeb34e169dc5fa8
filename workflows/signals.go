package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// maxEarlyESign bounds the e-signature events kept while the envelope is being created. Only
// this partnership's envelope can produce them, and it has one final status; the bound only
// keeps a misbehaving sender from growing the state.
const maxEarlyESign = 10

// receiveSignals drains provider webhooks into state. Providers redeliver until acknowledged
// and the API may forward the same event twice, so each event id is applied once. An
// e-signature event can arrive before the envelope's id is recorded (both parties sign while
// CreateEnvelope is still being retried); the API has acknowledged it, so the provider will not
// send it again: it is kept until the id is known (applyEarlyESign).
func (w *partnershipWorkflow) receiveSignals() {
	esignCh := workflow.GetSignalChannel(w.ctx, partnership.SignalESignEvent)
	payCh := workflow.GetSignalChannel(w.ctx, partnership.SignalPaymentEvent)
	signedCh := workflow.GetSignalChannel(w.ctx, partnership.SignalESignSigned)
	workflow.Go(w.ctx, func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(esignCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.ESignEvent
				c.Receive(ctx, &ev)
				switch {
				case ev.EnvelopeID == "":
				case w.st.Contract.EnvelopeID == "":
					w.keepEarlyESign(ev)
				case ev.EnvelopeID == w.st.Contract.EnvelopeID:
					w.applyESign(ev)
				}
			})
			sel.AddReceive(signedCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.SignerEvent
				c.Receive(ctx, &ev)
				w.keepSignature(ev)
			})
			sel.AddReceive(payCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.PaymentEvent
				c.Receive(ctx, &ev)
				if w.firstTime("payments/" + ev.EventID) {
					w.receivePayment(ctx, ev)
				}
			})
			sel.Select(ctx)
		}
	})
}

// applyESign hands an event for the partnership's envelope to the contract wait, once. Only
// a final status ends the wait: an envelope a provider reports as sent or delivered is still
// out for signature (the API records such events without forwarding them; one that gets here
// anyway is dropped). Versioned ("esign-final-only", asked only for such an event): the old
// branch ended the partnership as cancelled on it.
func (w *partnershipWorkflow) applyESign(ev partnership.ESignEvent) {
	if !partnership.FinalEnvelopeStatus(ev.Status) &&
		w.changed(w.ctx, "esign-final-only") {
		workflow.GetLogger(w.ctx).Warn("e-signature event that does not end the signing dropped",
			"event_id", ev.EventID, "status", ev.Status)
		return
	}
	if w.firstTime("esign/" + ev.EventID) {
		w.esign = &ev
	}
}

// keepEarlyESign keeps an e-signature event that arrived before the envelope id was recorded,
// once per event id. It is not marked seen here: partnerships on the old branch of
// "esign-before-envelope" dropped it unseen, and a redelivery must still apply there.
func (w *partnershipWorkflow) keepEarlyESign(ev partnership.ESignEvent) {
	if w.seenEvents["esign/"+ev.EventID] {
		return
	}
	keepOnce(w.ctx, &w.earlyESign, ev, ev.EventID, func(k partnership.ESignEvent) string { return k.EventID },
		maxEarlyESign, "e-signature event before the envelope", ev.EnvelopeID)
}

// keepOnce appends ev (whose event id is id) to kept for later, unless an event with that id
// is kept already; at limit it drops ev with a warning, so a flood of events cannot grow the
// workflow's state without bound.
func keepOnce[E any](ctx workflow.Context, kept *[]E, ev E, id string, idOf func(E) string, limit int, what, envelopeID string) {
	for _, k := range *kept {
		if idOf(k) == id {
			return
		}
	}
	if len(*kept) >= limit {
		workflow.GetLogger(ctx).Warn(what+" dropped: too many kept", "event_id", id, "envelope_id", envelopeID)
		return
	}
	*kept = append(*kept, ev)
}

// applyEarlyESign applies, in arrival order, the kept events for the envelope just recorded;
// events for any other envelope are dropped as they would have been on arrival. Versioned: such
// events used to be dropped, and a partnership that lost one must replay waiting for its
// signing deadline. The version is asked only when an event was kept, so histories
// without one carry no marker.
func (w *partnershipWorkflow) applyEarlyESign() {
	early := w.earlyESign
	w.earlyESign = nil
	if len(early) == 0 || !w.changed(w.ctx, "esign-before-envelope") {
		return
	}
	for _, ev := range early {
		if ev.EnvelopeID == w.st.Contract.EnvelopeID {
			w.applyESign(ev)
		}
	}
}

func (w *partnershipWorkflow) firstTime(id string) bool {
	if w.seenEvents[id] {
		return false
	}
	w.seenEvents[id] = true
	return true
}
