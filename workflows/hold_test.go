package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/workflows"
)

const holdSubject = "A partnership is on hold"

// refused is a provider's 4xx refusal as the provider client reports it.
func refused(provider, op string, status int, msg string) error {
	return temporal.NewNonRetryableApplicationError(provider+" "+op+": "+msg, providers.ErrTypeRejected, nil,
		providers.Rejection{Provider: provider, StatusCode: status, Message: msg})
}

func retry(d time.Duration, f *fixture, id string, actor partnership.Actor, reason string) {
	f.update(d, id, partnership.UpdateRetryStep, partnership.RetryRequest{Actor: actor, Reason: reason})
}

// TestHoldRefusedEnvelopeThenAdminRetries: the e-signature provider refuses the envelope. The
// partnership used to fail with the activity's error (every action a 409, nobody named to
// act); now it holds in contracting with an admin named to retry, tells the brand, and an
// admin's retry (with a new key: nothing was made under the refused one) carries it on to the
// end. A retry with nothing held is refused and changes nothing.
func TestHoldRefusedEnvelopeThenAdminRetries(t *testing.T) {
	f := newFixture(t, baseInput())
	f.envelopeErrs = []error{refused("esign", "create envelope", 422, "signer email is not valid")}
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.snapshot(minute(2), "held")
	retry(minute(3), f, "retry-by-brand", brand, "please")
	retry(minute(3), f, "retry-no-reason", admin, "")
	retry(minute(3), f, "retry-blank-reason", admin, " \t ")
	f.update(minute(3.5), "draft-while-held", partnership.UpdateSubmitDraft, partnership.DraftSubmission{Actor: creator, DeliverableID: "d1", Caption: compliantText})
	retry(minute(4), f, "retry", admin, "creator's e-mail corrected")
	f.snapshot(minute(4.5), "sent")
	retry(minute(5), f, "retry-again", admin, "once more")
	f.esign(minute(6), "esign-evt-1", envelopeID, "completed")
	f.draft(minute(7), "draft-1", "d1", compliantText)
	f.review(minute(8), "review-1", "d1", 1, "approve")
	f.post(minute(9), "post-1", "d1", "https://instagram.example/p/1")
	f.trigger(minute(10), "fee", finance1, partnership.PayoutKindFee)
	f.payment(minute(11), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	h := f.snap("held")
	require.Equal(t, partnership.StageContracting, h.Stage)
	require.NotNil(t, h.ProviderHold)
	require.Equal(t, partnership.ProviderHold{Step: "create_contract", Provider: "esign", Error: providers.ErrTypeRejected,
		StatusCode: 422, Message: "esign create envelope: signer email is not valid", Attempt: 1,
		Since: testStart.Add(minute(1))}, *h.ProviderHold)
	requireNextAction(t, h, partnership.RoleAdmin, "retry_create_contract")
	requireDueAt(t, h, testStart.Add(minute(1)).Add(day))
	require.Empty(t, h.Contract.EnvelopeID)

	f.requireRejected("retry-by-brand", partnership.ErrTypeForbidden)
	f.requireRejected("retry-no-reason", partnership.ErrTypeInvalid)
	f.requireRejected("retry-blank-reason", partnership.ErrTypeInvalid)
	f.requireRejected("draft-while-held", partnership.ErrTypeConflict)
	acked := f.ackedState(f.requireAccepted("retry"))
	require.Nil(t, acked.ProviderHold, "the retry's answer shows the hold lifted")
	requireNextAction(t, acked, partnership.RoleSystem, "create_contract")
	f.requireRejected("retry-again", partnership.ErrTypeConflict)

	s := f.snap("sent")
	require.Nil(t, s.ProviderHold)
	require.Equal(t, envelopeID, s.Contract.EnvelopeID)
	requireNextAction(t, s, partnership.RoleCreator, "sign_contract")
	requireDueAt(t, s, testStart.Add(minute(4)).Add(3*day))

	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Nil(t, st.ProviderHold)
	require.Equal(t, 2, f.n("CreateEnvelope"))
	require.Equal(t, "p-0001/envelope/1", f.envelopes[0].IdempotencyKey)
	require.Equal(t, "p-0001/envelope/2", f.envelopes[1].IdempotencyKey, "a refused key made nothing: the retry takes the next")
	require.Equal(t, 1, f.countEvents("provider_step_failed"))
	require.Equal(t, 1, f.countEvents("provider_step_retried"))
	failed := f.event("provider_step_failed")
	require.Equal(t, partnership.RoleSystem, failed.Role)
	require.JSONEq(t, `{"step":"create_contract","provider":"esign","error":"ProviderRejected","status_code":422,
		"message":"esign create envelope: signer email is not valid","attempt":1,"since":"2030-01-06T09:01:00Z"}`, string(failed.Data))
	retried := f.event("provider_step_retried")
	require.Equal(t, admin.Sub, retried.Actor)
	require.Equal(t, partnership.RoleAdmin, retried.Role)
	require.JSONEq(t, `{"step":"create_contract","provider":"esign","attempt":2,"reason":"creator's e-mail corrected"}`, string(retried.Data))
	requireSubsequence(t, f.eventTypes(), []string{"terms_agreed", "stage_changed", "provider_step_failed",
		"provider_step_retried", "contract_sent", "contract_signed", "completed"})
	require.Equal(t, 1, countPrefix(f.brandSubjects(), holdSubject))
	require.Contains(t, f.brandMails[0].IdempotencyKey, "/email/provider_hold/create_contract/")
	require.EqualValues(t, 1, f.metrics.count(workflows.MetricProviderStepsHeld))
}

// TestHoldRefusedDiscountCode: the commerce provider refuses the discount code after both
// signed. The partnership holds in contracting, signed; the retry makes the code under a new
// key and content opens.
func TestHoldRefusedDiscountCode(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0) // so the cancellation that ends the test ends it at once
	f := newFixture(t, in)
	f.discountErrs = []error{refused("commerce", "create discount code", 409, "discount code JANEP123 already exists")}
	retry(minute(0.5), f, "retry-not-held", admin, "nothing failed yet")
	f.toContent()
	f.snapshot(minute(3), "held")
	retry(minute(4), f, "retry", admin, "old code removed at the shop")
	f.snapshot(minute(5), "content")
	f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	h := f.snap("held")
	require.Equal(t, partnership.StageContracting, h.Stage)
	require.Equal(t, "completed", h.Contract.Status)
	require.NotNil(t, h.ProviderHold)
	require.Equal(t, "create_discount_code", h.ProviderHold.Step)
	require.Equal(t, "commerce", h.ProviderHold.Provider)
	require.Equal(t, 409, h.ProviderHold.StatusCode)
	requireNextAction(t, h, partnership.RoleAdmin, "retry_create_discount_code")
	require.Empty(t, h.Tracking.DiscountCode)

	f.requireRejected("retry-not-held", partnership.ErrTypeConflict)
	f.requireAccepted("retry")
	c := f.snap("content")
	require.Equal(t, partnership.StageContent, c.Stage)
	require.Nil(t, c.ProviderHold)
	require.Equal(t, discountCode, c.Tracking.DiscountCode)
	requireNextAction(t, c, partnership.RoleCreator, "submit_draft")
	require.Equal(t, 2, f.n("CreateDiscountCode"))
	require.Equal(t, "p-0001/discount/1", f.discounts[0].IdempotencyKey)
	require.Equal(t, "p-0001/discount/2", f.discounts[1].IdempotencyKey)
	require.Equal(t, 1, f.n("CreateEnvelope"))
}

