package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

// TestContractingOutcomes: what each e-signature result (or its absence) does to the partnership.
func TestContractingOutcomes(t *testing.T) {
	cases := []struct {
		name          string
		esignStatus   string // "" = no webhook ever
		wantStage     partnership.Stage
		wantOutcome   string
		wantEvent     string
		wantContract  string
		wantVoids     int
		wantReminders int
		oldExpiry     bool // the partnership started before provider-expiry-expires
	}{
		{name: "creator declines to sign", esignStatus: "declined", wantStage: partnership.StageDeclined,
			wantOutcome: "declined", wantEvent: "contract_declined", wantContract: "declined"},
		{name: "envelope voided at the provider", esignStatus: "voided", wantStage: partnership.StageCancelled,
			wantOutcome: "contract_voided", wantEvent: "contract_voided", wantContract: "voided"},
		{name: "envelope expired at the provider", esignStatus: "expired", wantStage: partnership.StageExpired,
			wantOutcome: "expired", wantEvent: "contract_expired", wantContract: "expired"},
		{name: "envelope expired at the provider, before provider-expiry-expires", esignStatus: "expired", oldExpiry: true,
			wantStage: partnership.StageCancelled, wantOutcome: "contract_expired", wantEvent: "contract_expired", wantContract: "expired"},
		{name: "signing deadline passes", wantStage: partnership.StageExpired, wantOutcome: "expired",
			wantEvent: "contract_expired", wantContract: "expired", wantVoids: 1, wantReminders: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			if tc.oldExpiry {
				f.oldBranch("provider-expiry-expires")
			}
			f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			f.snapshot(minute(1.5), "sent")
			if tc.esignStatus != "" {
				f.esign(minute(2), "esign-evt-1", envelopeID, tc.esignStatus)
			}
			st := f.runOK()

			s := f.snap("sent")
			require.Equal(t, partnership.StageContracting, s.Stage)
			require.Equal(t, envelopeID, s.Contract.EnvelopeID)
			require.Equal(t, "sent", s.Contract.Status)
			require.Len(t, s.Contract.SigningURLs, 2)
			requireNextAction(t, s, partnership.RoleCreator, "sign_contract")
			requireDueAt(t, s, testStart.Add(minute(1)).Add(3*day))

			require.Equal(t, tc.wantStage, st.Stage)
			require.Equal(t, tc.wantOutcome, st.Outcome)
			require.Equal(t, tc.wantContract, st.Contract.Status)
			require.Nil(t, st.Contract.SignedAt)
			require.Nil(t, st.NextAction)
			require.Equal(t, 1, f.countEvents(tc.wantEvent))
			require.Equal(t, 0, f.countEvents("contract_signed"))
			require.Equal(t, 1, f.n("CreateEnvelope"))
			require.Equal(t, tc.wantVoids, f.n("VoidEnvelope"))
			require.Equal(t, 0, f.n("CreateDiscountCode"))
			require.Equal(t, tc.wantReminders, countPrefix(f.notifySubjects(), "Reminder"))
			if tc.wantVoids > 0 {
				require.Equal(t, envelopeID, f.voids[0].EnvelopeID)
				require.Equal(t, 1, f.countEvents("envelope_voided"))
				require.True(t, f.event("contract_expired").At.Equal(testStart.Add(minute(1)).Add(3*day)))
			}
		})
	}
}

// TestContractingDuplicateESignEvent: a redelivered webhook (same event id) is applied once, even
// when the redelivery carries a different status.
func TestContractingDuplicateESignEvent(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
	f := newFixture(t, in)
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.at(minute(2), func() {
		for _, status := range []string{"completed", "completed", "declined"} {
			f.env.SignalWorkflow(partnership.SignalESignEvent, partnership.ESignEvent{EventID: "esign-evt-1", EnvelopeID: envelopeID, Status: status})
		}
	})
	f.esign(minute(3), "esign-evt-1", envelopeID, "declined") // a late redelivery
	f.snapshot(minute(4), "content")
	f.update(minute(5), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	st := f.runOK()

	c := f.snap("content")
	require.Equal(t, partnership.StageContent, c.Stage)
	require.Equal(t, "completed", c.Contract.Status)
	require.Equal(t, 1, f.countEvents("contract_signed"))
	require.Equal(t, 0, f.countEvents("contract_declined"))
	require.Equal(t, 1, f.n("CreateEnvelope"))
	require.Equal(t, 1, f.n("CreateDiscountCode"))
	require.Equal(t, "completed", st.Contract.Status)
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, 0, f.n("VoidEnvelope"), "a signed envelope is not voided")
}

// TestContractingNonFinalESignEventIgnored: an envelope the provider reports as sent or
// delivered is still out for signature; the partnership waits on and signs as usual. Before
// esign-final-only such an event ended it as cancelled.
func TestContractingNonFinalESignEventIgnored(t *testing.T) {
	for _, old := range []bool{false, true} {
		in := baseInput()
		in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
		f := newFixture(t, in)
		if old {
			f.oldBranch("esign-final-only")
		}
		f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
		f.esign(minute(2), "esign-evt-sent", envelopeID, "sent")
		f.esign(minute(2.5), "esign-evt-delivered", envelopeID, "delivered")
		f.snapshot(minute(3), "waiting")
		f.esign(minute(4), "esign-evt-1", envelopeID, "completed")
		f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
		st := f.runOK()

		if old {
			require.Equal(t, partnership.StageCancelled, st.Stage)
			require.Equal(t, "contract_sent", st.Outcome, "the old branch took a sent envelope for a final one")
			continue
		}
		w := f.snap("waiting")
		require.Equal(t, partnership.StageContracting, w.Stage)
		require.Equal(t, "sent", w.Contract.Status)
		requireNextAction(t, w, partnership.RoleCreator, "sign_contract")
		require.Equal(t, 1, f.countEvents("contract_signed"))
		require.Equal(t, "completed", st.Contract.Status)
		require.Equal(t, partnership.StageCancelled, st.Stage)
		require.Equal(t, "cancelled", st.Outcome)
	}
}

