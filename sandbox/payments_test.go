package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/webhooksig"
)

var paymentsSecret = []byte("whsec_payments_test")

type paymentsEventJSON struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object struct {
			ID          string            `json:"id"`
			Status      string            `json:"status"`
			Amount      int64             `json:"amount"`
			FailureCode *string           `json:"failure_code"`
			Metadata    map[string]string `json:"metadata"`
		} `json:"object"`
	} `json:"data"`
}

func TestTransfersSettle(t *testing.T) {
	tests := []struct {
		destination string
		wantStatus  string
		wantFailure string
	}{
		{"acct_creator_1", transferPaid, ""},
		{DestinationClosed, transferFailed, "account_closed"},
		{DestinationInsufficient, transferFailed, "insufficient_funds"},
	}
	for _, tc := range tests {
		t.Run(tc.destination, func(t *testing.T) {
			rc := newReceiver(t)
			const delay = 100 * time.Millisecond
			e := newEnv(t, Config{PaymentsWebhookURL: rc.srv.URL, PaymentsWebhookSecret: paymentsSecret, SettleDelay: delay})
			e.run()

			var created transferJSON
			start := time.Now()
			e.doJSON("POST", "/payments/v1/transfers", map[string]any{
				"amount": 50000, "currency": "USD", "destination": tc.destination,
				"metadata": map[string]string{"payout_id": "po-1"},
			}, http.StatusOK, &created, withKey("po-1"))
			require.Equal(t, transferPending, created.Status)
			require.Nil(t, created.FailureCode)

			got := rc.waitFor(t, 1)[0]
			require.GreaterOrEqual(t, got.at.Sub(start), delay, "settled before SettleDelay")
			require.NoError(t, webhooksig.Verify(got.header.Get(webhooksig.Header), got.body, paymentsSecret, time.Now(), webhooksig.DefaultTolerance))

			var ev paymentsEventJSON
			require.NoError(t, json.Unmarshal(got.body, &ev))
			require.Equal(t, "transfer."+tc.wantStatus, ev.Type)
			require.NotEmpty(t, ev.ID)
			require.InDelta(t, time.Now().Unix(), ev.Created, 5)
			require.Equal(t, created.ID, ev.Data.Object.ID)
			require.Equal(t, tc.wantStatus, ev.Data.Object.Status)
			require.Equal(t, int64(50000), ev.Data.Object.Amount)
			require.Equal(t, map[string]string{"payout_id": "po-1"}, ev.Data.Object.Metadata)
			if tc.wantFailure == "" {
				require.Nil(t, ev.Data.Object.FailureCode)
			} else {
				require.NotNil(t, ev.Data.Object.FailureCode)
				require.Equal(t, tc.wantFailure, *ev.Data.Object.FailureCode)
			}

			var list listResponse[transferItem]
			e.doJSON("GET", "/sandbox/payments/transfers", nil, http.StatusOK, &list)
			require.Len(t, list.Items, 1)
			require.Equal(t, tc.wantStatus, list.Items[0].Status)
			require.Equal(t, tc.wantFailure, list.Items[0].FailureCode)
			require.Equal(t, "po-1", list.Items[0].IdempotencyKey)

			var fetched transferJSON
			e.doJSON("GET", "/payments/v1/transfers/"+created.ID, nil, http.StatusOK, &fetched)
			require.Equal(t, tc.wantStatus, fetched.Status)
		})
	}
}

// TestSilentDestinationLosesTheWebhook: a transfer to acct_silent is paid like any other, and
// GET /payments/v1/transfers/{id} says so, but its webhook is never sent, while another
// transfer's settled in the same minute is.
func TestSilentDestinationLosesTheWebhook(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, Config{PaymentsWebhookURL: rc.srv.URL, PaymentsWebhookSecret: paymentsSecret, SettleDelay: 50 * time.Millisecond})
	e.run()

	var silent, heard transferJSON
	e.doJSON("POST", "/payments/v1/transfers", map[string]any{"amount": 700, "currency": "USD", "destination": DestinationSilent},
		http.StatusOK, &silent, withKey("silent"))
	eventually(t, "the silent transfer paid", func() bool {
		var got transferJSON
		e.doJSON("GET", "/payments/v1/transfers/"+silent.ID, nil, http.StatusOK, &got)
		return got.Status == transferPaid && got.FailureCode == nil
	})
	e.doJSON("POST", "/payments/v1/transfers", map[string]any{"amount": 800, "currency": "USD", "destination": "acct_heard"},
		http.StatusOK, &heard, withKey("heard"))
	got := rc.waitFor(t, 1)
	var ev paymentsEventJSON
	require.NoError(t, json.Unmarshal(got[0].body, &ev))
	require.Equal(t, heard.ID, ev.Data.Object.ID, "the only webhook is the other transfer's")
	time.Sleep(200 * time.Millisecond) // a webhook for the silent one would have come by now
	require.Len(t, rc.deliveries(), 1)
}

