package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/workflows"
)

// acts names activity methods for mocking (a typed nil, like the workflow's own).
var acts *activities.Activities

const day = 24 * time.Hour

// minute returns the n-th minute after the workflow start on the mock clock. Every human wait
// of the test campaign is measured in days, so scripted actions minutes apart never race a
// deadline unless a test means them to.
func minute(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }

var (
	testStart = time.Date(2030, 1, 6, 9, 0, 0, 0, time.UTC)

	brand    = partnership.Actor{Sub: "bm-1", Role: partnership.RoleBrandManager}
	creator  = partnership.Actor{Sub: "cr-1", Role: partnership.RoleCreator}
	finance1 = partnership.Actor{Sub: "fin-1", Role: partnership.RoleFinance}
	finance2 = partnership.Actor{Sub: "fin-2", Role: partnership.RoleFinance}
	admin    = partnership.Actor{Sub: "adm-1", Role: partnership.RoleAdmin}
)

const (
	envelopeID    = "env-1"
	discountCode  = "JANEP123"
	trackingLink  = "https://shop.example/r/janep123"
	noAdMarker    = "NO-AD" // captions containing this fail the mocked disclosure check
	compliantText = "Loving my new Acme shoes #ad @acme"
)

func usd(minor int64) partnership.Money {
	return partnership.Money{AmountMinor: minor, Currency: "USD"}
}

// baseInput is a one-off partnership with one deliverable, a fee below the dual-approval
// threshold, a kill fee and no commission; campaign durations are days.
func baseInput() partnership.Input {
	return partnership.Input{
		PartnershipID: "p-0001", BrandID: "b-1", CreatorID: "c-1", CreatorHandle: "@jane",
		BrandName: "Acme", BrandHandles: []string{"@acme"}, Platform: "instagram",
		Campaign: partnership.Campaign{
			ID: "camp-1", BrandID: "b-1", Name: "Spring launch", Jurisdiction: "US", Keywords: []string{"shoes"},
			AutoApproveVetting: true, OfferTTLSeconds: 3 * 86400, ReminderBeforeSeconds: 86400,
			DraftDueSeconds: 7 * 86400, ReviewSLASeconds: 2 * 86400, MaxRevisionRounds: 2, MaxNegotiationRounds: 3,
			AttributionWindowSeconds: 30 * 86400, DualApprovalThresholdMinor: 1_000_000,
		},
		Offer: partnership.Terms{
			Kind: "one_off", Fee: usd(50_000), KillFee: usd(10_000), UsageRightsDays: 90, ExclusivityDays: 30,
			Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "reel"}},
		},
		CreatedBy: brand,
		CreatedAt: testStart,
	}
}

// updOutcome is what the test environment reported for one update.
type updOutcome struct {
	name      string
	fired     bool
	accepted  bool
	rejectErr error
	completed bool
	err       error
	result    json.RawMessage
	// written is the read-model snapshots RecordTransition had written when the update
	// completed, by version: what the API may read once the Update returns.
	written map[int64]partnership.State
}