// TestContractingForeignEnvelopeIgnored: an event for another envelope changes nothing.
func TestContractingForeignEnvelopeIgnored(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
	f := newFixture(t, in)
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(minute(2), "esign-evt-x", "env-someone-else", "declined")
	f.esign(minute(2.1), "esign-evt-y", "", "completed")
	f.snapshot(minute(3), "still-waiting")
	f.esign(minute(4), "esign-evt-1", envelopeID, "completed")
	f.snapshot(minute(5), "signed")
	f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	st := f.runOK()

	w := f.snap("still-waiting")
	require.Equal(t, partnership.StageContracting, w.Stage)
	require.Equal(t, "sent", w.Contract.Status)
	requireNextAction(t, w, partnership.RoleCreator, "sign_contract")
	s := f.snap("signed")
	require.Equal(t, partnership.StageContent, s.Stage)
	require.Equal(t, "completed", s.Contract.Status)
	require.Equal(t, 0, f.countEvents("contract_declined"))
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, 1, f.n("CreateDiscountCode"))
}

// TestContractingDeadlineRacesSignature: the signing deadline passes just as the envelope
// reaches a final status at the provider, so the void that would expire it is refused. Signed
// in time, the partnership carries on as signed; declined, it ends declined, not expired.
func TestContractingDeadlineRacesSignature(t *testing.T) {
	deadline := minute(1) + 3*day
	for _, status := range []string{"completed", "declined"} {
		t.Run(status, func(t *testing.T) {
			in := baseInput()
			in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
			f := newFixture(t, in)
			f.voidErr = envelopeFinal(status)
			f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			f.snapshot(deadline+minute(1), "after-deadline")
			f.update(deadline+minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
			st := f.runOK()

			require.Equal(t, 1, f.n("VoidEnvelope"))
			require.Equal(t, 1, f.countEvents("envelope_void_refused"))
			require.Equal(t, 0, f.countEvents("contract_expired"))
			require.Equal(t, status, st.Contract.Status)
			if status == "declined" {
				require.Equal(t, partnership.StageDeclined, st.Stage)
				require.Equal(t, "declined", st.Outcome)
				require.Equal(t, 1, f.countEvents("contract_declined"))
				require.Equal(t, 0, f.n("CreateDiscountCode"))
				return
			}
			s := f.snap("after-deadline")
			require.Equal(t, partnership.StageContent, s.Stage)
			require.NotNil(t, s.Contract.SignedAt)
			require.True(t, s.Contract.SignedAt.Equal(testStart.Add(deadline)))
			require.Equal(t, 1, f.countEvents("contract_signed"))
			require.Equal(t, 1, f.n("CreateDiscountCode"))
			require.Equal(t, partnership.StageCancelled, st.Stage)
		})
	}
}

// TestContractingESignBeforeEnvelopeRecorded: creating the envelope takes five minutes of
// retries (minutes 1 to 6) and both parties sign at minute 3, before the workflow knows the
// envelope's id. The API acknowledged that webhook, so the provider never sends it again: the
// workflow keeps it and applies it once the id is recorded. (It used to drop it, and the
// partnership expired at the signing deadline although both had signed.) Events for another
// envelope are still ignored, and a redelivery is applied once.
func TestContractingESignBeforeEnvelopeRecorded(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
	f := newFixture(t, in)
	f.envelopeDelay = 5 * time.Minute
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(minute(2), "esign-evt-x", "env-someone-else", "declined")
	f.esign(minute(3), "esign-evt-1", envelopeID, "completed")
	f.esign(minute(3.5), "esign-evt-1", envelopeID, "completed") // redelivered before the id is known
	f.snapshot(minute(4), "creating")
	f.esign(minute(7), "esign-evt-1", envelopeID, "declined") // and after, with another status
	f.snapshot(minute(6.5), "signed")
	f.update(minute(20), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	st := f.runOK()

	c := f.snap("creating")
	require.Equal(t, partnership.StageContracting, c.Stage)
	require.Empty(t, c.Contract.EnvelopeID)
	s := f.snap("signed")
	require.Equal(t, partnership.StageContent, s.Stage)
	require.Equal(t, envelopeID, s.Contract.EnvelopeID)
	require.Equal(t, "completed", s.Contract.Status)
	require.True(t, s.Contract.SignedAt.Equal(testStart.Add(minute(6))), "signed once the envelope was recorded, %s", s.Contract.SignedAt)
	require.Equal(t, 1, f.countEvents("contract_signed"))
	require.Equal(t, 0, f.countEvents("contract_declined"))
	require.Equal(t, 0, f.countEvents("contract_expired"))
	require.Equal(t, 1, f.n("CreateEnvelope"))
	require.Equal(t, 1, f.n("CreateDiscountCode"))
	require.Equal(t, 0, f.n("VoidEnvelope"))
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "completed", st.Contract.Status)
}

// TestContractingESignBeforeEnvelopeBeforeVersion: a partnership that dropped such an event
// before "esign-before-envelope" keeps waiting for its signing deadline, so its history replays.
func TestContractingESignBeforeEnvelopeBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("esign-before-envelope")
	f.envelopeDelay = 5 * time.Minute
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(minute(3), "esign-evt-1", envelopeID, "completed")
	st := f.runOK()

	require.Equal(t, partnership.StageExpired, st.Stage)
	require.Equal(t, 0, f.countEvents("contract_signed"))
	require.Equal(t, 1, f.n("VoidEnvelope"))
}
