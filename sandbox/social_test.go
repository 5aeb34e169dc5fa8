package sandbox

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAccountDefinitionAndMedia(t *testing.T) {
	e := newEnv(t, Config{PublicURL: "http://127.0.0.1:8090"})
	var acct accountView
	e.doJSON("POST", "/sandbox/social/accounts", map[string]any{
		"platform": "Instagram", "handle": "@Jane.Doe", "followers": 45000, "following": 512,
		"posts": []map[string]any{
			{"caption": "older", "likes": 100, "comments": 5, "posted_at": "2025-01-01T10:00:00Z"},
			{"caption": "newer", "likes": 200, "comments": 9, "posted_at": "2025-02-01T10:00:00Z"},
		},
	}, http.StatusCreated, &acct)
	require.Equal(t, "instagram", acct.Platform)
	require.Equal(t, "jane.doe", acct.Handle)
	require.Len(t, acct.Posts, 2)

	var a accountJSON
	e.doJSON("GET", "/social/v1/accounts/instagram/JANE.DOE", nil, http.StatusOK, &a)
	require.Equal(t, accountJSON{Platform: "instagram", Username: "jane.doe", FollowersCount: 45000, FollowsCount: 512, MediaCount: 2}, a)

	var media struct{ Data []mediaJSON }
	e.doJSON("GET", "/social/v1/accounts/instagram/jane.doe/media?limit=25", nil, http.StatusOK, &media)
	require.Len(t, media.Data, 2)
	require.Equal(t, "newer", media.Data[0].Caption, "newest first")
	require.Equal(t, int64(200), media.Data[0].LikeCount)
	require.Equal(t, "http://127.0.0.1:8090/sandbox/social/p/"+media.Data[0].ID, media.Data[0].Permalink)
	require.Equal(t, time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC), media.Data[0].Timestamp)
	e.doJSON("GET", "/social/v1/accounts/instagram/jane.doe/media?limit=1", nil, http.StatusOK, &media)
	require.Len(t, media.Data, 1)
	status, _ := e.do("GET", "/social/v1/accounts/instagram/jane.doe/media?limit=0", nil)
	require.Equal(t, http.StatusBadRequest, status)

	// Redefining replaces the seeded posts but keeps what the creator published since.
	var live postView
	e.doJSON("POST", "/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": "jane.doe", "caption": "#ad sponsored"}, http.StatusCreated, &live)
	e.doJSON("POST", "/sandbox/social/accounts", map[string]any{
		"platform": "instagram", "handle": "jane.doe", "followers": 50000,
		"posts": []map[string]any{{"caption": "only seed"}},
	}, http.StatusCreated, &acct)
	var captions []string
	for _, p := range acct.Posts {
		captions = append(captions, p.Caption)
	}
	require.Equal(t, []string{"#ad sponsored", "only seed"}, captions)

	status, _ = e.do("GET", "/social/v1/accounts/tiktok/jane.doe", nil)
	require.Equal(t, http.StatusNotFound, status)
}

func TestPublishedPostEditAndDeleteVisibleToLookup(t *testing.T) {
	e := newEnv(t, Config{})
	var p postView
	// Publishing for an unknown account creates it.
	e.doJSON("POST", "/sandbox/social/posts", map[string]any{"platform": "tiktok", "handle": "newbie", "caption": "#ad first"}, http.StatusCreated, &p)
	require.NotEmpty(t, p.ID)
	require.Equal(t, e.srv.URL+"/sandbox/social/p/"+p.ID, p.URL, "without PublicURL the request host is used")
	var a accountJSON
	e.doJSON("GET", "/social/v1/accounts/tiktok/newbie", nil, http.StatusOK, &a)
	require.Equal(t, int64(0), a.FollowersCount)
	require.Equal(t, int64(1), a.MediaCount)

	lookup := "/social/v1/media?permalink=" + url.QueryEscape(p.URL)
	var m mediaJSON
	e.doJSON("GET", lookup, nil, http.StatusOK, &m)
	require.Equal(t, "#ad first", m.Caption)
	require.Equal(t, "newbie", m.Username)
	require.Equal(t, "VIDEO", m.MediaType)
	require.Equal(t, "tiktok", m.Platform)

	// Another host, a trailing slash and a tracking query still name the same post.
	e.doJSON("GET", "/social/v1/media?permalink="+url.QueryEscape("http://localhost:9999/sandbox/social/p/"+p.ID+"/?utm=x"), nil, http.StatusOK, &m)

	e.doJSON("PATCH", "/sandbox/social/posts/"+p.ID, `{"caption":"first (edited)"}`, http.StatusOK, nil)
	e.doJSON("GET", lookup, nil, http.StatusOK, &m)
	require.Equal(t, "first (edited)", m.Caption)

	status, page := e.do("GET", "/sandbox/social/p/"+p.ID, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(page), "first (edited)")

	e.doJSON("PATCH", "/sandbox/social/posts/"+p.ID, `{"deleted":true}`, http.StatusOK, nil)
	status, _ = e.do("GET", lookup, nil)
	require.Equal(t, http.StatusNotFound, status)
	status, _ = e.do("GET", "/sandbox/social/p/"+p.ID, nil)
	require.Equal(t, http.StatusNotFound, status)
	e.doJSON("GET", "/social/v1/accounts/tiktok/newbie", nil, http.StatusOK, &a)
	require.Equal(t, int64(0), a.MediaCount)

	e.doJSON("PATCH", "/sandbox/social/posts/"+p.ID, `{"deleted":false}`, http.StatusOK, nil)
	e.doJSON("GET", lookup, nil, http.StatusOK, &m)

	status, _ = e.do("GET", "/social/v1/media?permalink="+url.QueryEscape("http://x/other/path"), nil)
	require.Equal(t, http.StatusNotFound, status)
	status, _ = e.do("GET", "/social/v1/media", nil)
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = e.do("PATCH", "/sandbox/social/posts/missing", `{"deleted":true}`)
	require.Equal(t, http.StatusNotFound, status)
}

func TestPostPageEscapesCaption(t *testing.T) {
	e := newEnv(t, Config{})
	var p postView
	e.doJSON("POST", "/sandbox/social/posts", map[string]any{"platform": "x", "handle": "h", "caption": "<script>alert(1)</script>"}, http.StatusCreated, &p)
	_, page := e.do("GET", "/sandbox/social/p/"+p.ID, nil)
	require.NotContains(t, string(page), "<script>")
	require.Contains(t, string(page), "&lt;script&gt;")
}