// fixture runs PartnershipWorkflow in the test environment with every activity mocked and
// records what the activities were asked to do.
type fixture struct {
	t   *testing.T
	ts  testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
	in  partnership.Input
	// versionBase and seqBase are the read-model version and audit seq a continued run starts
	// after (0 for a new partnership).
	versionBase, seqBase int64

	// behaviour of the mocks (set before run)
	vet           activities.VetOutput
	vetErr        error
	social        *fakeSocial                      // when set, the real VetCreatorAccounts reads it instead of answering vet
	verifyResults []partnership.VerificationReport // consumed in order; verified once empty
	conversions   activities.ConversionsOutput
	transferErrs  []error       // consumed in order by CreateTransfer; success once empty
	vetDelay      time.Duration // how long VetCreator takes on the mock clock
	voidErr       error         // what VoidEnvelope fails with (envelopeFinal for a refused void)
	voidDelay     time.Duration // how long VoidEnvelope takes on the mock clock
	envelopeDelay time.Duration // how long CreateEnvelope takes (its retries) on the mock clock
	notifyDelay   time.Duration // how long NotifyCreator takes on the mock clock
	notifyErr     error         // what NotifyCreator fails with (the e-mail provider down), if set
	collectDelay  time.Duration // how long CollectConversions takes on the mock clock
	transferDelay time.Duration // how long CreateTransfer takes on the mock clock
	// providerSays is what LookupTransfer answers, by transfer id; when not set, the first
	// final word a payment event sent through signal or payment gave (firstReported), else
	// pending. lookupErr is what it fails with instead, if set.
	providerSays  map[string]activities.LookupTransferOutput
	firstReported map[string]activities.LookupTransferOutput
	lookupErr     error
	lookupDelay   time.Duration // how long LookupTransfer takes on the mock clock
	lookupErrs    []error       // what LookupTransfer fails with first, in order

	// envelopeErrs, discountErrs, verifyErrs and collectErrs are what CreateEnvelope,
	// CreateDiscountCode, VerifyPost and CollectConversions fail with, in order; success once
	// empty.
	envelopeErrs, discountErrs, verifyErrs, collectErrs []error
	// recordFailures is how many RecordTransition calls fail (the read model down) before
	// they succeed again; failedVersions the versions those calls carried.
	recordFailures int
	failedVersions map[int64]bool

	mu          sync.Mutex
	calls       map[string]int
	records     []activities.RecordInput
	notifies    []activities.NotifyInput
	brandMails  []activities.BrandNotifyInput
	teamMails   []activities.TeamNotifyInput
	envelopes   []activities.EnvelopeInput
	voids       []activities.VoidInput
	discounts   []activities.DiscountInput
	disclosures []activities.DisclosureInput
	verifies    []activities.VerifyInput
	vetInputs   []activities.VetAccountsInput
	collects    []activities.ConversionsInput
	transfers   []activities.TransferInput
	lookups     []activities.LookupTransferInput

	// handedOver keeps the RecordInput values exactly as the workflow handed them to
	// ExecuteLocalActivity (before laArgsCopier copied them), to see whether they alias the
	// workflow's live state.
	handedOver []activities.RecordInput

	updates   map[string]*updOutcome
	snaps     map[string]partnership.State
	queryErrs map[string]error

	result    partnership.State
	resultErr error

	metrics *countingMetrics // what the workflow counted through the SDK metrics handler
}

func newFixture(t *testing.T, in partnership.Input) *fixture {
	t.Helper()
	f := &fixture{
		t: t, in: in,
		vet:       activities.VetOutput{Report: json.RawMessage(`{"tier":"micro","engagement_rate":0.041}`), Clean: true},
		calls:     map[string]int{},
		updates:   map[string]*updOutcome{},
		snaps:     map[string]partnership.State{},
		queryErrs: map[string]error{},
	}
	if in.Carry != nil {
		f.versionBase, f.seqBase = in.Carry.Version, in.Carry.Seq
	}
	f.metrics = &countingMetrics{counts: map[string]int64{}}
	f.ts.SetMetricsHandler(f.metrics)
	f.env = f.ts.NewTestWorkflowEnvironment()
	f.env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&laArgsCopier{f: f}}})
	f.env.SetStartTime(testStart)
	// Bound a workflow that would otherwise wait forever (escalation loops) on the mock clock.
	f.env.SetWorkflowRunTimeout(400 * day)
	f.env.RegisterWorkflowWithOptions(workflows.PartnershipWorkflow, workflow.RegisterOptions{Name: partnership.WorkflowType})
	f.env.RegisterActivity(&activities.Activities{})
	f.mockActivities()
	return f
}

func (f *fixture) count(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
}

