package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

const cancelledSubject = "Your partnership was cancelled"

// TestCancelByBrandDuringNegotiation: a reason is required; the creator is told; nothing to void.
func TestCancelByBrandDuringNegotiation(t *testing.T) {
	f := newFixture(t, baseInput())
	f.update(minute(1), "no-reason", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand})
	f.update(minute(1), "blank-reason", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "   "})
	f.snapshot(minute(1.5), "still-open")
	f.update(minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "budget cut"})
	st := f.runOK()

	f.requireRejected("no-reason", partnership.ErrTypeInvalid)
	f.requireRejected("blank-reason", partnership.ErrTypeInvalid)
	require.Equal(t, partnership.StageNegotiation, f.snap("still-open").Stage)
	res := f.ackedState(f.requireAccepted("cancel"))
	require.Equal(t, partnership.StageCancelled, res.Stage, "the cancel update answers once the outcome is written")
	require.Equal(t, "cancelled", res.Outcome)

	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "cancelled", st.Outcome)
	require.Nil(t, st.NextAction)
	require.NotNil(t, st.Cancellation)
	require.Equal(t, brand.Sub, st.Cancellation.By)
	require.Equal(t, partnership.RoleBrandManager, st.Cancellation.Role)
	require.Equal(t, "budget cut", st.Cancellation.Reason)
	require.True(t, st.Cancellation.At.Equal(testStart.Add(minute(2))))
	require.Empty(t, st.Payouts)
	require.Equal(t, 1, countPrefix(f.notifySubjects(), cancelledSubject))
	require.Equal(t, `Acme cancelled your one-off partnership for the campaign "Spring launch" (an instagram reel). Reason: budget cut.`,
		f.notifyText(cancelledSubject), "the e-mail says which partnership; nothing is owed before signing")
	require.Equal(t, 0, f.n("VoidEnvelope"))
	require.Equal(t, 0, f.n("CreateEnvelope"))
	require.Equal(t, 1, f.countEvents("partnership_cancelled"))
	ev := f.event("partnership_cancelled")
	require.Equal(t, brand.Sub, ev.Actor)
	require.Equal(t, partnership.RoleBrandManager, ev.Role)
	require.Contains(t, string(ev.Data), "budget cut")
	require.Equal(t, 0, f.countEvents("kill_fee_payable"))
}

// TestCancelBeforeSigning: creator withdrawals and brand/admin cancellations before the
// contract is signed; a pending envelope is voided.
func TestCancelBeforeSigning(t *testing.T) {
	cases := []struct {
		name         string
		actor        partnership.Actor
		inContract   bool // cancel while the envelope waits for signatures
		wantOutcome  string
		wantNotified int
		wantVoids    int
	}{
		{name: "creator withdraws during negotiation", actor: creator, wantOutcome: "withdrawn"},
		{name: "creator withdraws before signing", actor: creator, inContract: true, wantOutcome: "withdrawn", wantVoids: 1},
		{name: "brand cancels before signing", actor: brand, inContract: true, wantOutcome: "cancelled", wantNotified: 1, wantVoids: 1},
		{name: "admin cancels before signing", actor: admin, inContract: true, wantOutcome: "cancelled", wantNotified: 1, wantVoids: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			if tc.inContract {
				f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			}
			f.update(minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: tc.actor, Reason: "changed my mind"})
			st := f.runOK()

			f.requireAccepted("cancel")
			require.Equal(t, partnership.StageCancelled, st.Stage)
			require.Equal(t, tc.wantOutcome, st.Outcome)
			require.Nil(t, st.NextAction)
			require.Equal(t, tc.actor.Sub, st.Cancellation.By)
			require.Equal(t, tc.actor.Role, st.Cancellation.Role)
			require.Equal(t, tc.wantNotified, countPrefix(f.notifySubjects(), cancelledSubject))
			require.Equal(t, tc.wantVoids, f.n("VoidEnvelope"))
			require.Equal(t, 1, f.countEvents("partnership_"+tc.wantOutcome))
			require.Empty(t, st.Payouts)
			require.Equal(t, 0, f.countEvents("kill_fee_payable"))
			if tc.wantVoids > 0 {
				require.Equal(t, envelopeID, f.voids[0].EnvelopeID)
				require.True(t, strings.Contains(f.voids[0].Reason, tc.wantOutcome), "void reason %q", f.voids[0].Reason)
				require.Equal(t, "voided", st.Contract.Status)
				require.Equal(t, 1, f.countEvents("envelope_voided"))
			}
		})
	}
}

