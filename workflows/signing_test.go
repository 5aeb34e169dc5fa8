package workflows_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// signedBy sends the provider's report that signer signed the envelope (recipient-completed)
// at d; the provider says they signed at signedAt (zero: it does not say).
func (f *fixture) signedBy(d time.Duration, eventID, envID, signer string, signedAt time.Time) {
	f.signal(d, partnership.SignalESignSigned, partnership.SignerEvent{EventID: eventID, EnvelopeID: envID, Signer: signer, SignedAt: signedAt})
}

// signingDeadline is when the base input's signing wait, started at minute 1, ends.
var signingDeadline = testStart.Add(minute(1)).Add(3 * day)

func (f *fixture) eventsOf(typ string) []map[string]string {
	var out []map[string]string
	for _, e := range f.events() {
		if e.Type == typ {
			var data map[string]string
			require.NoError(f.t, json.Unmarshal(e.Data, &data))
			out = append(out, data)
		}
	}
	return out
}

func requireSignedAt(t *testing.T, sig partnership.Signature, want time.Time, who string) {
	t.Helper()
	require.NotNil(t, sig.SignedAt, "%s has signed", who)
	require.True(t, want.Equal(*sig.SignedAt), "%s signed at %s, want %s", who, sig.SignedAt, want)
}

// TestSigningCreatorFirst: the creator signs, the brand has not: next_action turns to the
// brand manager with the same deadline, and the state shows the creator's signature. Then the
// brand signs (the envelope completes) and the partnership goes on as before.
func TestSigningCreatorFirst(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
	f := newFixture(t, in)
	creatorSigned := testStart.Add(minute(1.9))
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.snapshot(minute(1.5), "sent")
	f.signedBy(minute(2), "evt-creator", envelopeID, partnership.SignerCreator, creatorSigned)
	f.snapshot(minute(3), "creator-signed")
	f.update(minute(3.5), "withdraw-after-signing", partnership.UpdateCancel, partnership.CancelRequest{Actor: creator, Reason: "changed my mind"})
	f.esign(minute(4), "evt-completed", envelopeID, "completed")
	f.snapshot(minute(5), "signed")
	f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	s := f.snap("sent")
	requireNextAction(t, s, partnership.RoleCreator, "sign_contract")
	requireDueAt(t, s, signingDeadline)
	require.Nil(t, s.Contract.Signers.Creator.SignedAt)
	require.Nil(t, s.Contract.Signers.Brand.SignedAt)

	// Having signed, the creator can no longer withdraw, though the brand has not signed yet.
	f.requireRejected("withdraw-after-signing", partnership.ErrTypeConflict)
	require.ErrorContains(t, f.upd("withdraw-after-signing").rejectErr, "you signed the contract")

	c := f.snap("creator-signed")
	require.Equal(t, partnership.StageContracting, c.Stage)
	require.Equal(t, "sent", c.Contract.Status)
	requireNextAction(t, c, partnership.RoleBrandManager, "sign_contract")
	requireDueAt(t, c, signingDeadline)
	requireSignedAt(t, c.Contract.Signers.Creator, creatorSigned, "the creator")
	require.Nil(t, c.Contract.Signers.Brand.SignedAt)
	require.Nil(t, c.Contract.SignedAt)

	// The read model holds it too: that is what GET /v1/partnerships/{id} serves.
	var written *partnership.State
	for _, r := range f.sortedRecords() {
		if r.State.Contract.Signers.Creator.SignedAt != nil {
			written = &r.State
			break
		}
	}
	require.NotNil(t, written, "a snapshot with the creator's signature was written")
	requireNextAction(t, *written, partnership.RoleBrandManager, "sign_contract")

	d := f.snap("signed")
	require.Equal(t, partnership.StageContent, d.Stage)
	require.Equal(t, "completed", d.Contract.Status)
	requireSignedAt(t, d.Contract.Signers.Creator, creatorSigned, "the creator")
	requireSignedAt(t, d.Contract.Signers.Brand, testStart.Add(minute(4)), "the brand")
	requireSignedAt(t, partnership.Signature{SignedAt: d.Contract.SignedAt}, testStart.Add(minute(4)), "the contract")

	by := f.eventsOf("contract_signed_by")
	require.Len(t, by, 2)
	require.Equal(t, "creator", by[0]["signer"])
	require.Equal(t, partnership.RoleCreator, by[0]["role"])
	require.Equal(t, "evt-creator", by[0]["event_id"])
	require.Equal(t, creatorSigned.Format(time.RFC3339), by[0]["signed_at"])
	require.Equal(t, "brand", by[1]["signer"])
	require.Equal(t, partnership.RoleBrandManager, by[1]["role"])
	requireSubsequence(t, f.eventTypes(), []string{"contract_sent", "contract_signed_by", "contract_signed_by", "contract_signed", "discount_code_created"})
	require.Equal(t, 1, f.countEvents("contract_signed"))
	require.Equal(t, 1, f.n("CreateDiscountCode"))
	require.Equal(t, 0, f.n("VoidEnvelope"))
}

