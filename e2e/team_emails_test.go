package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devdata"
)

// TestFinanceRemindedByEmail: the fee is payable and finance has a week to trigger it. The
// campaign reminds people a second short of a week before a deadline, so the finance team's
// reminder is due a second after the fee becomes payable. It used to exist only as a
// reminder_sent event; now it reaches the deployment's finance address (the dev stack's
// finance@example.com) in the e-mail provider's outbox, once, and names the partnership and
// its deadline.
func TestFinanceRemindedByEmail(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, reminderBefore: 7*86400 - 1})
	pid := w.createPartnership(30000)
	st := w.toContent(pid)
	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	st = w.waitFor(pid, "the fee payable", func(s map[string]any) bool { return path(s, "next_action", "action") == "trigger_payout" })
	require.Equal(t, "finance", path(st, "next_action", "role"))

	mail := waitForMessage(t, pid+"/email/reminder/trigger_payout/")
	require.Equal(t, devdata.DevFinanceEmail, mail["to"])
	require.Equal(t, "Reminder: a partnership is waiting for finance", mail["subject"])
	require.Contains(t, mail["text"], "Partnership "+pid+" (Acme) is waiting for finance to trigger the payout by ")
	require.Equal(t, 1, countEvents(t, w, pid, "reminder_sent"))

	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")
	saveHistory(t, pid, "finance_reminded_by_email")
}

// waitForMessage waits for the sandbox outbox's first e-mail whose idempotency key starts
// with prefix.
func waitForMessage(t *testing.T, prefix string) map[string]any {
	t.Helper()
	return waitForMessages(t, prefix, 1)[0]
}

// waitForMessages waits until the sandbox outbox holds n e-mails whose idempotency keys start
// with prefix, and returns them by recipient.
func waitForMessages(t *testing.T, prefix string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var found []map[string]any
	for time.Now().Before(deadline) {
		var msgs struct {
			Items []map[string]any `json:"items"`
		}
		r := sandbox(t).get("/sandbox/messages")
		require.Equal(t, http.StatusOK, r.Status)
		r.Decode(t, &msgs)
		found = found[:0]
		for _, m := range msgs.Items {
			if key, _ := m["idempotency_key"].(string); strings.HasPrefix(key, prefix) {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			slices.SortFunc(found, func(a, b map[string]any) int { return strings.Compare(a["to"].(string), b["to"].(string)) })
			return found
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%d e-mails with a key starting %q, want %d", len(found), prefix, n)
	return nil
}

func countEvents(t *testing.T, w *world, pid, typ string) int {
	t.Helper()
	n := 0
	for _, e := range events(t, w.bm, pid) {
		if e["type"] == typ {
			n++
		}
	}
	return n
}
