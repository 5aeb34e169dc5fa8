package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/partnership"
)

// sdkDriver drives BaselineWorkflow through the SDK client the way restDriver drives a
// partnership through the API: the same actions in the same order, the same sandbox calls by
// the "people" (signing, publishing), the signals a webhook receiver would send, and polling
// (a Query instead of a GET) at the same interval where the REST driver polls.
type sdkDriver struct {
	tc         client.Client
	http       *httpDoer
	sandboxURL string
	run        string
	poll       time.Duration
	actions    Latencies
	seq        atomic.Int64
}

func (d *sdkDriver) newWorld(ctx context.Context, n int) (world, error) {
	w := world{handle: fmt.Sprintf("bench%s_%d", d.run, n)}
	return w, d.http.call(ctx, http.MethodPost, d.sandboxURL+"/sandbox/social/accounts", "", socialAccount(w.handle), nil, http.StatusCreated)
}

func (d *sdkDriver) update(ctx context.Context, id, name string, arg any) error {
	start := time.Now()
	h, err := d.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("%s: update %s: %w", id, name, err)
	}
	d.actions.Add(time.Since(start))
	return nil
}

func (d *sdkDriver) waitFor(ctx context.Context, id, what string, ok func(BaselineState) bool) (BaselineState, error) {
	return pollUntil(ctx, d.poll, id+": "+what, func() (BaselineState, error) {
		var st BaselineState
		v, err := d.tc.QueryWorkflow(ctx, id, "", BaselineQuery)
		if err != nil {
			return st, fmt.Errorf("%s: query: %w", id, err)
		}
		return st, v.Get(&st)
	}, ok, func(st BaselineState) string { return st.Stage })
}

func baselineStage(s string) func(BaselineState) bool {
	return func(st BaselineState) bool { return st.Stage == s }
}

// lifecycle runs one baseline workflow through the same steps as restDriver.lifecycle.
func (d *sdkDriver) lifecycle(ctx context.Context, w world) (string, error) {
	n := d.seq.Add(1)
	id := "bench-baseline/" + d.run + "/" + strconv.FormatInt(n, 10)
	start := time.Now()
	_, err := d.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: BaselineTaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, BaselineWorkflowType, BaselineInput{ID: id, Handle: w.handle, CreatorName: "Maya", CreatorEmail: "maya@example.com",
		BrandName: "Acme", Account: "acct_" + w.handle, FeeMinor: benchFee, WaitSeconds: waitSeconds, RemindSeconds: remindSeconds})
	if err != nil {
		return id, err
	}
	d.actions.Add(time.Since(start))
	if _, err := d.waitFor(ctx, id, "negotiation", baselineStage("negotiation")); err != nil {
		return id, err
	}
	if err := d.update(ctx, id, partnership.UpdateNegotiate, BaselineMove{Role: partnership.RoleCreator, Action: "counter", Fee: benchFee + 10000}); err != nil {
		return id, err
	}
	if err := d.update(ctx, id, partnership.UpdateNegotiate, BaselineMove{Role: partnership.RoleBrandManager, Action: "accept"}); err != nil {
		return id, err
	}
	st, err := d.waitFor(ctx, id, "signing URLs", func(st BaselineState) bool { return len(st.SigningURLs) == 2 })
	if err != nil {
		return id, err
	}
	for _, role := range []string{"creator", "brand"} {
		if err := d.http.call(ctx, http.MethodPost, st.SigningURLs[role], "", map[string]any{}, nil, http.StatusOK); err != nil {
			return id, err
		}
		if role == "creator" {
			// What the webhook receiver does with the provider's recipient-completed event:
			// the creator has signed, the envelope waits for the brand.
			if err := d.tc.SignalWorkflow(ctx, id, "", partnership.SignalESignSigned, partnership.SignerEvent{
				EventID: id + "/esign/creator", Signer: partnership.SignerCreator}); err != nil {
				return id, err
			}
		}
	}
	// What the webhook receiver does once the envelope is completed.
	if err := d.tc.SignalWorkflow(ctx, id, "", partnership.SignalESignEvent, partnership.ESignEvent{
		EventID: id + "/esign", Status: "completed"}); err != nil {
		return id, err
	}
	if _, err := d.waitFor(ctx, id, "content", baselineStage("content")); err != nil {
		return id, err
	}
	caption := "#ad Loving my new @acme sneakers for morning runs"
	for _, a := range []struct {
		name string
		arg  BaselineAction
	}{
		{partnership.UpdateSubmitDraft, BaselineAction{Caption: "Loving my new Acme sneakers"}},
		{partnership.UpdateReviewDraft, BaselineAction{Decision: "request_changes"}},
		{partnership.UpdateSubmitDraft, BaselineAction{Caption: caption}},
		{partnership.UpdateReviewDraft, BaselineAction{Decision: "approve"}},
	} {
		if err := d.update(ctx, id, a.name, a.arg); err != nil {
			return id, err
		}
	}
	var post struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	if err := d.http.call(ctx, http.MethodPost, d.sandboxURL+"/sandbox/social/posts", "",
		map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}, &post, http.StatusCreated); err != nil {
		return id, err
	}
	if err := d.update(ctx, id, partnership.UpdateSubmitPost, BaselineAction{URL: post.URL}); err != nil {
		return id, err
	}
	if _, err := d.waitFor(ctx, id, "payout", baselineStage("payout")); err != nil {
		return id, err
	}
	if err := d.update(ctx, id, partnership.UpdateTriggerPayout, BaselineAction{}); err != nil {
		return id, err
	}
	st, err = d.waitFor(ctx, id, "transfer", func(st BaselineState) bool { return st.TransferID != "" })
	if err != nil {
		return id, err
	}
	// What the webhook receiver does once the transfer is paid.
	if err := d.tc.SignalWorkflow(ctx, id, "", partnership.SignalPaymentEvent, partnership.PaymentEvent{
		EventID: id + "/paid", TransferID: st.TransferID, PayoutID: "po_1", Status: "paid"}); err != nil {
		return id, err
	}
	if _, err := d.waitFor(ctx, id, "completed", baselineStage("completed")); err != nil {
		return id, err
	}
	return id, archivePost(ctx, d.http, d.sandboxURL, post.ID)
}