// TestHoldUnreadableAnswerKeepsItsKey: a 2xx the client could not read may mean the provider
// made the envelope, so the retry asks again under the same key (the provider answers with
// the one it made instead of making a second). The key stays in doubt: a refusal under it
// later (the body built again from changed data) does not move to a new key either.
func TestHoldUnreadableAnswerKeepsItsKey(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.envelopeErrs = []error{
		temporal.NewNonRetryableApplicationError("esign create envelope: response is not JSON", providers.ErrTypeResponseInvalid, nil),
		refused("esign", "create envelope", 422, "idempotency key reused with a different body"),
	}
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.snapshot(minute(2), "held")
	retry(minute(3), f, "retry-1", admin, "provider fixed its API")
	f.snapshot(minute(3.5), "held-again")
	retry(minute(4), f, "retry-2", admin, "creator's name restored")
	f.snapshot(minute(5), "sent")
	f.update(minute(6), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	h := f.snap("held").ProviderHold
	require.NotNil(t, h)
	require.Equal(t, providers.ErrTypeResponseInvalid, h.Error)
	require.Zero(t, h.StatusCode)
	f.requireAccepted("retry-1")
	again := f.snap("held-again").ProviderHold
	require.NotNil(t, again)
	require.Equal(t, providers.ErrTypeRejected, again.Error)
	require.Equal(t, 2, again.Attempt)
	f.requireAccepted("retry-2")
	require.Equal(t, envelopeID, f.snap("sent").Contract.EnvelopeID)
	require.Equal(t, 3, f.n("CreateEnvelope"))
	for _, e := range f.envelopes {
		require.Equal(t, "p-0001/envelope/1", e.IdempotencyKey, "every retry keeps the key in doubt")
	}
	require.Equal(t, 2, f.countEvents("provider_step_failed"))
	require.Equal(t, 2, countPrefix(f.brandSubjects(), holdSubject), "the brand hears of each hold")
}

// TestHoldRefusedInDoubtKeepsItsKey: the provider refused a repeat of the envelope's key
// after an earlier sending went unanswered (ProviderRefusedInDoubt): that sending may have
// made the envelope, so the admin's retry asks under the same key, never a second envelope.
func TestHoldRefusedInDoubtKeepsItsKey(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.envelopeErrs = []error{temporal.NewNonRetryableApplicationError(
		"esign create envelope: another request with this idempotency key is in progress; an earlier request with this idempotency key got no answer, so what it asked for may exist",
		providers.ErrTypeRefusedInDoubt, nil, providers.Rejection{Provider: "esign", StatusCode: 409, Message: "another request with this idempotency key is in progress"})}
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.snapshot(minute(2), "held")
	retry(minute(3), f, "retry", admin, "the provider has finished")
	f.snapshot(minute(4), "sent")
	f.update(minute(5), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "test over"})
	f.runOK()

	h := f.snap("held").ProviderHold
	require.NotNil(t, h)
	require.Equal(t, providers.ErrTypeRefusedInDoubt, h.Error)
	require.Equal(t, 409, h.StatusCode)
	f.requireAccepted("retry")
	require.Equal(t, envelopeID, f.snap("sent").Contract.EnvelopeID)
	require.Equal(t, 2, f.n("CreateEnvelope"))
	for _, e := range f.envelopes {
		require.Equal(t, "p-0001/envelope/1", e.IdempotencyKey, "the retry keeps the key that may have made the envelope")
	}
}

