package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
)

// TestPollingWithETag: GET answers with the state's version (and the documents' shape) as its
// ETag; sent back in
// If-None-Match it gets 304 and no body until the partnership changes, and a caller outside
// the partnership's scope still gets 404, never a 304 that would tell it exists.
func TestPollingWithETag(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true, dualApproval: 1_000_000})
	pid := w.createPartnership(50000)
	w.waitStage(pid, "negotiation")

	first := w.bm.get("/v1/partnerships/" + pid)
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	etag := first.Header.Get("ETag")
	require.Regexp(t, `^"v[0-9]+\.[0-9]+\.brand_manager"$`, etag, "the version, the documents' shape and the caller's view")
	// A tag of the same version from before the documents were last rewritten by a migration
	// (an older shape, written without it) names another document: the client gets this one.
	before := strings.SplitN(etag, ".", 2)[0] + `"`
	require.Equal(t, http.StatusOK, w.bm.do(http.MethodGet, "/v1/partnerships/"+pid, nil, "If-None-Match", before).Status)

	same := w.bm.do(http.MethodGet, "/v1/partnerships/"+pid, nil, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, same.Status)
	require.Empty(t, same.Body)
	require.Equal(t, etag, same.Header.Get("ETag"))

	stranger := as(t, auth.Identity{Sub: "bob", Role: "brand_manager", BrandID: "another-brand"})
	require.Equal(t, http.StatusNotFound, stranger.do(http.MethodGet, "/v1/partnerships/"+pid, nil, "If-None-Match", etag).Status)

	// The action answers with the state it produced, which is what GET now serves.
	acted := must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "counter", "terms": w.offer(60000)}), http.StatusOK)
	require.EqualValues(t, 2, path(acted, "negotiation", "round"))
	changed := w.bm.do(http.MethodGet, "/v1/partnerships/"+pid, nil, "If-None-Match", etag)
	require.Equal(t, http.StatusOK, changed.Status)
	require.NotEqual(t, etag, changed.Header.Get("ETag"))
	require.EqualValues(t, 2, path(changed.JSON(t), "negotiation", "round"))
	require.Equal(t, http.StatusOK, w.bm.do(http.MethodGet, "/v1/partnerships/"+pid, nil, "If-None-Match", `"v0", `+etag).Status,
		"none of the listed versions is current")
}
