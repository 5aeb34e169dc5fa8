package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkQueues: the partnerships' own workflows set whose turn it is and by when, and the
// list filters on that. An offer waits on the creator: it is in the creator's work queue and
// not in the brand manager's; the creator's counter moves it to the brand manager's queue.
func TestWorkQueues(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(10000)
	st := w.waitFor(pid, "the offer waiting on the creator", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "answer_offer"
	})
	due := path(st, "next_action", "due_at")
	require.NotNil(t, due)

	queue := func(c *client, query string) []string {
		t.Helper()
		var page struct {
			Items []struct {
				ID         string         `json:"id"`
				NextAction map[string]any `json:"next_action"`
			} `json:"items"`
		}
		r := c.get("/v1/partnerships?" + query)
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		r.Decode(t, &page)
		var ids []string
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	require.Equal(t, []string{pid}, queue(w.creator, "next_role=creator&order=due_at"))
	require.NotContains(t, queue(w.bm, "next_role=brand_manager&order=due_at"), pid)
	require.NotContains(t, queue(w.bm, "overdue=true"), pid, "due a day from now")

	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "counter",
		"terms": w.offer(12000)}), http.StatusOK)
	w.waitFor(pid, "the counter waiting on the brand", func(s map[string]any) bool {
		return path(s, "next_action", "role") == "brand_manager"
	})
	require.Contains(t, queue(w.bm, "next_role=brand_manager&order=due_at"), pid)
	require.Empty(t, queue(w.creator, "next_role=creator&order=due_at"))

	r := w.bm.get("/v1/partnerships?order=soonest")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Body)
}
