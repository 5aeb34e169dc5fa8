package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcurrentDuplicatesHaveOneEffect: 20 concurrent creates with one Idempotency-Key make
// one partnership; 20 concurrent identical approvals of a draft apply once.
func TestConcurrentDuplicatesHaveOneEffect(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	body := map[string]any{"campaign_id": w.campaignID, "creator_id": w.creatorID, "offer": w.offer(12000)}
	statuses := fanOut(t, 20, w.bm, "/v1/partnerships", body, "burst-"+w.handle)
	created := 0
	for _, s := range statuses {
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s, "a duplicate is either replayed or told the first is still running")
		if s == http.StatusCreated {
			created++
		}
	}
	require.GreaterOrEqual(t, created, 1)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	w.bm.get("/v1/partnerships?campaign_id="+w.campaignID).Decode(t, &list)
	require.Len(t, list.Items, 1, "exactly one partnership")
	pid := list.Items[0]["id"].(string)

	st := w.toContent(pid)
	caption := "#ad My new @acme running shoes, code " + path(st, "tracking", "discount_code").(string)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{"caption": caption}), http.StatusCreated)
	statuses = fanOut(t, 20, w.bm, "/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}, "")
	ok := 0
	for _, s := range statuses {
		require.Contains(t, []int{http.StatusOK, http.StatusConflict}, s)
		if s == http.StatusOK {
			ok++
		}
	}
	require.Equal(t, 1, ok, "one approval applied; the others were refused with the current state")
	reviews := 0
	for _, e := range events(t, w.bm, pid) {
		if e["type"] == "draft_reviewed" {
			reviews++
		}
	}
	require.Equal(t, 1, reviews)
	figure(t, "concurrent_duplicates", "creates", 20, "partnerships", len(list.Items), "approvals", 20, "applied", ok,
		"draft_reviewed_events", reviews, "duplicates", 0)
}

// fanOut sends n identical POSTs at once as c's caller and returns their statuses.
func fanOut(t *testing.T, n int, c *client, path string, body any, idempotencyKey string) []int {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	out := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(raw))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+c.token)
			if idempotencyKey != "" {
				req.Header.Set("Idempotency-Key", idempotencyKey)
			}
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			out[i] = res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return out
}
