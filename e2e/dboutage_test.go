package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdkclient "go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/internal/testdb"
	"github.com/partnerflow/partnerflow/partnership"
)

// outage is how long PostgreSQL stays unreachable in TestReliabilityDatabaseOutage.
const outage = 10 * time.Second

// TestReliabilityDatabaseOutage (scenario 4): `partnerflow dev` on PostgreSQL reached through
// a proxy; mid-lifecycle the proxy refuses connections and cuts the live ones for 10 s, while
// both signatures arrive. During the outage the API answers 503 problem+json (never 500) to
// reads and writes. Afterwards the read model catches up — the recorded stage is the
// workflow's, the audit seq has no gap and no once-only event twice — and the lifecycle
// completes with one envelope and one transfer.
func TestReliabilityDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := testdb.PostgresURL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr

	bin := buildBinary(t)
	dataDir := t.TempDir()
	dev := startDev(t, bin, dataDir, freePort(t), freePort(t), freePort(t), "--database-url", u.String())
	bindStack(t, dev)

	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(20000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	creatorURL := w.creatorSigningURL(pid)

	proxy.down()
	wentDown := time.Now()
	// The workflow moves on while the database is away: both signatures complete the envelope,
	// and the webhook, the discount code and the transitions all want the database.
	must(t, sandbox(t).post(creatorURL, map[string]any{}), http.StatusOK)
	must(t, sandbox(t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	statuses := map[int]int{}
	for time.Since(wentDown) < outage {
		for _, r := range []response{
			w.bm.get("/v1/partnerships/" + pid),
			w.bm.get("/v1/partnerships?campaign_id=" + w.campaignID),
			w.bm.post("/v1/partnerships", map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": w.offer(1000)}),
			w.bm.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": "must not happen"}),
		} {
			statuses[r.Status]++
			require.Equal(t, http.StatusServiceUnavailable, r.Status, "database down: %s", r.Body)
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	proxy.up()
	cameBack := time.Now()

	st = w.waitStage(pid, "content")
	caughtUp := time.Since(cameBack)
	require.NotEmpty(t, path(st, "tracking", "discount_code"))
	require.Equal(t, string(workflowStage(t, dataDir, pid)), st["stage"], "the read model shows the workflow's stage")
	before := requireAuditIntact(t, pid, events(t, w.bm, pid), onceOnly...)
	require.Equal(t, 1, before["contract_signed"], "the signed webhook sent during the outage was not lost")

	w.publish(pid, "#ad My new @acme running shoes, code "+path(st, "tracking", "discount_code").(string))
	w.waitStage(pid, "payout")
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")
	seen := requireAuditIntact(t, pid, events(t, w.bm, pid), onceOnly...)
	for _, once := range onceOnly {
		require.Equal(t, 1, seen[once], "%s recorded once", once)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	w.bm.get("/v1/partnerships?campaign_id="+w.campaignID).Decode(t, &list)
	require.Len(t, list.Items, 1, "no write refused during the outage took effect")
	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1)
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	// The webhooks refused during the outage are redelivered (backoff up to 10 s); the
	// workflow may have learnt of the signatures first by reading the envelope, so the late
	// delivery must be taken as a duplicate. This stack serves only this partnership, so
	// every webhook is its own.
	var hooks []map[string]any
	eventually(t, "every webhook delivered", func() bool {
		var out struct {
			Items []map[string]any `json:"items"`
		}
		sandbox(t).get("/sandbox/webhooks").Decode(t, &out)
		hooks = out.Items
		for _, h := range hooks {
			if h["delivered"] != true {
				return false
			}
		}
		return true
	})
	webhookAttempts := 0.0
	for _, h := range hooks {
		webhookAttempts += h["attempts"].(float64)
	}
	seen = requireAuditIntact(t, pid, events(t, w.bm, pid), onceOnly...)
	require.Equal(t, 1, seen["contract_signed"], "the redelivered webhook changed nothing")
	figure(t, "database_outage", "webhooks", len(hooks), "webhook_attempts", webhookAttempts)
	figure(t, "database_outage", "outage_s", fmt.Sprintf("%.1f", time.Since(wentDown).Seconds()-time.Since(cameBack).Seconds()),
		"requests_503", statuses[http.StatusServiceUnavailable], "requests_500", statuses[http.StatusInternalServerError],
		"catch_up_s", fmt.Sprintf("%.1f", caughtUp.Seconds()), "events", len(events(t, w.bm, pid)), "duplicates", 0)
	requireNoPanics(t, dataDir)
}

// workflowStage asks the partnership's workflow (not the read model) for its stage.
func workflowStage(t *testing.T, dataDir, pid string) partnership.Stage {
	t.Helper()
	ep, err := devdata.LoadEndpoints(dataDir)
	require.NoError(t, err)
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: ep.TemporalAddress, Namespace: devstack.Namespace})
	require.NoError(t, err)
	defer c.Close()
	v, err := c.QueryWorkflow(context.Background(), partnership.WorkflowID(pid), "", partnership.QueryState)
	require.NoError(t, err)
	var st partnership.State
	require.NoError(t, v.Get(&st))
	return st.Stage
}
