package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// The baseline is a bare-SDK workflow with the same Temporal footprint as one partnership
// lifecycle: one start, the same Updates (human actions), the same three Signals (the
// e-signature provider's creator-signed and envelope-completed webhooks, the payment
// webhook), the same seven activities calling the same provider endpoints through the same
// providers clients, and the same eleven timers (each wait for a person is an
// AwaitWithTimeout, the completed partnership parks on a usage-rights timer). What it leaves
// out is Partnerflow's own work: the REST API, the read model and audit trail
// (RecordTransition local activities), the disclosure checks, the webhook receiver. The ratio
// of the two throughputs is therefore what the engine costs on top of Temporal.
// docs/benchmarks.md maps every step; TestBenchLifecyclesAgainstBaseline (cmd/partnerflow)
// checks the counts against a real lifecycle's history.
const (
	// BaselineTaskQueue is the baseline worker's own task queue.
	BaselineTaskQueue = "partnerflow-bench-baseline"
	// BaselineWorkflowType is the baseline workflow's registered name.
	BaselineWorkflowType = "BenchBaselineWorkflow"
	// BaselineQuery returns the baseline's progress (BaselineState).
	BaselineQuery = "state"
)

// BaselineInput carries what the real workflow reads from its input and the database.
type BaselineInput struct {
	ID            string `json:"id"`
	Handle        string `json:"handle"`
	CreatorName   string `json:"creator_name"`
	CreatorEmail  string `json:"creator_email"`
	BrandName     string `json:"brand_name"`
	Account       string `json:"account"`
	FeeMinor      int64  `json:"fee_minor"`
	WaitSeconds   int64  `json:"wait_seconds"`
	RemindSeconds int64  `json:"remind_seconds"`
}

// BaselineState is what the driver polls for, like the REST driver polls the read model.
type BaselineState struct {
	Stage       string            `json:"stage"`
	Turn        string            `json:"turn"`
	SigningURLs map[string]string `json:"signing_urls,omitempty"`
	TransferID  string            `json:"transfer_id,omitempty"`
	Drafts      int               `json:"drafts"`
	Deliverable string            `json:"deliverable"`
}

// BaselineMove is a negotiation Update.
type BaselineMove struct {
	Role   string `json:"role"`
	Action string `json:"action"`
	Fee    int64  `json:"fee,omitempty"`
}

// BaselineAction is any other Update: a draft, a review, a publication or a payout trigger.
type BaselineAction struct {
	Caption  string `json:"caption,omitempty"`
	Decision string `json:"decision,omitempty"`
	URL      string `json:"url,omitempty"`
}

var errBaselineConflict = errors.New("not expected now")