// TestCancelDuringSigningDeadlineVoid: the signing deadline passed and the envelope is being
// voided when the brand (or the creator) cancels. The cancellation is answered and applied:
// the partnership ends cancelled, the envelope voided once. It used to end expired with the
// cancellation never answered, and the workflow stayed open waiting for its handler.
func TestCancelDuringSigningDeadlineVoid(t *testing.T) {
	for _, actor := range []partnership.Actor{brand, creator} {
		t.Run(actor.Role, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.voidDelay = minute(10) // the provider takes a while to void
			f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			// The signing deadline is 3 days after the envelope went out (minute 1).
			f.update(minute(1)+3*day+minute(5), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: actor, Reason: "no longer needed"})
			st := f.runOK()

			acked := f.ackedState(f.requireAccepted("cancel"))
			require.Equal(t, partnership.StageCancelled, acked.Stage)
			require.Equal(t, partnership.StageCancelled, st.Stage)
			require.Equal(t, actor.Sub, st.Cancellation.By)
			require.Equal(t, "voided", st.Contract.Status)
			require.Equal(t, 1, f.n("VoidEnvelope"))
			require.Equal(t, 0, f.countEvents("contract_expired"))
			require.Empty(t, st.Payouts, "nobody signed: no kill fee")
		})
	}
}

// TestCancelDuringSigningDeadlineVoidBeforeVersion: a partnership on the old branch of
// cancel-at-signing-deadline ends expired as before, and the cancellation it had accepted is
// now answered with a conflict naming that end, so the workflow closes.
func TestCancelDuringSigningDeadlineVoidBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("cancel-at-signing-deadline")
	f.voidDelay = minute(10)
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.update(minute(1)+3*day+minute(5), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "no longer needed"})
	st := f.runOK()

	require.Equal(t, partnership.StageExpired, st.Stage)
	o := f.upd("cancel")
	require.True(t, o.accepted)
	require.True(t, o.completed, "the cancellation is answered")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, o.err, &appErr)
	require.Equal(t, partnership.ErrTypeConflict, appErr.Type())
	require.Contains(t, appErr.Message(), "ended expired before the cancellation applied")
}

// TestCancelEmailDownHoldsKillFeeAnHourAtMost: the creator's cancellation e-mail is sent in
// line, before the kill fee is payable; with the e-mail provider down it is given up
// (email_failed) and the kill fee becomes payable. E-mails are scheduled with an hour of
// retries, where provider calls get a day: the trigger used to be refused for up to a day.
func TestCancelEmailDownHoldsKillFeeAnHourAtMost(t *testing.T) {
	f := newFixture(t, baseInput())
	patience := map[string]time.Duration{}
	f.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		f.mu.Lock()
		defer f.mu.Unlock()
		patience[info.ActivityType.Name] = info.ScheduleToCloseTimeout
	})
	f.toContent()
	f.at(minute(2.5), func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.notifyErr = errors.New("email send message: 503 Service Unavailable") // retried, as a 5xx is
	})
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	f.trigger(minute(3)+time.Hour, "kill-fee", finance1, partnership.PayoutKindKillFee)
	f.payment(minute(3)+time.Hour+minute(1), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	f.requireAccepted("kill-fee")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	failed := 0
	for _, e := range f.events() {
		if e.Type == "email_failed" && strings.Contains(string(e.Data), `"step":"cancelled"`) {
			failed++
		}
	}
	require.Equal(t, 1, failed)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, time.Hour, patience["NotifyCreator"], "an e-mail's patience")
	require.Equal(t, 24*time.Hour, patience["CreateTransfer"], "a provider call's")
}

// killFeeScript cancels a signed partnership at minute 3 and lets finance pay the kill fee as
// soon as it is payable. The steps are milliseconds apart (see TestBugKillFeeSettlementBusyLoops).
func killFeeScript(f *fixture) {
	f.toContent()
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	step := 5 * time.Millisecond
	f.when(minute(3)+step, step, "kill fee payable", func(st partnership.State) bool {
		return st.Stage == partnership.StageCancelled && st.NextAction != nil && st.NextAction.Action == "trigger_payout"
	}, func() {
		f.updateNow("trigger-fee", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindFee})
		f.updateNow("trigger-kill-fee", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindKillFee})
	})
	f.when(minute(3)+2*step, step, "transfer created", func(st partnership.State) bool {
		return len(st.Payouts) == 1 && st.Payouts[0].TransferID != ""
	}, func() {
		f.signalPayment(partnership.PaymentEvent{
			EventID: "pay-evt-1", TransferID: "tr_po_1", PayoutID: "po_1", Status: "paid"})
	})
}