// TestHoldCollectConversionsOutOfTime: the commerce provider stayed down for the activity's
// whole day of retries at the end of the attribution window. The partnership holds in
// tracking (error Timeout); a missed admin deadline is escalated and the clock starts again;
// once the provider is back, the admin's retry counts the orders, the commission becomes
// payable and the partnership completes.
func TestHoldCollectConversionsOutOfTime(t *testing.T) {
	in := baseInput()
	in.Offer.CommissionBps = 1500
	f := newFixture(t, in)
	f.conversions = activities.ConversionsOutput{Conversions: 7, Revenue: usd(123_457)}
	// What the server reports when the schedule-to-close timer ends the retries.
	f.collectErrs = []error{temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
		errors.New("commerce list orders: 503 Service Unavailable: down"))}
	f.toPayout()
	f.trigger(minute(6), "fee", finance1, partnership.PayoutKindFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	end := minute(5) + 30*day
	f.snapshot(end+minute(1), "held")
	f.snapshot(end+day+minute(1), "escalated")
	retry(end+day+time.Hour, f, "retry", admin, "commerce provider back up")
	f.trigger(end+day+2*time.Hour, "commission", finance1, partnership.PayoutKindCommission)
	f.payment(end+day+3*time.Hour, "pay-evt-2", "po_2", "paid", "")
	st := f.runOK()

	h := f.snap("held")
	require.Equal(t, partnership.StageTracking, h.Stage)
	require.Equal(t, &partnership.ProviderHold{Step: "collect_conversions", Provider: "commerce", Error: "Timeout",
		Message: "no success after a day of retries: commerce list orders: 503 Service Unavailable: down",
		Attempt: 1, Since: testStart.Add(end)}, h.ProviderHold)
	requireNextAction(t, h, partnership.RoleAdmin, "retry_collect_conversions")
	requireDueAt(t, h, testStart.Add(end+day))

	e := f.snap("escalated")
	require.NotNil(t, e.ProviderHold)
	requireNextAction(t, e, partnership.RoleAdmin, "retry_collect_conversions")
	requireDueAt(t, e, testStart.Add(end+2*day))
	require.Equal(t, 1, f.countEvents("deadline_missed"))
	require.EqualValues(t, 1, f.metrics.count(workflows.MetricDeadlinesMissed+"{role=admin}"))

	f.requireAccepted("retry")
	c := decodeResult[partnership.Payout](t, f.requireAccepted("commission"))
	require.Equal(t, int64(18_518), c.Amount.AmountMinor)
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 2, f.n("CollectConversions"))
	require.True(t, f.collects[1].Until.Equal(testStart.Add(end)), "the window's count, until its end")
	require.Equal(t, int64(7), st.Tracking.Conversions)
}

