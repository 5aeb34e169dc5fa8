package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// maxPendingSignatures bounds the signer events kept until the signing wait reads them. An
// envelope has two signers, so only a misbehaving sender reaches it.
const maxPendingSignatures = 10

// contractSigners are the contract's signers in the order they are reminded, each with the
// role that acts for it in Partnerflow.
var contractSigners = []struct{ signer, role string }{
	{partnership.SignerCreator, partnership.RoleCreator},
	{partnership.SignerBrand, partnership.RoleBrandManager},
}

// awaitSignatures waits for the envelope to reach a final status (the provider's envelope
// webhook) or a cancellation, until the signing deadline; it returns false when the deadline
// passed. Meanwhile it records each signer's signature as the provider reports it, so that
// next_action names whoever has still to sign (the creator first, as before, unless only the
// brand has signed), and the reminder before the deadline goes to each of them. A provider
// that never reports single signatures gets the old wait's behaviour, except that the brand
// is reminded too: the envelope webhook still ends the wait.
//
// Versioned (version 3 of "record-once-per-task", read at the start): partnerships started
// before wait for the creator alone, with one reminder to the creator, and ignore single
// signatures; histories from then must replay that way.
func (w *partnershipWorkflow) awaitSignatures() (bool, error) {
	within := partnership.Seconds(w.in.Campaign.OfferTTLSeconds)
	done := func() bool { return w.esign != nil }
	if !w.signerEvents {
		return w.waitForPerson(partnership.RoleCreator, "sign_contract", within, done)
	}
	w.perSigner = true
	defer func() { w.signatures = nil }() // none can matter once the wait is over

	deadline := workflow.Now(w.ctx).UTC().Add(within)
	w.applySignatures()
	w.setNextSignature(deadline)
	if err := w.persist(w.ctx); err != nil {
		return false, err
	}
	if remind := partnership.Seconds(w.in.Campaign.ReminderBeforeSeconds); remind > 0 && remind < within {
		ok, err := w.awaitSignaturesUntil(deadline.Add(-remind), deadline, done)
		if err != nil || ok {
			return ok, err
		}
		if err := w.remindSigners(); err != nil {
			return false, err
		}
	}
	return w.awaitSignaturesUntil(deadline, deadline, done)
}

// awaitSignaturesUntil waits until done(), a cancellation or the time until, on one timer,
// recording each signature on the way; it returns false when until came first.
func (w *partnershipWorkflow) awaitSignaturesUntil(until, deadline time.Time, done func() bool) (bool, error) {
	finished := func() bool { return done() || w.cancelled() }
	tctx, stopTimer := workflow.WithCancel(w.ctx)
	defer stopTimer() // a wait that ends early leaves no timer behind
	timer := workflow.NewTimer(tctx, max(until.Sub(workflow.Now(w.ctx)), 0))
	for {
		err := workflow.Await(w.ctx, func() bool { return finished() || timer.IsReady() || len(w.signatures) > 0 })
		if err != nil {
			return false, err
		}
		if w.applySignatures() {
			w.setNextSignature(deadline)
			if err := w.persist(w.ctx); err != nil {
				return false, err
			}
		}
		if finished() {
			return true, nil
		}
		if timer.IsReady() {
			return false, timer.Get(w.ctx, nil)
		}
	}
}

// keepSignature keeps a signer event for the signing wait, once per event id. It may arrive
// before the envelope's id is recorded (the creator signed while CreateEnvelope was being
// retried); the API has acknowledged it, so it is kept until the wait can check its envelope.
func (w *partnershipWorkflow) keepSignature(ev partnership.SignerEvent) {
	switch {
	case ev.EventID == "" || ev.EnvelopeID == "":
		return
	case w.st.Contract.EnvelopeID != "" && ev.EnvelopeID != w.st.Contract.EnvelopeID:
		return // another envelope's
	case w.st.Contract.Status != "" && w.st.Contract.Status != "sent":
		return // the envelope is final: no signature is awaited any more
	case w.seenEvents["esign/"+ev.EventID]:
		return
	}
	keepOnce(w.ctx, &w.signatures, ev, ev.EventID, func(k partnership.SignerEvent) string { return k.EventID },
		maxPendingSignatures, "signer event", ev.EnvelopeID)
}

// applySignatures records, in arrival order, the kept signatures of the contract's envelope,
// each event id once and each signer's first signature only; it reports whether one was new.
func (w *partnershipWorkflow) applySignatures() bool {
	kept := w.signatures
	w.signatures = nil
	changed := false
	for _, ev := range kept {
		if ev.EnvelopeID != w.st.Contract.EnvelopeID || !w.firstTime("esign/"+ev.EventID) {
			continue
		}
		sig := w.st.Contract.Signers.Of(ev.Signer)
		if sig == nil || sig.SignedAt != nil {
			continue
		}
		at := ev.SignedAt.UTC()
		if ev.SignedAt.IsZero() {
			at = workflow.Now(w.ctx).UTC()
		}
		w.recordSignature(ev.Signer, at, "event_id", ev.EventID)
		changed = true
	}
	return changed
}

// recordSignature records that signer signed at at, with an audit event naming the signer,
// the role that acts for it, and how it was learnt (key: value).
func (w *partnershipWorkflow) recordSignature(signer string, at time.Time, key, value string) {
	w.st.Contract.Signers.Of(signer).SignedAt = &at
	w.emit("contract_signed_by", systemActor, map[string]string{
		"signer": signer, "role": signerRole(signer), "signed_at": at.Format(time.RFC3339), key: value,
	})
}

// completeSignatures gives every signer without a recorded signature the envelope's
// completion time: a completed envelope means both signed, whether or not the provider
// reported each signature. The audit events are written on the per-signer branch only,
// so partnerships that signed before keep their sequence of events.
func (w *partnershipWorkflow) completeSignatures(at time.Time) {
	for _, s := range contractSigners {
		sig := w.st.Contract.Signers.Of(s.signer)
		if sig.SignedAt != nil {
			continue
		}
		if !w.perSigner {
			t := at
			sig.SignedAt = &t
			continue
		}
		w.recordSignature(s.signer, at, "found_by", "envelope_completed")
	}
}

// setNextSignature names whoever has still to sign, due at the signing deadline: the creator
// until they signed, then the brand.
func (w *partnershipWorkflow) setNextSignature(deadline time.Time) {
	for _, s := range contractSigners {
		if w.st.Contract.Signers.Of(s.signer).SignedAt == nil {
			due := deadline
			w.st.NextAction = &partnership.NextAction{Role: s.role, Action: "sign_contract", DueAt: &due}
			return
		}
	}
	// Both signed; the provider's completion of the envelope is what the workflow waits for.
	w.setNext(partnership.RoleSystem, "complete_contract", 0)
}

// remindSigners reminds each signer who has not signed yet that the signing deadline is near.
func (w *partnershipWorkflow) remindSigners() error {
	for _, s := range contractSigners {
		if w.st.Contract.Signers.Of(s.signer).SignedAt != nil {
			continue
		}
		if err := w.remind(s.role, "sign_contract"); err != nil {
			return err
		}
	}
	return nil
}

func signerRole(signer string) string {
	for _, s := range contractSigners {
		if s.signer == signer {
			return s.role
		}
	}
	return ""
}