// calls returns how many times an activity ran.
func (f *fixture) n(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fixture) mockActivities() {
	e := f.env
	e.OnActivity(acts.RecordTransition, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordInput) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["RecordTransition"]++
			if f.recordFailures > 0 {
				f.recordFailures--
				if f.failedVersions == nil {
					f.failedVersions = map[int64]bool{}
				}
				f.failedVersions[in.Version] = true
				return temporal.NewNonRetryableApplicationError("read model unavailable", "Unavailable", nil)
			}
			// in is a private copy (laArgsCopier): the snapshot as of the persist call.
			f.records = append(f.records, in)
			return nil
		})
	e.OnActivity(acts.VetCreator, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.vetDelay }).Return(
		func(_ context.Context, in activities.VetInput) (activities.VetOutput, error) {
			f.count("VetCreator")
			if f.vetErr != nil {
				return activities.VetOutput{}, f.vetErr
			}
			return f.vet, nil
		})
	e.OnActivity(acts.VetCreatorAccounts, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.vetDelay }).Return(
		func(ctx context.Context, in activities.VetAccountsInput) (activities.VetOutput, error) {
			f.mu.Lock()
			f.calls["VetCreatorAccounts"]++
			f.vetInputs = append(f.vetInputs, in)
			f.mu.Unlock()
			switch {
			case f.vetErr != nil:
				return activities.VetOutput{}, f.vetErr
			case f.social != nil:
				return (&activities.Activities{Providers: providers.Set{Social: f.social}}).VetCreatorAccounts(ctx, in)
			}
			return f.vet, nil
		})
	e.OnActivity(acts.NotifyCreator, mock.Anything, mock.Anything).AfterFn(func() time.Duration {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.notifyDelay
	}).Return(
		func(_ context.Context, in activities.NotifyInput) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["NotifyCreator"]++
			if f.notifyErr != nil {
				return f.notifyErr
			}
			f.notifies = append(f.notifies, in)
			return nil
		})
	e.OnActivity(acts.NotifyBrand, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.BrandNotifyInput) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["NotifyBrand"]++
			f.brandMails = append(f.brandMails, in)
			return nil
		})
	e.OnActivity(acts.NotifyTeam, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.TeamNotifyInput) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["NotifyTeam"]++
			f.teamMails = append(f.teamMails, in)
			return nil
		})
	e.OnActivity(acts.CreateEnvelope, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.envelopeDelay }).Return(
		func(_ context.Context, in activities.EnvelopeInput) (activities.EnvelopeOutput, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["CreateEnvelope"]++
			f.envelopes = append(f.envelopes, in)
			if err := nextErr(&f.envelopeErrs); err != nil {
				return activities.EnvelopeOutput{}, err
			}
			return activities.EnvelopeOutput{EnvelopeID: envelopeID, Status: "sent", SigningURLs: map[string]string{
				"creator": "https://esign.example/sign/creator-token", "brand": "https://esign.example/sign/brand-token",
			}}, nil
		})
	e.OnActivity(acts.VoidEnvelope, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.voidDelay }).Return(
		func(_ context.Context, in activities.VoidInput) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["VoidEnvelope"]++
			f.voids = append(f.voids, in)
			return f.voidErr
		})
	e.OnActivity(acts.CreateDiscountCode, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DiscountInput) (activities.DiscountOutput, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["CreateDiscountCode"]++
			f.discounts = append(f.discounts, in)
			if err := nextErr(&f.discountErrs); err != nil {
				return activities.DiscountOutput{}, err
			}
			return activities.DiscountOutput{Code: discountCode, Link: trackingLink}, nil
		})
	e.OnActivity(acts.CheckDisclosure, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DisclosureInput) (partnership.DisclosureReply, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["CheckDisclosure"]++
			f.disclosures = append(f.disclosures, in)
			if strings.Contains(in.Caption, noAdMarker) {
				return partnership.DisclosureReply{Compliant: false, LabelsFound: []string{},
					Violations: []partnership.DisclosureViolation{{Code: "missing_label", Message: "no advertising label"}}}, nil
			}
			return partnership.DisclosureReply{Compliant: true, Violations: []partnership.DisclosureViolation{}, LabelsFound: []string{"#ad"}}, nil
		})
	e.OnActivity(acts.VerifyPost, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.VerifyInput) (partnership.VerificationReport, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["VerifyPost"]++
			f.verifies = append(f.verifies, in)
			if err := nextErr(&f.verifyErrs); err != nil {
				return partnership.VerificationReport{}, err
			}
			if len(f.verifyResults) > 0 {
				r := f.verifyResults[0]
				f.verifyResults = f.verifyResults[1:]
				return r, nil
			}
			return partnership.VerificationReport{MediaID: "m-1", Verified: true, Reasons: []string{}, CheckedAt: testStart}, nil
		})
	e.OnActivity(acts.CollectConversions, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.collectDelay }).Return(
		func(_ context.Context, in activities.ConversionsInput) (activities.ConversionsOutput, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["CollectConversions"]++
			f.collects = append(f.collects, in)
			if err := nextErr(&f.collectErrs); err != nil {
				return activities.ConversionsOutput{}, err
			}
			return f.conversions, nil
		})
	e.OnActivity(acts.CreateTransfer, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.transferDelay }).Return(
		func(_ context.Context, in activities.TransferInput) (activities.TransferOutput, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["CreateTransfer"]++
			f.transfers = append(f.transfers, in)
			if err := nextErr(&f.transferErrs); err != nil {
				return activities.TransferOutput{}, err
			}
			return activities.TransferOutput{TransferID: "tr_" + in.PayoutID, Status: "pending"}, nil
		})
	e.OnActivity(acts.LookupTransfer, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return f.lookupDelay }).Return(
		func(_ context.Context, in activities.LookupTransferInput) (activities.LookupTransferOutput, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls["LookupTransfer"]++
			f.lookups = append(f.lookups, in)
			if err := nextErr(&f.lookupErrs); err != nil {
				return activities.LookupTransferOutput{}, err
			}
			if f.lookupErr != nil {
				return activities.LookupTransferOutput{}, f.lookupErr
			}
			if out, ok := f.providerSays[in.TransferID]; ok {
				return out, nil
			}
			if out, ok := f.firstReported[in.TransferID]; ok {
				return out, nil
			}
			return activities.LookupTransferOutput{Status: "pending"}, nil
		})
}