// TestCancelAfterSigningPaysKillFee: the kill fee becomes payable, finance triggers it, it is
// paid, and the outcome stays cancelled.
func TestCancelAfterSigningPaysKillFee(t *testing.T) {
	f := newFixture(t, baseInput())
	f.update(minute(2.5), "creator-withdraw-after-signing", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "too busy"})
	killFeeScript(f)
	st := f.runOK()

	f.requireRejected("creator-withdraw-after-signing", partnership.ErrTypeConflict)
	// The cancel request's answer says the system is settling what the cancellation owes.
	acked := f.ackedState(f.requireAccepted("cancel"))
	require.Equal(t, &partnership.NextAction{Role: partnership.RoleSystem, Action: "settle_cancellation"}, acked.NextAction)
	f.requireRejected("trigger-fee", partnership.ErrTypeConflict)
	po := decodeResult[partnership.Payout](t, f.requireAccepted("trigger-kill-fee"))
	require.Equal(t, usd(10_000), po.Amount)

	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "cancelled", st.Outcome)
	require.Nil(t, st.NextAction)
	require.Equal(t, partnership.PayoutKindKillFee, st.Cancellation.Owed, "the decision is kept")
	require.Equal(t, partnership.PayoutKindKillFee, f.finalRecord().Cancellation.Owed, "and written")
	require.Equal(t, "completed", st.Contract.Status)
	require.Len(t, st.Payouts, 1)
	p := st.Payouts[0]
	require.Equal(t, partnership.PayoutKindKillFee, p.Kind)
	require.Equal(t, usd(10_000), p.Amount)
	require.Equal(t, partnership.PayoutPaid, p.Status)
	require.Equal(t, finance1.Sub, p.TriggeredBy)
	require.Equal(t, 1, f.n("CreateTransfer"))
	require.Equal(t, usd(10_000), f.transfers[0].Amount)
	require.Equal(t, 0, f.n("VoidEnvelope"), "a signed envelope is not voided")
	require.Equal(t, 1, countPrefix(f.notifySubjects(), cancelledSubject))
	require.Equal(t, `Acme cancelled your one-off partnership for the campaign "Spring launch" (an instagram reel). Reason: campaign stopped.`+
		" The contract was signed, so a kill fee of USD 100.00 is owed to you: it will be paid to your payout account.",
		f.notifyText(cancelledSubject))
	requireSubsequence(t, f.eventTypes(), []string{"contract_signed", "partnership_cancelled", "kill_fee_payable",
		"payout_triggered", "transfer_created", "payout_paid"})
	require.Equal(t, 0, f.countEvents("completed"))
}

// TestCancellationEmailNamesThePartnership: without a campaign name the creator's e-mail names
// the brand, the kind of deal and its deliverables; a reason's own full stop is kept.
func TestCancellationEmailNamesThePartnership(t *testing.T) {
	in := baseInput()
	in.Campaign.Name = ""
	in.Offer.Kind = "affiliate"
	in.Offer.CommissionBps = 1000
	in.Offer.Deliverables = []partnership.DeliverableSpec{{Platform: "instagram", Format: "story"},
		{Platform: "instagram", Format: "story"}, {Platform: "tiktok", Format: "video"}}
	f := newFixture(t, in)
	f.update(minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: admin, Reason: "  Budget cut. "})
	f.runOK()

	f.requireAccepted("cancel")
	require.Equal(t, "Acme cancelled your affiliate partnership (2 instagram stories and a tiktok video). Reason: Budget cut.",
		f.notifyText(cancelledSubject))
}