// TestSigningBrandFirst: the brand signs first: the creator still has to, by the same deadline.
func TestSigningBrandFirst(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.signedBy(minute(2), "evt-brand", envelopeID, partnership.SignerBrand, time.Time{})
	f.snapshot(minute(3), "brand-signed")
	f.esign(minute(4), "evt-completed", envelopeID, "completed")
	f.snapshot(minute(5), "signed")
	f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	b := f.snap("brand-signed")
	requireNextAction(t, b, partnership.RoleCreator, "sign_contract")
	requireDueAt(t, b, signingDeadline)
	require.Nil(t, b.Contract.Signers.Creator.SignedAt)
	requireSignedAt(t, b.Contract.Signers.Brand, testStart.Add(minute(2)), "the brand (no time from the provider: when it was told)")

	d := f.snap("signed")
	require.Equal(t, partnership.StageContent, d.Stage)
	requireSignedAt(t, d.Contract.Signers.Creator, testStart.Add(minute(4)), "the creator")
	requireSignedAt(t, d.Contract.Signers.Brand, testStart.Add(minute(2)), "the brand")
	by := f.eventsOf("contract_signed_by")
	require.Len(t, by, 2)
	require.Equal(t, []string{"brand", "creator"}, []string{by[0]["signer"], by[1]["signer"]})
}