// nextErr takes the first of errs (nil once none are left). The caller holds f.mu.
func nextErr(errs *[]error) error {
	if len(*errs) == 0 {
		return nil
	}
	err := (*errs)[0]
	*errs = (*errs)[1:]
	return err
}

// laArgsCopier gives every local activity a private JSON copy of its input, made on the
// workflow's goroutine when the activity is scheduled.
//
// Why: the SDK passes local-activity arguments by reference, and RecordInput.State shares its
// slices (deliverables, payouts, drafts, ...) with the workflow's live state. The test
// environment runs the local activity (and testify's argument matching, which formats the
// whole argument) on another goroutine while workflow code keeps running, so without the copy
// `go test -race` reports data races between the mock and the workflow. The copy changes no
// behaviour: RecordTransition itself only reads its input as JSON. See
// TestBugRecordSnapshotAliasesWorkflowState for why this matters in production too.
type laArgsCopier struct {
	interceptor.WorkerInterceptorBase
	f *fixture
}

func (c *laArgsCopier) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &laArgsInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, f: c.f}
}

type laArgsInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	f *fixture
}

func (i *laArgsInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&laArgsOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, f: i.f})
}

type laArgsOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	f *fixture
}

func (o *laArgsOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	copied := make([]any, len(args))
	for i, arg := range args {
		switch v := arg.(type) {
		case activities.RecordInput:
			o.f.mu.Lock()
			o.f.handedOver = append(o.f.handedOver, v)
			o.f.mu.Unlock()
			copied[i] = jsonCopy(o.f.t, v)
		case activities.DisclosureInput:
			copied[i] = jsonCopy(o.f.t, v)
		default:
			copied[i] = arg
		}
	}
	return o.Next.ExecuteLocalActivity(ctx, activityType, copied...)
}

func jsonCopy[T any](t *testing.T, v T) T {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Errorf("copying %T: %v", v, err)
		return v
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Errorf("copying %T: %v", v, err)
		return v
	}
	return out
}

// ---- scripting -------------------------------------------------------------------------

// oldBranch makes the run take the old branch of changeID, as a partnership started at version
// 4 of record-once-per-task does when it asks (version 5 takes every change of foldedAt
// without asking).
func (f *fixture) oldBranch(changeID string) {
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(workflow.Version(4))
	f.env.OnGetVersion(changeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
}

// oldBranchAt makes the run take the old branch of changeID at version base of
// record-once-per-task, which asks for it (base is below the version that folds it).
func (f *fixture) oldBranchAt(base workflow.Version, changeID string) {
	f.env.OnGetVersion("record-once-per-task", workflow.DefaultVersion, workflows.BaseVersion).Return(base)
	f.env.OnGetVersion(changeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
}

// at runs fn on the mock clock, d after the workflow started.
func (f *fixture) at(d time.Duration, fn func()) { f.env.RegisterDelayedCallback(fn, d) }

// update sends an Update at d; its outcome is kept under id.
func (f *fixture) update(d time.Duration, id, name string, arg any) {
	f.t.Helper()
	require.NotContains(f.t, f.updates, id, "duplicate update id in the test script")
	o := &updOutcome{name: name}
	f.updates[id] = o
	f.at(d, func() { f.sendUpdate(o, id, name, arg) })
}

// updateNow sends an Update from inside a scripted callback.
func (f *fixture) updateNow(id, name string, arg any) {
	o := &updOutcome{name: name}
	f.updates[id] = o
	f.sendUpdate(o, id, name, arg)
}

func (f *fixture) sendUpdate(o *updOutcome, id, name string, arg any) {
	o.fired = true
	f.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.rejectErr = err },
		OnComplete: func(v any, err error) {
			o.completed, o.err = true, err
			// Runs on the workflow's goroutine: copying the result here is race-free.
			o.result, _ = json.Marshal(v)
			f.mu.Lock()
			defer f.mu.Unlock()
			o.written = map[int64]partnership.State{}
			for _, r := range f.records {
				o.written[r.Version] = r.State
			}
		},
	}, arg)
}