// payKillFeeWhenPayable has finance trigger the kill fee as soon as the cancelled partnership
// owes it, polling from d on, and the provider pay it.
func payKillFeeWhenPayable(f *fixture, d time.Duration) {
	step := 5 * time.Millisecond
	f.when(d, step, "kill fee payable", func(st partnership.State) bool {
		return st.Stage == partnership.StageCancelled && st.NextAction != nil && st.NextAction.Action == "trigger_payout"
	}, func() {
		f.updateNow("trigger-kill-fee", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindKillFee})
	})
	f.when(d+step, step, "transfer created", func(st partnership.State) bool {
		return len(st.Payouts) == 1 && st.Payouts[0].TransferID != ""
	}, func() {
		f.signalPayment(partnership.PaymentEvent{
			EventID: "pay-evt-1", TransferID: "tr_po_1", PayoutID: "po_1", Status: "paid"})
	})
}

// bareVoidConflict is what a worker whose activity does not read the envelope yet answers to
// a void of a completed envelope: a bare 409.
func bareVoidConflict() error {
	return temporal.NewNonRetryableApplicationError("esign void envelope: 409 Conflict: envelope is completed and can no longer be voided",
		providers.ErrTypeRejected, nil, providers.Rejection{Provider: "esign", StatusCode: 409, Message: "envelope is completed and can no longer be voided"})
}

// TestCancelRacingSignature: the brand cancels at minute 2 while both parties are signing; the
// provider's webhook is still on its way (minute 2.1). A contract signed in that race is signed:
// the refused void (or the webhook that arrives while the void fails) records it, the kill fee
// becomes payable and is paid, the creator is told, the outcome stays cancelled. (It used to
// record a failed void and end unsigned, without the kill fee.) A creator who declined in the
// race is owed nothing.
func TestCancelRacingSignature(t *testing.T) {
	bareConflict := bareVoidConflict()
	cases := []struct {
		name          string
		voidErr       error
		voidDelay     time.Duration
		webhook       string
		wantVoidEvent string
		wantContract  string
		wantKillFee   bool
	}{
		{name: "void refused, envelope completed", voidErr: envelopeFinal("completed"), webhook: "completed",
			wantVoidEvent: "envelope_void_refused", wantContract: "completed", wantKillFee: true},
		{name: "void fails while the completed webhook arrives", voidErr: bareConflict, voidDelay: minute(0.5), webhook: "completed",
			wantVoidEvent: "envelope_void_failed", wantContract: "completed", wantKillFee: true},
		{name: "void refused, envelope declined", voidErr: envelopeFinal("declined"), webhook: "declined",
			wantVoidEvent: "envelope_void_refused", wantContract: "declined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.voidErr, f.voidDelay = tc.voidErr, tc.voidDelay
			f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			f.update(minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "budget cut"})
			f.esign(minute(2.1), "esign-evt-1", envelopeID, tc.webhook)
			if tc.wantKillFee {
				payKillFeeWhenPayable(f, minute(2)+tc.voidDelay)
			}
			st := f.runOK()

			res := f.ackedState(f.requireAccepted("cancel"))
			require.Equal(t, partnership.StageCancelled, res.Stage)
			require.Equal(t, partnership.StageCancelled, st.Stage)
			require.Equal(t, "cancelled", st.Outcome)
			require.Nil(t, st.NextAction)
			require.Equal(t, tc.wantContract, st.Contract.Status)
			require.Equal(t, 1, f.n("VoidEnvelope"))
			require.Equal(t, 1, f.countEvents(tc.wantVoidEvent))
			require.Equal(t, 0, f.countEvents("envelope_voided"))
			require.Equal(t, 1, countPrefix(f.notifySubjects(), cancelledSubject))
			require.Equal(t, 0, f.n("CreateDiscountCode"))
			require.Equal(t, 0, f.countEvents("completed"))
			if !tc.wantKillFee {
				require.Nil(t, st.Contract.SignedAt)
				require.Empty(t, st.Payouts)
				require.Equal(t, 0, f.countEvents("contract_signed"))
				require.Equal(t, 0, f.countEvents("kill_fee_payable"))
				require.Equal(t, 0, f.n("CreateTransfer"))
				return
			}
			require.NotNil(t, st.Contract.SignedAt)
			require.True(t, st.Contract.SignedAt.Equal(testStart.Add(minute(2)+tc.voidDelay)), "signed when the void told, %s", st.Contract.SignedAt)
			po := decodeResult[partnership.Payout](t, f.requireAccepted("trigger-kill-fee"))
			require.Equal(t, usd(10_000), po.Amount)
			require.Len(t, st.Payouts, 1)
			require.Equal(t, partnership.PayoutKindKillFee, st.Payouts[0].Kind)
			require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
			require.Equal(t, 1, f.n("CreateTransfer"))
			require.Equal(t, usd(10_000), f.transfers[0].Amount)
			require.Equal(t, 1, f.countEvents("contract_signed"))
			requireSubsequence(t, f.eventTypes(), []string{"contract_sent", tc.wantVoidEvent, "contract_signed",
				"partnership_cancelled", "kill_fee_payable", "payout_triggered", "transfer_created", "payout_paid"})
		})
	}
}

