package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	sdkclient "go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/webhooksig"
)

// sendPaymentWebhook delivers a signed payments webhook to the API as the provider would.
func sendPaymentWebhook(t *testing.T, payload map[string]any) {
	t.Helper()
	body, err := json.Marshal(payload)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, stack.APIURL+"/v1/webhooks/payments", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooksig.Header, webhooksig.Sign([]byte(stack.Secrets.PaymentsWebhookSecret), time.Now(), body))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode)
}

// countMessages counts the sandbox outbox's e-mails whose idempotency keys start with prefix.
func countMessages(t *testing.T, prefix string) int {
	t.Helper()
	var msgs struct {
		Items []map[string]any `json:"items"`
	}
	r := sandbox(t).get("/sandbox/messages")
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &msgs)
	n := 0
	for _, m := range msgs.Items {
		if key, _ := m["idempotency_key"].(string); strings.HasPrefix(key, prefix) {
			n++
		}
	}
	return n
}

// auditEvent waits for the audit trail's first event of type typ and returns it.
func auditEvent(t *testing.T, w *world, pid, typ string) map[string]any {
	t.Helper()
	var found map[string]any
	eventually(t, typ+" in the audit trail", func() bool {
		for _, e := range events(t, w.bm, pid) {
			if e["type"] == typ {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// paidFee runs a partnership to its fee paid, open until the re-check, and returns its id and
// the fee's transfer.
func paidFee(t *testing.T, w *world) (string, string) {
	t.Helper()
	pid := w.toPublished(15000)
	w.waitFor(pid, "fee payable", func(s map[string]any) bool { return path(s, "next_action", "action") == "trigger_payout" })
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st := w.waitFor(pid, "fee paid", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "paid" })
	return pid, path(st, "payouts", 0, "transfer_id").(string)
}

// TestPaymentReportedFailedAfterPaid: a report that the fee's transfer failed arrives after
// the provider reported it paid, and the provider, asked, says paid: the report was stale.
// The payout stays paid, nothing is payable again (a second trigger would pay the creator
// twice), the contradiction and the provider's answer are in the audit trail, and nobody is
// e-mailed: there is nothing to check.
func TestPaymentReportedFailedAfterPaid(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, recheck: 120}) // open until the re-check
	pid, transfer := paidFee(t, w)

	sendPaymentWebhook(t, map[string]any{"id": "evt_failed_after_paid_" + pid, "type": "transfer.failed",
		"data": map[string]any{"object": map[string]any{"id": transfer, "status": "failed", "failure_code": "account_closed",
			"metadata": map[string]string{"partnership_id": pid, "payout_id": "po_1"}}}})

	conflict := auditEvent(t, w, pid, "payment_conflict")
	require.Equal(t, "failed", path(conflict, "data", "reported"))
	require.Equal(t, "paid", path(conflict, "data", "recorded"))
	require.Equal(t, transfer, path(conflict, "data", "transfer_id"))
	looked := auditEvent(t, w, pid, "transfer_looked_up")
	require.Equal(t, "paid", path(looked, "data", "status"), "the sandbox's own record")

	st := w.waitFor(pid, "the contradiction resolved", func(s map[string]any) bool { return path(s, "payouts", 0, "conflicting_report") == nil })
	require.Len(t, st["payouts"], 1)
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))
	require.Zero(t, countMessages(t, pid+"/email/payment_conflict/"), "resolved: finance has nothing to check")
	r := w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"})
	require.Equal(t, http.StatusConflict, r.Status, "nothing is payable again: %s", r.Body)
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	saveHistoryAsIs(t, pid, "payment_reported_failed_after_paid__conflict_lookup")
}

// TestPaidTransferReturnedByTheBank: the creator's bank returns the paid fee (a Stripe payout
// paid, then failed): the provider's transfer.failed contradicts its transfer.paid, the
// partnership asks the provider, which says failed, so the payout is failed and payable again,
// the creator and finance are told, and finance's new trigger pays it.
func TestPaidTransferReturnedByTheBank(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, recheck: 120})
	pid, transfer := paidFee(t, w)

	must(t, sandbox(t).post("/sandbox/payments/transfers/"+transfer+"/return", map[string]any{"failure_code": "account_closed"}), http.StatusOK)
	st := w.waitFor(pid, "the fee failed", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "failed" })
	require.Equal(t, "account_closed", path(st, "payouts", 0, "failure_code"))
	require.Nil(t, path(st, "payouts", 0, "paid_at"))
	require.Equal(t, "failed", path(auditEvent(t, w, pid, "transfer_looked_up"), "data", "status"))
	told := waitForMessages(t, pid+"/email/payout_failed/po_1/", 2)
	require.Contains(t, []any{told[0]["to"], told[1]["to"]}, devdata.DevFinanceEmail, "finance, and the creator")

	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st = w.waitFor(pid, "paid again", func(s map[string]any) bool { return path(s, "payouts", 1, "status") == "paid" })
	require.Equal(t, "failed", path(st, "payouts", 0, "status"))
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 2, "a new transfer under a new key")
	saveHistoryAsIs(t, pid, "paid_transfer_returned_by_the_bank")
}