// signal sends a signal at d.
func (f *fixture) signal(d time.Duration, name string, arg any) {
	f.at(d, func() {
		f.reported(arg)
		f.env.SignalWorkflow(name, arg)
	})
}

// signalPayment sends a payment event now; signalPaymentSkippingTask sends it into the same
// workflow task as the next signal.
func (f *fixture) signalPayment(ev partnership.PaymentEvent) {
	f.reported(ev)
	f.env.SignalWorkflow(partnership.SignalPaymentEvent, ev)
}

func (f *fixture) signalPaymentSkippingTask(ev partnership.PaymentEvent) {
	f.reported(ev)
	f.env.SignalWorkflowSkippingWorkflowTask(partnership.SignalPaymentEvent, ev)
}

// reported notes a payment event's status as the provider's record of its transfer when it is
// the first final word on it: what LookupTransfer answers unless providerSays says otherwise
// (a consistent provider, whose webhooks tell what its record says).
func (f *fixture) reported(arg any) {
	ev, ok := arg.(partnership.PaymentEvent)
	if !ok || (ev.Status != "paid" && ev.Status != "failed") {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.firstReported == nil {
		f.firstReported = map[string]activities.LookupTransferOutput{}
	}
	if _, ok := f.firstReported[ev.TransferID]; !ok {
		f.firstReported[ev.TransferID] = activities.LookupTransferOutput{Status: ev.Status, FailureCode: ev.FailureCode}
	}
}

func (f *fixture) esign(d time.Duration, eventID, envID, status string) {
	f.signal(d, partnership.SignalESignEvent, partnership.ESignEvent{EventID: eventID, EnvelopeID: envID, Status: status})
}

// envelopeFinal is what VoidEnvelope answers when the provider refused the void because the
// envelope had already reached status (completed or declined).
func envelopeFinal(status string) error {
	return temporal.NewNonRetryableApplicationError("envelope "+envelopeID+" is "+status+" and can no longer be voided",
		activities.ErrTypeEnvelopeFinal, nil, activities.EnvelopeFinal{Status: status})
}

func (f *fixture) payment(d time.Duration, eventID, payoutID, status, failure string) {
	f.signal(d, partnership.SignalPaymentEvent, paymentEvent(eventID, payoutID, status, failure))
}

// paymentEvent is the provider's event for the payout's transfer (the fixture's transfer ids).
func paymentEvent(eventID, payoutID, status, failure string) partnership.PaymentEvent {
	return partnership.PaymentEvent{EventID: eventID, TransferID: "tr_" + payoutID, PayoutID: payoutID, Status: status, FailureCode: failure}
}

// snapshot queries the state at d and keeps it under label.
func (f *fixture) snapshot(d time.Duration, label string) {
	f.at(d, func() {
		v, err := f.env.QueryWorkflow(partnership.QueryState)
		if err != nil {
			f.queryErrs[label] = err
			return
		}
		var st partnership.State
		if err := v.Get(&st); err != nil {
			f.queryErrs[label] = err
			return
		}
		f.snaps[label] = st
	})
}

// when polls the state every step from d on and runs fn once cond holds. It keeps scripts
// deterministic where the workflow needs several activity round trips before an action fits.
func (f *fixture) when(d, step time.Duration, label string, cond func(partnership.State) bool, fn func()) {
	tries := 0
	var poll func()
	poll = func() {
		v, err := f.env.QueryWorkflow(partnership.QueryState)
		var st partnership.State
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			f.queryErrs["when:"+label] = err
			return
		}
		if cond(st) {
			fn()
			return
		}
		if tries++; tries > 2000 {
			f.queryErrs["when:"+label] = errors.New("condition never held: " + label)
			return
		}
		f.env.RegisterDelayedCallback(poll, step)
	}
	f.at(d, poll)
}