// BaselineWorkflow mirrors PartnershipWorkflow's happy path step for step.
func BaselineWorkflow(ctx workflow.Context, in BaselineInput) error {
	st := BaselineState{Stage: "vetting", Turn: partnership.RoleCreator, Deliverable: "awaiting_draft"}
	moves, changes := 0, 0
	// turns counts the counter-offers and the drafts submitted and reviewed; told, those
	// e-mailed.
	turns, told := 0, 0
	var esign, paid bool
	var caption, postURL string
	fee := in.FeeMinor
	if err := workflow.SetQueryHandler(ctx, BaselineQuery, func() (BaselineState, error) { return st, nil }); err != nil {
		return err
	}
	conflict := func(ok bool) error {
		if !ok {
			return temporal.NewApplicationError(errBaselineConflict.Error(), partnership.ErrTypeConflict)
		}
		return nil
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, partnership.UpdateNegotiate,
		func(_ workflow.Context, m BaselineMove) (BaselineState, error) {
			if m.Action == "counter" {
				fee = m.Fee
				st.Turn = otherRole(m.Role)
				turns++
			}
			moves++
			if m.Action == "accept" {
				st.Turn = ""
			}
			return st, nil
		}, workflow.UpdateHandlerOptions{Validator: func(m BaselineMove) error {
			return conflict(st.Stage == "negotiation" && st.Turn == m.Role)
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, partnership.UpdateSubmitDraft,
		func(_ workflow.Context, a BaselineAction) (BaselineState, error) {
			st.Drafts++
			st.Deliverable, caption = "in_review", a.Caption
			changes++
			turns++
			return st, nil
		}, workflow.UpdateHandlerOptions{Validator: func(BaselineAction) error {
			return conflict(st.Stage == "content" && (st.Deliverable == "awaiting_draft" || st.Deliverable == "changes_requested"))
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, partnership.UpdateReviewDraft,
		func(_ workflow.Context, a BaselineAction) (BaselineState, error) {
			st.Deliverable = "changes_requested"
			if a.Decision == "approve" {
				st.Deliverable = "approved"
			}
			changes++
			turns++
			return st, nil
		}, workflow.UpdateHandlerOptions{Validator: func(BaselineAction) error {
			return conflict(st.Deliverable == "in_review")
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, partnership.UpdateSubmitPost,
		func(_ workflow.Context, a BaselineAction) (BaselineState, error) {
			st.Deliverable, postURL = "verifying", a.URL
			changes++
			return st, nil
		}, workflow.UpdateHandlerOptions{Validator: func(BaselineAction) error {
			return conflict(st.Deliverable == "approved")
		}}); err != nil {
		return err
	}
	triggered := false
	if err := workflow.SetUpdateHandlerWithOptions(ctx, partnership.UpdateTriggerPayout,
		func(_ workflow.Context, _ BaselineAction) (BaselineState, error) {
			triggered = true
			return st, nil
		}, workflow.UpdateHandlerOptions{Validator: func(BaselineAction) error {
			return conflict(st.Stage == "payout" && !triggered)
		}}); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		esignCh := workflow.GetSignalChannel(ctx, partnership.SignalESignEvent)
		signerCh := workflow.GetSignalChannel(ctx, partnership.SignalESignSigned)
		payCh := workflow.GetSignalChannel(ctx, partnership.SignalPaymentEvent)
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(signerCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.SignerEvent
				c.Receive(ctx, &ev)
			})
			sel.AddReceive(esignCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.ESignEvent
				c.Receive(ctx, &ev)
				esign = ev.Status == "completed"
			})
			sel.AddReceive(payCh, func(c workflow.ReceiveChannel, _ bool) {
				var ev partnership.PaymentEvent
				c.Receive(ctx, &ev)
				paid = ev.Status == "paid"
			})
			sel.Select(ctx)
		}
	})

	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	var ba *BaselineActivities
	within := time.Duration(in.WaitSeconds) * time.Second
	remind := time.Duration(in.RemindSeconds) * time.Second
	// wait is waitForPerson without the read-model write: the first part of the deadline, then
	// (never reached here) the reminder part.
	wait := func(done func() bool) error {
		ok, err := workflow.AwaitWithTimeout(ctx, within-remind, done)
		if err != nil || ok {
			return err
		}
		ok, err = workflow.AwaitWithTimeout(ctx, remind, done)
		if err == nil && !ok {
			err = temporal.NewApplicationError("deadline passed", "Expired")
		}
		return err
	}

	// Vetting, then the offer e-mail.
	if err := workflow.ExecuteActivity(actx, ba.Vet, in.Handle).Get(ctx, nil); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(actx, ba.Notify, in.CreatorEmail, "offer").Get(ctx, nil); err != nil {
		return err
	}
	// Each stage shows (to the driver's Query) only in the workflow task that starts its
	// wait, so an action never arrives before the wait's timer is set, as in the real
	// workflow, whose read model shows the stage after the write just before each wait.
	st.Stage = "negotiation"
	// Each counter-offer, draft submitted and review is e-mailed to whoever acts next, one
	// e-mail per move, as Partnerflow does (its turn e-mails). A coroutine of their own keeps
	// the waits below (and so the timers) as they were.
	var turnErr error
	workflow.Go(ctx, func(gctx workflow.Context) {
		gactx := workflow.WithActivityOptions(gctx, workflow.GetActivityOptions(actx))
		for turnErr == nil {
			if err := workflow.Await(gctx, func() bool { return told < turns }); err != nil {
				return
			}
			told++
			turnErr = workflow.ExecuteActivity(gactx, ba.Notify, in.CreatorEmail, fmt.Sprintf("turn/%d", told)).Get(gctx, nil)
		}
	})
	// Negotiation: the creator counters, the brand accepts.
	for done := false; !done; {
		seen := moves
		if err := wait(func() bool { return moves > seen }); err != nil {
			return err
		}
		done = st.Turn == ""
	}
	// Contracting: the envelope, both signatures (one webhook), the discount code.
	st.Stage = "contracting"
	var env providers.Envelope
	if err := workflow.ExecuteActivity(actx, ba.Envelope, in, fee).Get(ctx, &env); err != nil {
		return err
	}
	st.SigningURLs = env.SigningURLs
	if err := wait(func() bool { return esign }); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(actx, ba.Discount, in).Get(ctx, nil); err != nil {
		return err
	}
	// Content: a draft, changes requested, a revision, approval.
	if err := workflow.ExecuteActivity(actx, ba.Notify, in.CreatorEmail, "content_open").Get(ctx, nil); err != nil {
		return err
	}
	st.Stage = "content"
	for st.Deliverable != "approved" {
		seen := changes
		if err := wait(func() bool { return changes > seen }); err != nil {
			return err
		}
	}
	// Publishing: the live post is submitted and verified.
	st.Stage = "publishing"
	seen := changes
	if err := wait(func() bool { return changes > seen }); err != nil {
		return err
	}
	var m providers.Media
	if err := workflow.ExecuteActivity(actx, ba.Verify, postURL).Get(ctx, &m); err != nil {
		return err
	}
	if m.Caption != caption {
		return temporal.NewNonRetryableApplicationError("the live post differs from the approved draft", "Verification", nil)
	}
	// Payout: finance triggers the fee, the transfer goes out, the payment webhook settles it.
	st.Stage = "payout"
	if err := wait(func() bool { return triggered }); err != nil {
		return err
	}
	var tr providers.Transfer
	if err := workflow.ExecuteActivity(actx, ba.Transfer, in, fee).Get(ctx, &tr); err != nil {
		return err
	}
	st.TransferID = tr.ID
	if err := wait(func() bool { return paid }); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return told == turns || turnErr != nil }); err != nil {
		return err
	}
	if turnErr != nil {
		return turnErr
	}
	st.Stage = "completed"
	// Like a completed partnership, stay open until the usage-rights reminder.
	return workflow.Sleep(ctx, 90*24*time.Hour)
}

