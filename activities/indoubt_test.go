package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// keyProvider is a provider like Stripe: the first request under a key makes the thing,
// slowly (after the client gave up on it when slow is set), and a repeat of the key is
// refused with 409 while or after it is made; made counts the things made.
type keyProvider struct {
	srv   *httptest.Server
	mu    sync.Mutex
	seen  map[string]bool
	made  int
	first func(w http.ResponseWriter) // answers a key's first request; nil: 503, nothing made
}

func newKeyProvider(t *testing.T, first func(w http.ResponseWriter)) *keyProvider {
	p := &keyProvider{seen: map[string]bool{}, first: first}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		p.mu.Lock()
		repeat := p.seen[key]
		p.seen[key] = true
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if repeat {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":{"message":"another request with this idempotency key is in progress"}}`))
			return
		}
		if p.first == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		p.mu.Lock()
		p.made++
		p.mu.Unlock()
		p.first(w)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// TestTransferRefusedAfterUnansweredRequestStaysInDoubt: the first request of a transfer is
// made at the provider but its answer comes after the client's timeout; the client's own
// retry, with the same key, is refused 409. The payout must not fail (finance would trigger
// it again under a new key and pay twice): the transfer is in doubt and retried with its key.
func TestTransferRefusedAfterUnansweredRequestStaysInDoubt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	require.NoError(t, e.st.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", byAdmin))
	p := newKeyProvider(t, func(w http.ResponseWriter) {
		time.Sleep(300 * time.Millisecond)
		_, _ = w.Write([]byte(`{"id":"tr_1","status":"pending"}`))
	})
	e.acts.Providers.Payments = providers.NewPaymentsClient(providers.ClientConfig{BaseURL: p.srv.URL,
		Timeout: 100 * time.Millisecond, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond}) // RetryMax as deployed

	_, err := e.acts.CreateTransfer(ctx, activities.TransferInput{IdempotencyKey: "p1/payout/po_1/1", PartnershipID: "p1",
		PayoutID: "po_1", CreatorID: "c1", Amount: partnership.Money{AmountMinor: 50000, Currency: "USD"}})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, activities.ErrTypeTransferInDoubt, appErr.Type(), "%v", err)
	require.False(t, appErr.NonRetryable(), "retried with the same key, never failed")
	time.Sleep(400 * time.Millisecond)
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Equal(t, 1, p.made)
}

// TestCreateRefusedOnActivityRetryIsInDoubt: an envelope or a discount code whose first
// attempt failed without an answer (here a 503; a timed-out attempt is the same) may exist,
// so the refusal of the activity's next attempt is ErrTypeRefusedInDoubt: the workflow keeps
// the key for the admin's retry instead of making a second envelope or code under a new one.
func TestCreateRefusedOnActivityRetryIsInDoubt(t *testing.T) {
	e := newEnv(t)
	p := newKeyProvider(t, nil)
	cfg := providers.ClientConfig{BaseURL: p.srv.URL, RetryMax: -1}
	e.acts.Providers.ESign, e.acts.Providers.Commerce = providers.NewESignClient(cfg), providers.NewCommerceClient(cfg)

	run := func(activity any, in any) error {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.RegisterActivity(e.acts)
		env.ExecuteWorkflow(func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
				RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 2}})
			return workflow.ExecuteActivity(ctx, activity, in).Get(ctx, nil)
		})
		require.True(t, env.IsWorkflowCompleted())
		return env.GetWorkflowError()
	}
	for name, err := range map[string]error{
		"envelope": run(e.acts.CreateEnvelope, activities.EnvelopeInput{IdempotencyKey: "p1/envelope/1", PartnershipID: "p1",
			BrandID: "b1", BrandName: "Acme", CreatorID: "c1", Jurisdiction: "US"}),
		"discount code": run(e.acts.CreateDiscountCode, activities.DiscountInput{IdempotencyKey: "p1/discount/1",
			PartnershipID: "p1", CreatorHandle: "maya"}),
	} {
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), "%s: %v", name, err)
		require.Equal(t, providers.ErrTypeRefusedInDoubt, appErr.Type(), "%s: %v", name, err)
		var rej providers.Rejection
		require.NoError(t, appErr.Details(&rej))
		require.Equal(t, http.StatusConflict, rej.StatusCode, name)
	}
}