func (f *fixture) snap(label string) partnership.State {
	f.t.Helper()
	require.NoError(f.t, f.queryErrs[label], "query %s", label)
	st, ok := f.snaps[label]
	require.True(f.t, ok, "no snapshot %q was taken (did the workflow end before?)", label)
	return st
}

// Common scripts -------------------------------------------------------------------------

// toContent drives an auto-approved partnership to the content stage by minute 2:
// the creator accepts at 1, the envelope is signed at 2.
func (f *fixture) toContent() {
	f.update(minute(1), "accept", partnership.UpdateNegotiate, partnership.NegotiationMove{Actor: creator, Action: "accept"})
	f.esign(minute(2), "esign-evt-1", envelopeID, "completed")
}

// draft submits a draft for deliverable did at d.
func (f *fixture) draft(d time.Duration, id, did, caption string) {
	f.update(d, id, partnership.UpdateSubmitDraft, partnership.DraftSubmission{
		Actor: creator, DeliverableID: did, Caption: caption, MediaURLs: []string{"https://cdn.example/v.mp4"},
	})
}

func (f *fixture) review(d time.Duration, id, did string, version int, decision string) {
	f.update(d, id, partnership.UpdateReviewDraft, partnership.DraftReview{
		Actor: brand, DeliverableID: did, Version: version, Decision: decision, Comments: "thanks",
	})
}

func (f *fixture) post(d time.Duration, id, did, url string) {
	f.update(d, id, partnership.UpdateSubmitPost, partnership.PostSubmission{Actor: creator, DeliverableID: did, URL: url})
}

func (f *fixture) trigger(d time.Duration, id string, actor partnership.Actor, kind string) {
	f.update(d, id, partnership.UpdateTriggerPayout, partnership.PayoutTrigger{Actor: actor, Kind: kind})
}

// toPayout drives the base input to the payout stage by minute 5 (single deliverable).
func (f *fixture) toPayout() {
	f.toContent()
	f.draft(minute(3), "draft-1", "d1", compliantText)
	f.review(minute(4), "review-1", "d1", 1, "approve")
	f.post(minute(5), "post-1", "d1", "https://instagram.example/p/1")
}

// ---- running and asserting -------------------------------------------------------------

func (f *fixture) run() {
	f.t.Helper()
	f.env.ExecuteWorkflow(partnership.WorkflowType, f.in)
	require.True(f.t, f.env.IsWorkflowCompleted(), "workflow did not complete")
	f.resultErr = f.env.GetWorkflowError()
	if f.resultErr == nil {
		require.NoError(f.t, f.env.GetWorkflowResult(&f.result))
	}
}

// runOK runs and requires a successful completion.
func (f *fixture) runOK() partnership.State {
	f.t.Helper()
	f.run()
	require.NoError(f.t, f.resultErr)
	for label, err := range f.queryErrs {
		require.NoError(f.t, err, "query %s", label)
	}
	f.checkAudit()
	return f.result
}

func (f *fixture) upd(id string) *updOutcome {
	f.t.Helper()
	o, ok := f.updates[id]
	require.True(f.t, ok, "unknown update %q", id)
	return o
}

// requireAccepted asserts the update passed its validator and its handler succeeded.
func (f *fixture) requireAccepted(id string) *updOutcome {
	f.t.Helper()
	o := f.upd(id)
	require.True(f.t, o.fired, "update %s never fired (workflow ended before?)", id)
	require.NoError(f.t, o.rejectErr, "update %s (%s) was rejected", id, o.name)
	require.True(f.t, o.accepted, "update %s (%s) was not accepted", id, o.name)
	require.True(f.t, o.completed, "update %s (%s) did not complete", id, o.name)
	require.NoError(f.t, o.err, "update %s (%s) failed", id, o.name)
	if acksWithVersion[o.name] {
		f.ackedState(o)
	}
	return o
}

// acksWithVersion names the updates answered with a partnership.Ack: the API answers them
// with the read model at the acknowledged version, so it must be written before the Update
// completes. requireAccepted checks that for every accepted one in every test.
var acksWithVersion = map[string]bool{
	partnership.UpdateVettingDecision: true, partnership.UpdateNegotiate: true, partnership.UpdateReviewDraft: true,
	partnership.UpdateSubmitPost: true, partnership.UpdateCancel: true, partnership.UpdateRetryStep: true,
}