// TestReturnedTransfer: a paid transfer returned by the creator's bank becomes failed, and a
// transfer.failed webhook follows its transfer.paid; only a paid transfer can be returned.
func TestReturnedTransfer(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, Config{PaymentsWebhookURL: rc.srv.URL, PaymentsWebhookSecret: paymentsSecret, SettleDelay: 50 * time.Millisecond})
	e.run()

	var tr transferJSON
	e.doJSON("POST", "/payments/v1/transfers", map[string]any{"amount": 900, "currency": "EUR", "destination": "acct_1"},
		http.StatusOK, &tr, withKey("ret"))
	e.doJSON("POST", "/sandbox/payments/transfers/"+tr.ID+"/return", nil, http.StatusConflict, nil)
	rc.waitFor(t, 1) // transfer.paid

	var returned transferJSON
	e.doJSON("POST", "/sandbox/payments/transfers/"+tr.ID+"/return", map[string]any{"failure_code": "no_account"}, http.StatusOK, &returned)
	require.Equal(t, transferFailed, returned.Status)
	require.Equal(t, "no_account", *returned.FailureCode)
	got := rc.waitFor(t, 2)
	var ev paymentsEventJSON
	require.NoError(t, json.Unmarshal(got[1].body, &ev))
	require.Equal(t, "transfer.failed", ev.Type)
	require.Equal(t, tr.ID, ev.Data.Object.ID)
	var fetched transferJSON
	e.doJSON("GET", "/payments/v1/transfers/"+tr.ID, nil, http.StatusOK, &fetched)
	require.Equal(t, transferFailed, fetched.Status)

	e.doJSON("POST", "/sandbox/payments/transfers/"+tr.ID+"/return", nil, http.StatusConflict, nil)
	e.doJSON("POST", "/sandbox/payments/transfers/tr_nope/return", nil, http.StatusNotFound, nil)
	e.doJSON("POST", "/sandbox/payments/transfers/"+tr.ID+"/return", map[string]any{"failure": "x"}, http.StatusUnprocessableEntity, nil)
}

func TestWebhookRedeliveredUntilAcknowledged(t *testing.T) {
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusInternalServerError, http.StatusNoContent)
	e := newEnv(t, Config{PaymentsWebhookURL: rc.srv.URL, PaymentsWebhookSecret: paymentsSecret, SettleDelay: time.Millisecond})
	e.run()

	e.doJSON("POST", "/payments/v1/transfers", `{"amount":1,"currency":"EUR","destination":"acct_1"}`, http.StatusOK, nil, withKey("k"))
	got := rc.waitFor(t, 3)

	for i, d := range got {
		require.Equal(t, string(got[0].body), string(d.body), "delivery %d must carry the same event", i)
		require.NoError(t, webhooksig.Verify(d.header.Get(webhooksig.Header), d.body, paymentsSecret, time.Now(), webhooksig.DefaultTolerance))
	}
	// Backoff starts at 200ms and doubles.
	require.GreaterOrEqual(t, got[1].at.Sub(got[0].at), redeliverMin)
	require.GreaterOrEqual(t, got[2].at.Sub(got[1].at), 2*redeliverMin)

	var hooks listResponse[webhookView]
	eventually(t, "delivery recorded", func() bool {
		e.doJSON("GET", "/sandbox/webhooks", nil, http.StatusOK, &hooks)
		return len(hooks.Items) == 1 && hooks.Items[0].Delivered
	})
	require.Equal(t, 3, hooks.Items[0].Attempts)
	require.Equal(t, http.StatusNoContent, hooks.Items[0].LastStatus)

	time.Sleep(3 * deliveryTick)
	require.Len(t, rc.deliveries(), 3, "an acknowledged webhook is not sent again")
}

func TestOutboxSurvivesRestartAndIsDeliveredLater(t *testing.T) {
	path := t.TempDir() + "/state.json"
	// First run: no receiver configured, so the event waits in the outbox.
	first := newEnv(t, Config{StatePath: path, SettleDelay: time.Millisecond})
	first.run()
	first.doJSON("POST", "/payments/v1/transfers", `{"amount":1,"currency":"EUR","destination":"acct_1"}`, http.StatusOK, nil, withKey("k"))
	eventually(t, "settlement", func() bool {
		var l listResponse[transferItem]
		first.doJSON("GET", "/sandbox/payments/transfers", nil, http.StatusOK, &l)
		return l.Items[0].Status == transferPaid
	})

	rc := newReceiver(t)
	second := newEnv(t, Config{StatePath: path, PaymentsWebhookURL: rc.srv.URL, PaymentsWebhookSecret: paymentsSecret})
	second.run()
	got := rc.waitFor(t, 1)
	require.Contains(t, string(got[0].body), `"type":"transfer.paid"`)
}

func TestRedeliveryDelay(t *testing.T) {
	require.Equal(t, 200*time.Millisecond, redeliveryDelay(1))
	require.Equal(t, 400*time.Millisecond, redeliveryDelay(2))
	require.Equal(t, 6400*time.Millisecond, redeliveryDelay(6))
	require.Equal(t, 10*time.Second, redeliveryDelay(7))
	require.Equal(t, 10*time.Second, redeliveryDelay(1000))
}

func TestRunRefusesSecondInstance(t *testing.T) {
	e := newEnv(t, Config{})
	e.run()
	eventually(t, "Run started", e.sb.running.Load)
	require.Error(t, e.sb.Run(t.Context()))
}

// TestSettlementAndDeliveryDoNotWaitForTheTick: a due transfer settles and its webhook goes
// out when they are due, not at the loops' next poll. The loops here tick once an hour, so
// only the nudges from the transfer and the outbox can make the webhook arrive.
func TestSettlementAndDeliveryDoNotWaitForTheTick(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, Config{PaymentsWebhookURL: rc.srv.URL, PaymentsWebhookSecret: paymentsSecret, SettleDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.sb.every(ctx, time.Hour, e.sb.settleNow, e.sb.settleDue) })
	wg.Go(func() { e.sb.every(ctx, time.Hour, e.sb.deliverNow, e.sb.deliverDue) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	e.doJSON("POST", "/payments/v1/transfers", `{"amount":1,"currency":"EUR","destination":"acct_1"}`, http.StatusOK, nil, withKey("k"))
	got := rc.waitFor(t, 1)
	require.Contains(t, string(got[0].body), `"transfer.paid"`)
}