// TestSigningDuplicateAndStraySignerEvents: a redelivered signer event, a second report of the
// same signer, one for another envelope, one for an unknown signer and one arriving before
// the envelope's id is recorded: each signature is recorded once, for this envelope only.
func TestSigningDuplicateAndStraySignerEvents(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.envelopeDelay = 2 * time.Minute // CreateEnvelope runs from minute 1 to 3
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.signedBy(minute(2), "evt-early", envelopeID, partnership.SignerCreator, testStart.Add(minute(1.5)))
	f.signedBy(minute(2.5), "evt-early", envelopeID, partnership.SignerCreator, testStart.Add(minute(1.5)))
	f.signedBy(minute(4), "evt-early", envelopeID, partnership.SignerCreator, testStart.Add(minute(1.5)))
	f.signedBy(minute(4.1), "evt-again", envelopeID, partnership.SignerCreator, testStart.Add(minute(4)))
	f.signedBy(minute(4.2), "evt-other", "env-someone-else", partnership.SignerBrand, time.Time{})
	f.signedBy(minute(4.3), "evt-witness", envelopeID, "witness", time.Time{})
	f.signedBy(minute(4.4), "", envelopeID, partnership.SignerBrand, time.Time{})
	f.snapshot(minute(5), "creator-signed")
	f.esign(minute(6), "evt-completed", envelopeID, "completed")
	f.signedBy(minute(7), "evt-late", envelopeID, partnership.SignerBrand, time.Time{}) // after completion
	f.snapshot(minute(8), "signed")
	f.update(minute(9), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	c := f.snap("creator-signed")
	require.Equal(t, partnership.StageContracting, c.Stage)
	requireNextAction(t, c, partnership.RoleBrandManager, "sign_contract")
	requireDueAt(t, c, testStart.Add(minute(3)).Add(3*day))
	requireSignedAt(t, c.Contract.Signers.Creator, testStart.Add(minute(1.5)), "the creator")
	require.Nil(t, c.Contract.Signers.Brand.SignedAt)

	d := f.snap("signed")
	requireSignedAt(t, d.Contract.Signers.Creator, testStart.Add(minute(1.5)), "the creator")
	requireSignedAt(t, d.Contract.Signers.Brand, testStart.Add(minute(6)), "the brand")
	by := f.eventsOf("contract_signed_by")
	require.Len(t, by, 2, "one per signer: %v", by)
	require.Equal(t, "evt-early", by[0]["event_id"])
	require.Equal(t, "envelope_completed", by[1]["found_by"])
}

// TestSigningReminder: the reminder before the signing deadline goes to whoever has not
// signed yet, by e-mail with its own idempotency key: the brand only once the creator signed;
// both when nobody has (the creator first).
func TestSigningReminder(t *testing.T) {
	cases := []struct {
		name         string
		signer       string // who signed before the reminder ("" nobody)
		wantCreator  int
		wantBrand    int
		wantRemindTo []string
	}{
		{name: "creator signed", signer: partnership.SignerCreator, wantBrand: 1, wantRemindTo: []string{partnership.RoleBrandManager}},
		{name: "brand signed", signer: partnership.SignerBrand, wantCreator: 1, wantRemindTo: []string{partnership.RoleCreator}},
		{name: "nobody signed", wantCreator: 1, wantBrand: 1, wantRemindTo: []string{partnership.RoleCreator, partnership.RoleBrandManager}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, baseInput())
			f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
			if tc.signer != "" {
				f.signedBy(minute(2), "evt-1", envelopeID, tc.signer, time.Time{})
			}
			f.snapshot(minute(1)+2*day+minute(1), "reminded")
			st := f.runOK()

			require.Equal(t, tc.wantCreator, countPrefix(f.notifySubjects(), "Reminder"), "creator reminders")
			require.Equal(t, tc.wantBrand, countPrefix(f.brandSubjects(), "Reminder"), "brand reminders")
			var to []string
			for _, e := range f.eventsOf("reminder_sent") {
				require.Equal(t, "sign_contract", e["action"])
				to = append(to, e["role"])
			}
			require.Equal(t, tc.wantRemindTo, to)
			for _, e := range f.events() {
				if e.Type == "reminder_sent" {
					require.True(t, e.At.Equal(signingDeadline.Add(-day)), "reminded a day before the deadline, at %s", e.At)
				}
			}
			var keys []string
			f.mu.Lock()
			for _, m := range f.brandMails {
				keys = append(keys, m.IdempotencyKey)
			}
			for _, m := range f.notifies {
				keys = append(keys, m.IdempotencyKey)
			}
			f.mu.Unlock()
			seen := map[string]bool{}
			for _, k := range keys {
				if strings.Contains(k, "/email/reminder/sign_contract/") {
					require.False(t, seen[k], "idempotency key %s used twice", k)
					seen[k] = true
				}
			}
			require.Len(t, seen, tc.wantCreator+tc.wantBrand)

			// next_action still names who must sign, by the same deadline.
			r := f.snap("reminded")
			requireNextAction(t, r, tc.wantRemindTo[0], "sign_contract")
			requireDueAt(t, r, signingDeadline)
			// Nobody completed the envelope: it expires at the deadline, as before.
			require.Equal(t, partnership.StageExpired, st.Stage)
			require.Equal(t, 1, f.n("VoidEnvelope"))
			require.Nil(t, st.Contract.SignedAt)
		})
	}
}

// TestSigningWithoutSignerEvents: a provider that never reports single signatures: the
// envelope webhook ends the wait as before, and the state shows both signatures from then.
func TestSigningWithoutSignerEvents(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.toContent()
	f.snapshot(minute(3), "signed")
	f.update(minute(4), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	s := f.snap("signed")
	require.Equal(t, partnership.StageContent, s.Stage)
	requireSignedAt(t, s.Contract.Signers.Creator, testStart.Add(minute(2)), "the creator")
	requireSignedAt(t, s.Contract.Signers.Brand, testStart.Add(minute(2)), "the brand")
	require.Len(t, f.eventsOf("contract_signed_by"), 2)
	require.Equal(t, 1, f.countEvents("contract_signed"))
}

// TestSigningBeforeVersion: a partnership that reached the signing wait before
// version 3 of "record-once-per-task" waits for the creator alone, reminds only the creator and ignores single
// signatures, so its history replays.
func TestSigningBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(2))
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.signedBy(minute(2), "evt-creator", envelopeID, partnership.SignerCreator, time.Time{})
	f.snapshot(minute(3), "creator-signed")
	st := f.runOK()

	c := f.snap("creator-signed")
	requireNextAction(t, c, partnership.RoleCreator, "sign_contract")
	require.Nil(t, c.Contract.Signers.Creator.SignedAt)
	require.Equal(t, 1, countPrefix(f.notifySubjects(), "Reminder"))
	require.Equal(t, 0, countPrefix(f.brandSubjects(), "Reminder"))
	require.Equal(t, 0, f.countEvents("contract_signed_by"))
	require.Equal(t, partnership.StageExpired, st.Stage)
}