// ackedState returns the read-model snapshot an accepted update's Ack points at, after
// checking it was written before the update completed and reads the acknowledged stage.
func (f *fixture) ackedState(o *updOutcome) partnership.State {
	f.t.Helper()
	ack := decodeResult[partnership.Ack](f.t, o)
	require.Positive(f.t, ack.Version, "update %s acknowledges a read-model version", o.name)
	st, ok := o.written[ack.Version]
	require.True(f.t, ok, "update %s acknowledged version %d before the read model held it", o.name, ack.Version)
	require.Equal(f.t, ack.Stage, st.Stage, "update %s: the acknowledged version reads its stage", o.name)
	return st
}

// rejection is the message and stage of a validator's refusal of update id.
func (f *fixture) rejection(id string) (string, partnership.Stage) {
	f.t.Helper()
	o := f.upd(id)
	var appErr *temporal.ApplicationError
	require.True(f.t, errors.As(o.rejectErr, &appErr), "update %s: rejection is not an ApplicationError: %v", id, o.rejectErr)
	var d workflows.ConflictDetails
	require.NoError(f.t, appErr.Details(&d))
	return appErr.Message(), d.Stage
}

// requireRejected asserts the validator refused the update with the given error type.
func (f *fixture) requireRejected(id, errType string) {
	f.t.Helper()
	o := f.upd(id)
	require.True(f.t, o.fired, "update %s never fired (workflow ended before?)", id)
	require.False(f.t, o.accepted, "update %s (%s) should have been rejected", id, o.name)
	require.Error(f.t, o.rejectErr, "update %s (%s) should have been rejected", id, o.name)
	var appErr *temporal.ApplicationError
	require.True(f.t, errors.As(o.rejectErr, &appErr), "rejection is not an ApplicationError: %v", o.rejectErr)
	require.Equal(f.t, errType, appErr.Type(), "rejection of %s: %v", id, o.rejectErr)
	if errType == partnership.ErrTypeConflict {
		var d workflows.ConflictDetails
		require.NoError(f.t, appErr.Details(&d), "a conflict carries the current stage")
		require.True(f.t, d.Stage.Valid(), "conflict details name a stage, got %q", d.Stage)
	}
}

func decodeResult[T any](t *testing.T, o *updOutcome) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(o.result, &v))
	return v
}

// sortedRecords returns the RecordTransition inputs in version order.
func (f *fixture) sortedRecords() []activities.RecordInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	recs := append([]activities.RecordInput(nil), f.records...)
	sort.Slice(recs, func(i, j int) bool { return recs[i].Version < recs[j].Version })
	return recs
}