// TestLostTransferWebhookLookedUp: the provider pays the fee but never sends its webhook
// (acct_silent). After the lookup wait (5 s in this suite) the partnership asks the provider,
// which says paid, and the payout is paid as the webhook would have made it.
func TestLostTransferWebhookLookedUp(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	w.setPayoutAccount("acct_silent", "W-9")
	pid := w.toPublished(15000)
	w.waitStage(pid, "payout")
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st := w.waitFor(pid, "fee paid without a webhook", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "paid" })
	looked := auditEvent(t, w, pid, "transfer_looked_up")
	require.Equal(t, "paid", path(looked, "data", "status"))
	require.Equal(t, path(st, "payouts", 0, "transfer_id"), path(looked, "data", "transfer_id"))
	w.waitStage(pid, "completed")
	saveHistory(t, pid, "transfer_webhook_lost_looked_up")
}

// TestPaymentReturnedAfterClose: the bank returns a paid fee after the partnership's workflow
// closed (here an operator's terminate; in production, more than the return window after
// the last payment). The API hands the report to the partnership's late-payment workflow,
// which asks the provider (failed, it says), contests the payout in the read model (the
// partnership's payout and the finance queue show conflicting_report failed; it stays paid:
// nothing settles it any more) and e-mails finance and the creator once each. A second report
// of the return starts the workflow again, which records it and tells nobody twice.
func TestPaymentReturnedAfterClose(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, recheck: 120})
	pid, transfer := paidFee(t, w)
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: stack.TemporalAddress, Namespace: devstack.Namespace})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.TerminateWorkflow(context.Background(), partnership.WorkflowID(pid), "", "test: an operator ends the partnership"))

	must(t, sandbox(t).post("/sandbox/payments/transfers/"+transfer+"/return", map[string]any{"failure_code": "account_closed"}), http.StatusOK)
	returned := auditEvent(t, w, pid, "payment_returned_after_close")
	require.Equal(t, "failed", path(returned, "data", "provider"), "the provider's record, asked")
	require.Equal(t, transfer, path(returned, "data", "transfer_id"))
	st := w.waitFor(pid, "the fee contested", func(s map[string]any) bool { return path(s, "payouts", 0, "conflicting_report") == "failed" })
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))
	queue := must(t, w.finance.get("/v1/payouts?conflicting_report=failed&brand_id="+w.brandID), http.StatusOK)
	require.Len(t, queue["items"], 1, "finance finds the contested payouts")
	require.Equal(t, "failed", path(queue, "items", 0, "conflicting_report"))
	require.Empty(t, must(t, w.finance.get("/v1/payouts?conflicting_report=paid&brand_id="+w.brandID), http.StatusOK)["items"])
	must(t, w.finance.get("/v1/payouts?conflicting_report=returned"), http.StatusUnprocessableEntity)
	told := waitForMessages(t, pid+"/email/late_payment/", 2)
	require.Contains(t, []any{told[0]["to"], told[1]["to"]}, devdata.DevFinanceEmail, "finance, and the creator")
	wid := partnership.LatePaymentWorkflowID(pid)
	eventually(t, "the late-payment workflow done", func() bool {
		d, err := c.DescribeWorkflowExecution(context.Background(), wid, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	first, err := c.DescribeWorkflowExecution(context.Background(), wid, "")
	require.NoError(t, err)
	writeWorkflowHistory(t, wid, "", "late_payment_returned_after_close")

	// Another report of the same return: a new run, which finds the payout contested.
	n := len(events(t, w.bm, pid))
	sendPaymentWebhook(t, map[string]any{"id": "evt_again_" + pid, "type": "transfer.failed",
		"data": map[string]any{"object": map[string]any{"id": transfer, "status": "failed", "failure_code": "account_closed",
			"metadata": map[string]string{"partnership_id": pid, "payout_id": "po_1"}}}})
	eventually(t, "a second late-payment run done", func() bool {
		d, err := c.DescribeWorkflowExecution(context.Background(), wid, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != first.GetWorkflowExecutionInfo().GetExecution().GetRunId() &&
			d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	require.Len(t, events(t, w.bm, pid), n+1, "the second report in the trail")
	require.Equal(t, 2, countMessages(t, pid+"/email/late_payment/"), "nobody told twice")
	require.Equal(t, "settled", path(events(t, w.bm, pid)[n], "data", "outcome"))
}