// TestCancelRacingSignatureBeforeVersion: a partnership that went through such a refused void
// before "void-refused-envelope-final" keeps the outcome it had (a failed void, no kill fee), so
// its history replays.
func TestCancelRacingSignatureBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("void-refused-envelope-final")
	f.voidErr = envelopeFinal("completed")
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.update(minute(2), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "budget cut"})
	st := f.runOK()

	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "sent", st.Contract.Status)
	require.Equal(t, 1, f.countEvents("envelope_void_failed"))
	require.Equal(t, 0, f.countEvents("envelope_void_refused"))
	require.Equal(t, 0, f.countEvents("kill_fee_payable"))
	require.Empty(t, st.Payouts)
}

// TestCancelRacingSignatureCreatorWithdraws: the creator withdraws at minute 2 while both
// parties are signing, and the withdrawal is accepted because the contract does not read
// signed yet. However the signature is found (the refused void, the webhook arriving while the
// void fails, or a signature made while the envelope was being created, seen by the contract
// wait together with the withdrawal), the partnership ends
// withdrawn with the contract recorded as signed and no kill fee: only the brand side's
// cancellation owes one. (It used to make the kill fee payable and wait for finance.)
func TestCancelRacingSignatureCreatorWithdraws(t *testing.T) {
	bareConflict := bareVoidConflict()
	cases := []struct {
		name          string
		voidErr       error
		voidDelay     time.Duration
		wantVoidEvent string // empty: the contract wait sees the signature with the withdrawal, no void is tried
	}{
		{name: "void refused, envelope completed", voidErr: envelopeFinal("completed"), wantVoidEvent: "envelope_void_refused"},
		{name: "void fails while the completed webhook arrives", voidErr: bareConflict, voidDelay: minute(0.5),
			wantVoidEvent: "envelope_void_failed"},
		{name: "signed while the envelope was created, with the withdrawal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.voidErr, f.voidDelay = tc.voidErr, tc.voidDelay
			f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			if tc.wantVoidEvent == "" {
				// Both signed while the envelope was being created: the contract wait sees the
				// signature and the withdrawal together once the envelope's id is recorded.
				f.envelopeDelay = minute(1)
				f.esign(minute(1.5), "esign-evt-1", envelopeID, "completed")
				f.update(minute(1.6), "withdraw", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "too busy"})
			} else {
				f.update(minute(2), "withdraw", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "too busy"})
				f.esign(minute(2.1), "esign-evt-1", envelopeID, "completed")
			}
			st := f.runOK()

			res := f.ackedState(f.requireAccepted("withdraw"))
			require.Equal(t, partnership.StageCancelled, res.Stage)
			require.Equal(t, "withdrawn", res.Outcome)
			require.Equal(t, partnership.StageCancelled, st.Stage)
			require.Equal(t, "withdrawn", st.Outcome)
			require.Nil(t, st.NextAction)
			require.Equal(t, partnership.RoleCreator, st.Cancellation.Role)
			require.Equal(t, "completed", st.Contract.Status, "the envelope was signed at the provider")
			require.NotNil(t, st.Contract.SignedAt)
			require.Empty(t, st.Payouts)
			require.Equal(t, 0, f.countEvents("kill_fee_payable"))
			require.Equal(t, 0, f.n("CreateTransfer"))
			require.Equal(t, 0, countPrefix(f.notifySubjects(), cancelledSubject), "the creator withdrew: nobody tells them")
			require.Equal(t, 1, f.countEvents("contract_signed"))
			require.Equal(t, 1, f.countEvents("partnership_withdrawn"))
			require.Equal(t, 0, f.countEvents("partnership_cancelled"))
			require.Equal(t, 0, f.countEvents("envelope_voided"))
			require.Equal(t, 0, f.countEvents("completed"))
			require.Equal(t, 0, f.n("CreateDiscountCode"), "nothing will be sold: no code")
			require.Empty(t, st.Tracking.DiscountCode)
			if tc.wantVoidEvent == "" {
				require.Equal(t, 0, f.n("VoidEnvelope"), "a signed envelope is not voided")
				requireSubsequence(t, f.eventTypes(), []string{"contract_sent", "contract_signed", "partnership_withdrawn"})
				return
			}
			require.Equal(t, 1, f.n("VoidEnvelope"))
			require.Equal(t, 1, f.countEvents(tc.wantVoidEvent))
			requireSubsequence(t, f.eventTypes(), []string{"contract_sent", tc.wantVoidEvent, "contract_signed", "partnership_withdrawn"})
		})
	}
}