// TestHoldCancelledWhileHeld: the brand cancels a partnership held on its discount code. The
// compensation runs as usual: the contract is signed, so the kill fee becomes payable and is
// paid; the hold is lifted, and an admin's retry after that is refused.
func TestHoldCancelledWhileHeld(t *testing.T) {
	f := newFixture(t, baseInput())
	f.discountErrs = []error{refused("commerce", "create discount code", 400, "percent out of range")}
	f.toContent()
	f.update(minute(4), "cancel", partnership.UpdateCancel, partnership.CancelRequest{Actor: brand, Reason: "no code, no campaign"})
	retry(minute(5), f, "retry-after-cancel", admin, "too late")
	f.trigger(minute(6), "kill-fee", finance1, partnership.PayoutKindKillFee)
	f.payment(minute(7), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	res := f.ackedState(f.requireAccepted("cancel"))
	require.Equal(t, partnership.StageCancelled, res.Stage)
	require.Nil(t, res.ProviderHold)
	f.requireRejected("retry-after-cancel", partnership.ErrTypeConflict)
	f.requireAccepted("kill-fee")
	require.Equal(t, partnership.StageCancelled, st.Stage)
	require.Equal(t, "cancelled", st.Outcome)
	require.Nil(t, st.ProviderHold)
	require.Nil(t, st.NextAction)
	require.Equal(t, 1, f.n("CreateDiscountCode"))
	require.Equal(t, 0, f.n("VoidEnvelope"), "a signed envelope is not voided")
	require.Len(t, st.Payouts, 1)
	require.Equal(t, partnership.PayoutPaid, st.Payouts[0].Status)
	requireSubsequence(t, f.eventTypes(), []string{"contract_signed", "provider_step_failed", "partnership_cancelled", "kill_fee_payable", "payout_paid"})
	require.Equal(t, 0, f.countEvents("provider_step_retried"))
}

// TestHoldVerifyPostRefused: the social provider refuses to look up a live post (here its
// credentials were revoked). The partnership holds in publishing on that deliverable; once
// retried, the post verifies and the fee becomes payable.
func TestHoldVerifyPostRefused(t *testing.T) {
	in := baseInput()
	in.Offer.KillFee = usd(0)
	f := newFixture(t, in)
	f.verifyErrs = []error{refused("social", "get media", 401, "invalid access token")}
	f.toPayout() // post submitted at minute 5
	f.snapshot(minute(5.5), "held")
	retry(minute(6), f, "retry", admin, "token renewed")
	f.snapshot(minute(6.5), "payout")
	f.trigger(minute(7), "fee", finance1, partnership.PayoutKindFee)
	f.payment(minute(8), "pay-evt-1", "po_1", "paid", "")
	st := f.runOK()

	h := f.snap("held")
	require.Equal(t, partnership.StagePublishing, h.Stage)
	require.NotNil(t, h.ProviderHold)
	require.Equal(t, "verify_post", h.ProviderHold.Step)
	require.Equal(t, "social", h.ProviderHold.Provider)
	require.Equal(t, "d1", h.ProviderHold.DeliverableID)
	require.Equal(t, partnership.DeliverableVerifying, h.Deliverables[0].Status)
	requireNextAction(t, h, partnership.RoleAdmin, "retry_verify_post")
	f.requireAccepted("retry")
	require.Equal(t, partnership.StagePayout, f.snap("payout").Stage)
	require.Equal(t, partnership.StageCompleted, st.Stage)
	require.Equal(t, 2, f.n("VerifyPost"))
}

// TestHoldBeforeVersion: a partnership whose step failed for good before
// "provider-step-hold" ended failed, and its history must replay that way.
func TestHoldBeforeVersion(t *testing.T) {
	f := newFixture(t, baseInput())
	f.oldBranch("provider-step-hold")
	f.envelopeErrs = []error{refused("esign", "create envelope", 422, "signer email is not valid")}
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.run()

	require.Error(t, f.resultErr)
	require.Contains(t, f.resultErr.Error(), "signer email is not valid")
	require.Equal(t, 0, f.countEvents("provider_step_failed"))
	require.Empty(t, f.brandSubjects())
}