// events returns every audit event written, in seq order.
func (f *fixture) events() []activities.AuditEvent {
	var evs []activities.AuditEvent
	for _, r := range f.sortedRecords() {
		evs = append(evs, r.Events...)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	return evs
}

func (f *fixture) eventTypes() []string {
	var out []string
	for _, e := range f.events() {
		out = append(out, e.Type)
	}
	return out
}

func (f *fixture) countEvents(typ string) int {
	n := 0
	for _, e := range f.events() {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func (f *fixture) event(typ string) activities.AuditEvent {
	f.t.Helper()
	for _, e := range f.events() {
		if e.Type == typ {
			return e
		}
	}
	f.t.Fatalf("no %q event in %v", typ, f.eventTypes())
	return activities.AuditEvent{}
}

// checkAudit asserts the audit trail invariants: versions 1..N without gaps or repeats, event
// seqs 1..M without gaps or repeats, events with a type and actor, the last snapshot equal to
// the workflow result.
func (f *fixture) checkAudit() {
	f.t.Helper()
	recs := f.sortedRecords()
	require.NotEmpty(f.t, recs)
	want := f.versionBase
	for _, r := range recs {
		want++
		for f.failedVersions[want] {
			want++ // a failed write's version is not reused: the next write takes the next one
		}
		require.Equal(f.t, want, r.Version, "snapshot versions must be 1..N without gaps but failed writes")
		require.Equal(f.t, f.in.PartnershipID, r.State.ID)
		if na := r.State.NextAction; na != nil {
			// The API document's next_action.role is one of the roles or system, never empty.
			require.NotEmpty(f.t, na.Role, "snapshot %d names next action %q without a role", r.Version, na.Action)
		}
	}
	if last := recs[len(recs)-1].State; last.Stage.Terminal() && f.resultErr == nil {
		// A partnership that ended leaves nobody a next action in the read model, not even the
		// system's steps of its end (compensate's settle_cancellation, say).
		require.Nil(f.t, last.NextAction, "the last snapshot of an ended partnership names a next action")
	}
	evs := f.events()
	require.NotEmpty(f.t, evs)
	for i, e := range evs {
		require.Equal(f.t, f.seqBase+int64(i+1), e.Seq, "event seqs must be strictly increasing without gaps: %v", f.eventTypes())
		require.NotEmpty(f.t, e.Type)
		require.NotEmpty(f.t, e.Actor, "event %d %s has no actor", e.Seq, e.Type)
		require.NotEmpty(f.t, e.Role, "event %d %s has no role", e.Seq, e.Type)
		require.False(f.t, e.At.IsZero())
		if i > 0 {
			require.False(f.t, e.At.Before(evs[i-1].At), "event times must not go backwards")
		}
	}
	// Within one snapshot the events must be contiguous and ascending too.
	for _, r := range recs {
		for i := 1; i < len(r.Events); i++ {
			require.Equal(f.t, r.Events[i-1].Seq+1, r.Events[i].Seq)
		}
	}
	if f.resultErr == nil {
		last := recs[len(recs)-1].State
		require.Equal(f.t, f.result.Stage, last.Stage, "final snapshot stage")
		require.Equal(f.t, f.result.Outcome, last.Outcome, "final snapshot outcome")
		require.Equal(f.t, f.result.NextAction, last.NextAction, "final snapshot next_action")
		require.Equal(f.t, f.result.Payouts, last.Payouts, "final snapshot payouts")
	}
}

// finalRecord is the last snapshot written to the read model.
func (f *fixture) finalRecord() partnership.State {
	recs := f.sortedRecords()
	return recs[len(recs)-1].State
}

// requireSubsequence asserts want appears in got in order (other entries may sit between).
func requireSubsequence(t *testing.T, got, want []string) {
	t.Helper()
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	require.Equal(t, len(want), i, "events %v do not contain %v in order (missing from %q)", got, want, func() string {
		if i < len(want) {
			return want[i]
		}
		return ""
	}())
}

func (f *fixture) notifySubjects() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.notifies {
		out = append(out, n.Subject)
	}
	return out
}

// notifyText is the text of the one e-mail to the creator with this subject.
func (f *fixture) notifyText(subject string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return oneText(f.t, "creator", subject, f.notifies, func(n activities.NotifyInput) (string, string) { return n.Subject, n.Text })
}

// brandText is the text of the one e-mail to the brand with this subject.
func (f *fixture) brandText(subject string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return oneText(f.t, "brand", subject, f.brandMails, func(n activities.BrandNotifyInput) (string, string) { return n.Subject, n.Text })
}

// oneText is the text of the one e-mail among mails with this subject.
func oneText[M any](t *testing.T, to, subject string, mails []M, read func(M) (string, string)) string {
	t.Helper()
	var texts []string
	for _, m := range mails {
		if s, text := read(m); s == subject {
			texts = append(texts, text)
		}
	}
	require.Len(t, texts, 1, "%s e-mails with subject %q", to, subject)
	return texts[0]
}

func (f *fixture) brandSubjects() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.brandMails {
		out = append(out, n.Subject)
	}
	return out
}

func (f *fixture) notifyKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.notifies {
		out = append(out, n.IdempotencyKey)
	}
	return out
}

func countPrefix(ss []string, prefix string) int {
	n := 0
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func requireNextAction(t *testing.T, st partnership.State, role, action string) {
	t.Helper()
	require.NotNil(t, st.NextAction, "stage %s has no next_action", st.Stage)
	require.Equal(t, role, st.NextAction.Role, "next_action role (%+v)", *st.NextAction)
	require.Equal(t, action, st.NextAction.Action, "next_action action (%+v)", *st.NextAction)
}

func requireDueAt(t *testing.T, st partnership.State, want time.Time) {
	t.Helper()
	require.NotNil(t, st.NextAction)
	require.NotNil(t, st.NextAction.DueAt, "next_action %+v has no due_at", *st.NextAction)
	require.True(t, want.Equal(*st.NextAction.DueAt), "due_at %s, want %s", st.NextAction.DueAt, want)
}