// TestCancelArrivingWithSignatures: both signed while the envelope was being created and the
// brand cancelled at the same moment. The contract is signed, so the kill fee is owed; no
// discount code is made for a partnership that ends there.
func TestCancelArrivingWithSignatures(t *testing.T) {
	f := newFixture(t, baseInput())
	f.envelopeDelay = minute(1)
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(minute(1.5), "esign-evt-1", envelopeID, "completed")
	f.update(minute(1.6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "budget cut"})
	payKillFeeWhenPayable(f, minute(2))
	st := f.runOK()

	f.requireAccepted("cancel")
	require.Equal(t, "cancelled", st.Outcome)
	require.Equal(t, "completed", st.Contract.Status)
	require.Equal(t, 0, f.n("CreateDiscountCode"))
	require.Empty(t, st.Tracking.DiscountCode)
	require.Equal(t, 0, f.n("VoidEnvelope"))
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutKindKillFee, st.Payouts[0].Kind)
	requireSubsequence(t, f.eventTypes(), []string{"contract_sent", "contract_signed", "partnership_cancelled", "kill_fee_payable", "payout_paid"})
}

// TestCancelArrivingWithSignaturesBeforeVersion: before "no-code-after-cancel" the code was
// made first and the cancellation applied as content opened; such a history replays so.
func TestCancelArrivingWithSignaturesBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("no-code-after-cancel")
	f.envelopeDelay = minute(1)
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(minute(1.5), "esign-evt-1", envelopeID, "completed")
	f.update(minute(1.6), "withdraw", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "too busy"})
	st := f.runOK()

	require.Equal(t, "withdrawn", st.Outcome)
	require.Equal(t, 1, f.n("CreateDiscountCode"))
	require.Equal(t, discountCode, st.Tracking.DiscountCode)
}

// TestCancelRacingSignatureCreatorWithdrawsBeforeVersion: a withdrawal that crossed both
// signatures before "withdrawal-owes-no-kill-fee" keeps the outcome it had (the kill fee
// payable and paid), so its history replays.
func TestCancelRacingSignatureCreatorWithdrawsBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("withdrawal-owes-no-kill-fee")
	f.voidErr = envelopeFinal("completed")
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.update(minute(2), "withdraw", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "too busy"})
	payKillFeeWhenPayable(f, minute(2))
	st := f.runOK()

	f.requireAccepted("withdraw")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "withdrawn", st.Outcome)
	require.Equal(t, "completed", st.Contract.Status)
	require.Equal(t, 1, f.countEvents("kill_fee_payable"))
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutKindKillFee, st.Payouts[0].Kind)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
}

// commissionCancelledInTracking is a 15% commission partnership whose post is verified at
// minute 5 (the attribution window starts) and which the brand cancels ten days into the
// window, with 123,457 of attributed revenue by then.
func commissionCancelledInTracking(t *testing.T) (*fixture, time.Duration) {
	in := baseInput()
	in.Offer.CommissionBps = 1500
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Conversions: 7, Revenue: usd(123_457),
		PostMetrics: partnership.PostMetrics{Posts: 1, Likes: 900, Comments: 40}}
	f.toPayout()
	cancelAt := minute(5) + 10*day
	f.update(cancelAt, "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	f.trigger(cancelAt+minute(1), "fee", finance1, partnership.PayoutKindFee)
	f.trigger(cancelAt+minute(2), "commission", finance1, partnership.PayoutKindCommission)
	f.payment(cancelAt+minute(3), "pay-evt-1", "po_1", "paid", "")
	return f, cancelAt
}

