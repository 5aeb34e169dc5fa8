package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/webhooksig"
)

// TestPaymentReportedFailedAfterPaid: the payments provider reports the fee's transfer failed
// after it reported it paid. The payout stays paid and nothing is payable again (a second
// trigger would pay the creator twice); the contradiction is in the audit trail and finance
// is e-mailed to check the transfer at the provider.
func TestPaymentReportedFailedAfterPaid(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, recheck: 120}) // open until the re-check
	pid := w.createPartnership(15000)
	st := w.toContent(pid)
	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	w.waitFor(pid, "fee payable", func(s map[string]any) bool { return path(s, "next_action", "action") == "trigger_payout" })
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st = w.waitFor(pid, "fee paid", func(s map[string]any) bool { return path(s, "payouts", 0, "status") == "paid" })
	transfer := path(st, "payouts", 0, "transfer_id").(string)

	body, err := json.Marshal(map[string]any{"id": "evt_failed_after_paid_" + pid, "type": "transfer.failed",
		"data": map[string]any{"object": map[string]any{"id": transfer, "status": "failed", "failure_code": "account_closed",
			"metadata": map[string]string{"partnership_id": pid, "payout_id": "po_1"}}}})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, stack.APIURL+"/v1/webhooks/payments", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooksig.Header, webhooksig.Sign([]byte(stack.Secrets.PaymentsWebhookSecret), time.Now(), body))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode)

	told := waitForMessages(t, pid+"/email/payment_conflict/po_1/failed/", 1)
	require.Equal(t, devdata.DevFinanceEmail, told[0]["to"])
	require.Contains(t, told[0]["text"], "as failed (account_closed), after reporting it paid")
	var conflict map[string]any
	eventually(t, "payment_conflict in the audit trail", func() bool {
		for _, e := range events(t, w.bm, pid) {
			if e["type"] == "payment_conflict" {
				conflict = e
				return true
			}
		}
		return false
	})
	require.Equal(t, "failed", path(conflict, "data", "reported"))
	require.Equal(t, "paid", path(conflict, "data", "recorded"))
	require.Equal(t, transfer, path(conflict, "data", "transfer_id"))

	st = w.state(pid)
	require.Len(t, st["payouts"], 1)
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))
	require.Equal(t, "failed", path(st, "payouts", 0, "conflicting_report"))
	r := w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"})
	require.Equal(t, http.StatusConflict, r.Status, "nothing is payable again: %s", r.Body)
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	saveHistoryAsIs(t, pid, "payment_reported_failed_after_paid")
}