func otherRole(role string) string {
	if role == partnership.RoleCreator {
		return partnership.RoleBrandManager
	}
	return partnership.RoleCreator
}

// BaselineActivities call the providers exactly as the real activities do, with what those
// read from the database passed in instead.
type BaselineActivities struct {
	Providers providers.Set
}

// Vet reads the profile and recent media (the same two requests as VetCreator).
func (b *BaselineActivities) Vet(ctx context.Context, handle string) error {
	_, err := b.Providers.Social.Profile(ctx, "instagram", handle)
	return err
}

// Notify sends one e-mail.
func (b *BaselineActivities) Notify(ctx context.Context, to, step string) error {
	key := activity.GetInfo(ctx).WorkflowExecution.ID + "/email/" + step
	_, err := b.Providers.Email.Send(ctx, key, providers.Message{To: to, Subject: "Partnership " + step, Text: "Hi,\n\n" + step})
	return err
}

// Envelope renders the contract and creates the envelope.
func (b *BaselineActivities) Envelope(ctx context.Context, in BaselineInput, fee int64) (providers.Envelope, error) {
	terms := partnership.Terms{Kind: "one_off", Fee: partnership.Money{AmountMinor: fee, Currency: "USD"},
		KillFee: partnership.Money{AmountMinor: fee / 5, Currency: "USD"}, UsageRightsDays: 90, ExclusivityDays: 30,
		Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "post"}}}
	doc := activities.RenderContract(activities.Contract{Brand: in.BrandName, Creator: in.CreatorName, Jurisdiction: "US", Terms: terms,
		Date: time.Now().UTC(), SignWithinSeconds: 3 * 86400, DraftDueSeconds: 7 * 86400})
	return b.Providers.ESign.CreateEnvelope(ctx, in.ID+"/envelope/1", providers.EnvelopeRequest{
		Subject:  "Partnership agreement with " + in.BrandName,
		Document: doc,
		Signers: []providers.Signer{{Role: "creator", Name: in.CreatorName, Email: in.CreatorEmail},
			{Role: "brand", Name: in.BrandName, Email: "partners@brand.example"}},
		Metadata: map[string]string{"partnership_id": in.ID},
	})
}

// Discount creates the creator's code.
func (b *BaselineActivities) Discount(ctx context.Context, in BaselineInput) (providers.DiscountCode, error) {
	return b.Providers.Commerce.CreateDiscountCode(ctx, in.ID+"/discount/1", providers.DiscountRequest{
		Code: activities.DiscountCodeFor(in.Handle, strings.NewReplacer("/", "", "-", "").Replace(in.ID)), Percent: 10, Metadata: map[string]string{"partnership_id": in.ID}})
}

// Verify fetches the live post.
func (b *BaselineActivities) Verify(ctx context.Context, url string) (providers.Media, error) {
	return b.Providers.Social.MediaByURL(ctx, url)
}

// Transfer pays the fee.
func (b *BaselineActivities) Transfer(ctx context.Context, in BaselineInput, fee int64) (providers.Transfer, error) {
	return b.Providers.Payments.CreateTransfer(ctx, in.ID+"/payout/po_1/1", providers.TransferRequest{
		AmountMinor: fee, Currency: "USD", Destination: in.Account, Metadata: map[string]string{"partnership_id": in.ID, "payout_id": "po_1"}})
}