// TestCancelDuringTrackingPaysCommissionEarned: a brand cancelling during the attribution
// window cuts the window short, not the commission on the orders already made: they are
// counted up to the cancellation and the commission becomes payable alongside the earned
// fee. (The cancellation used to skip the count, and the commission was lost.)
func TestCancelDuringTrackingPaysCommissionEarned(t *testing.T) {
	f, cancelAt := commissionCancelledInTracking(t)
	f.payment(cancelAt+minute(4), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	res := f.ackedState(f.requireAccepted("cancel"))
	require.Equal(t, partnership.StageCancelled, res.Stage)
	require.Equal(t, &partnership.NextAction{Role: partnership.RoleSystem, Action: "collect_conversions"}, res.NextAction,
		"the answer says the orders are being counted")
	require.Contains(t, f.notifyText(cancelledSubject), "Any commission on the orders made with your code or link until the cancellation is counted now")
	f.requireAccepted("fee")
	c := decodeResult[partnership.Payout](t, f.requireAccepted("commission"))
	require.Equal(t, int64(18_518), c.Amount.AmountMinor, "15% of the revenue up to the cancellation, rounded down")

	require.Equal(t, 1, f.n("CollectConversions"))
	require.True(t, f.collects[0].Since.IsZero())
	require.True(t, f.collects[0].Until.Equal(testStart.Add(cancelAt)), "counted until the cancellation, not %s", f.collects[0].Until)
	require.Equal(t, discountCode, f.collects[0].Code)
	require.True(t, st.Tracking.CountedUntil.Equal(testStart.Add(cancelAt)))
	require.Equal(t, int64(7), st.Tracking.Conversions)
	require.Equal(t, usd(123_457), st.Tracking.Revenue)

	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "cancelled", st.Outcome)
	require.Nil(t, st.NextAction)
	require.Len(t, st.Payouts, 2)
	require.Equal(t, partnership.PayoutKindFee, st.Payouts[0].Kind)
	require.Equal(t, partnership.PayoutKindCommission, st.Payouts[1].Kind)
	require.Equal(t, usd(18_518), st.Payouts[1].Amount)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	require.Equal(t, 2, f.n("CreateTransfer"))
	require.Equal(t, 1, countPrefix(f.notifySubjects(), cancelledSubject))
	requireSubsequence(t, f.eventTypes(), []string{"partnership_cancelled", "fee_payable_after_cancellation",
		"conversions_collected", "commission_payable_after_cancellation", "payout_paid", "payout_paid"})
	require.Equal(t, 0, f.countEvents("kill_fee_payable"))
	require.Equal(t, partnership.PayoutKindFee, f.finalRecord().Cancellation.Owed)
}

// TestCancelWhileWindowCounted: a cancellation that arrives while the window's own count runs
// keeps that count (the whole window, nothing counted twice) and its commission.
func TestCancelWhileWindowCounted(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1500
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Conversions: 7, Revenue: usd(123_457)}
	f.collectDelay = minute(1)
	f.toPayout()
	end := minute(5) + 30*day
	f.update(end+minute(0.5), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	f.trigger(end+minute(2), "fee", finance1, partnership.PayoutKindFee)
	f.trigger(end+minute(3), "commission", finance1, partnership.PayoutKindCommission)
	f.payment(end+minute(4), "pay-evt-1", "po_1", "paid", "")
	f.payment(end+minute(5), "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	f.requireAccepted("cancel")
	f.requireAccepted("fee")
	c := decodeResult[partnership.Payout](t, f.requireAccepted("commission"))
	require.Equal(t, int64(18_518), c.Amount.AmountMinor)
	require.Equal(t, 1, f.n("CollectConversions"), "the window's count is kept, not made again")
	require.True(t, f.collects[0].Until.Equal(testStart.Add(end)))
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Len(t, st.Payouts, 2)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[1].Status)
	require.Equal(t, 1, f.countEvents("commission_payable_after_cancellation"))
}

// TestCancelDuringTrackingBeforeVersion: a partnership cancelled during tracking before
// "commission-on-cancel-in-tracking" keeps what it did (no count, the fee alone payable), so its
// history replays.
func TestCancelDuringTrackingBeforeVersion(t *testing.T) {
	f, _ := commissionCancelledInTracking(t)
	f.oldBranch("commission-on-cancel-in-tracking")
	st := f.runOK()

	f.requireAccepted("cancel")
	f.requireAccepted("fee")
	f.requireRejected("commission", partnership.ErrTypeConflict)
	require.Equal(t, 0, f.n("CollectConversions"))
	require.Equal(t, 0, f.countEvents("commission_payable_after_cancellation"))
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutKindFee, st.Payouts[0].Kind)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
}

// TestCancelRefusedInPayout: once the partnership is in payout it can no longer be cancelled.
func TestCancelRefusedInPayout(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toPayout()
	f.update(minute(5.5), "cancel-in-payout", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "too late"})
	f.update(minute(5.6), "admin-cancel-in-payout", partnership.UpdateCancel, partnership.CancelRequest{Actor: admin, Reason: "too late"})
	f.trigger(minute(6), "trigger", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	f.requireRejected("cancel-in-payout", partnership.ErrTypeConflict)
	f.requireRejected("admin-cancel-in-payout", partnership.ErrTypeConflict)
	msg, stage := f.rejection("cancel-in-payout")
	require.Equal(t, "a partnership in the payout stage can no longer be cancelled", msg)
	require.Equal(t, partnership.StagePayout, stage)
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Nil(t, st.Cancellation)
	require.Equal(t, 0, f.countEvents("partnership_cancelled"))
	require.Equal(t, 0, countPrefix(f.notifySubjects(), cancelledSubject))
}

// TestCancelAfterSigningWithoutKillFee ends at once: nothing is payable.
func TestCancelAfterSigningWithoutKillFee(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	f.update(minute(4), "kill-fee", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindKillFee})
	st := f.runOK()
	require.Nil(t, f.ackedState(f.requireAccepted("cancel")).NextAction, "nothing is owed: nobody acts")
	require.False(t, f.upd("kill-fee").fired, "the workflow ended with the cancellation")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "cancelled", st.Outcome)
	require.Empty(t, st.Payouts)
	require.Empty(t, st.Cancellation.Owed)
	require.Equal(t, 0, f.countEvents("kill_fee_payable"))
	require.Equal(t, 0, f.n("CreateTransfer"))
}

// TestCancelKillFeeSettlementWaitsQuietly: while the kill fee waits for finance and the
// provider, the compensation's payout loop blocks like any other wait. (Regression: it used to
// wake at once on the pending cancellation and persist snapshots in a tight loop.)
func TestCancelKillFeeSettlementWaitsQuietly(t *testing.T) {
	f := newFixture(t, baseInput())
	f.toContent()
	f.update(minute(3), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "campaign stopped"})
	// finance needs a second (mock time) to react; the provider another second to settle
	f.when(minute(3)+time.Second, time.Second, "kill fee payable", func(st partnership.State) bool {
		return st.NextAction != nil && st.NextAction.Action == "trigger_payout"
	}, func() {
		f.updateNow("kill-fee", partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: finance1, Kind: partnership.PayoutKindKillFee})
	})
	f.payment(minute(3)+3*time.Second, "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()
	f.requireAccepted("kill-fee")
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	require.LessOrEqual(t, f.n("RecordTransition"), 40,
		"a kill-fee settlement of two human/provider steps should persist a handful of snapshots, not spin")
}

// TestWorkflowCancellationCompensates: cancelling the Temporal workflow itself (an operator
// action) still runs the compensation in a disconnected context: the pending envelope is
// voided, the creator told, the partnership recorded as cancelled.
func TestWorkflowCancellationCompensates(t *testing.T) {
	f := newFixture(t, baseInput())
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.at(minute(2), func() { f.env.CancelWorkflow() })
	f.run() // the workflow's own result is covered by TestBugWorkflowCancellationEndsAsFailure
	f.checkAudit()
	last := f.finalRecord()
	require.Equal(t, partnership.StageCancelled, last.Stage)
	require.Equal(t, "cancelled", last.Outcome)
	require.NotNil(t, last.Cancellation)
	require.Equal(t, partnership.RoleSystem, last.Cancellation.Role)
	require.Equal(t, "voided", last.Contract.Status)
	require.Equal(t, 1, f.n("VoidEnvelope"))
	require.Equal(t, 1, countPrefix(f.notifySubjects(), cancelledSubject))
	requireSubsequence(t, f.eventTypes(), []string{"contract_sent", "envelope_voided", "partnership_cancelled"})
}
