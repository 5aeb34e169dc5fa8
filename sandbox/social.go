package sandbox

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The social provider mimics the Instagram Graph API: an account object, its media edge, and a
// permalink lookup that a real integration would do through oEmbed.

var platforms = []string{"instagram", "tiktok", "youtube", "x", "facebook"}

var handlePattern = regexp.MustCompile(`^[a-z0-9._]{1,64}$`)

const (
	defaultMediaLimit = 25
	maxMediaLimit     = 100
	permalinkPrefix   = "/sandbox/social/p/"
)

func accountKey(platform, handle string) string { return platform + "/" + handle }

// normalizeHandle makes "@Jane.Doe" and "jane.doe" the same account, as on the platforms.
func normalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

func normalizePlatform(p string) string { return strings.ToLower(strings.TrimSpace(p)) }

func permalink(base, id string) string { return base + permalinkPrefix + id }

type accountJSON struct {
	Platform       string `json:"platform"`
	Username       string `json:"username"`
	FollowersCount int64  `json:"followers_count"`
	FollowsCount   int64  `json:"follows_count"`
	MediaCount     int64  `json:"media_count"`
	// FollowerHistory appears only for accounts defined with one (like insights, which only
	// some accounts share).
	FollowerHistory []followerPoint `json:"follower_history,omitempty"`
}

type mediaJSON struct {
	ID            string    `json:"id"`
	Caption       string    `json:"caption"`
	MediaType     string    `json:"media_type"`
	Permalink     string    `json:"permalink"`
	Timestamp     time.Time `json:"timestamp"`
	LikeCount     int64     `json:"like_count"`
	CommentsCount int64     `json:"comments_count"`
	Username      string    `json:"username"`
	// Platform says which platform the post is on: the sandbox's permalinks, unlike the
	// platforms' own, do not.
	Platform string `json:"platform"`
}

func mediaView(p *post, base string) mediaJSON {
	mediaType := "IMAGE"
	if p.Platform == "tiktok" || p.Platform == "youtube" {
		mediaType = "VIDEO"
	}
	return mediaJSON{
		ID: p.ID, Caption: p.Caption, MediaType: mediaType, Permalink: permalink(base, p.ID),
		Timestamp: p.PostedAt, LikeCount: p.Likes, CommentsCount: p.Comments, Username: p.Handle,
		Platform: p.Platform,
	}
}

// livePostsLocked returns an account's posts that are not deleted, newest first.
func (st *state) livePostsLocked(platform, handle string) []*post {
	var out []*post
	for _, p := range st.Posts {
		if p.Platform == platform && p.Handle == handle && !p.Deleted {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *post) int {
		if c := b.PostedAt.Compare(a.PostedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out
}

// GET /social/v1/accounts/{platform}/{handle}
func (s *Sandbox) handleSocialAccount(w http.ResponseWriter, r *http.Request) {
	platform, handle := normalizePlatform(r.PathValue("platform")), normalizeHandle(r.PathValue("handle"))
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.Accounts[accountKey(platform, handle)]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "account not found"))
		return
	}
	writeJSON(w, http.StatusOK, accountJSON{
		Platform: a.Platform, Username: a.Handle, FollowersCount: a.Followers, FollowsCount: a.Following,
		MediaCount:      int64(len(s.st.livePostsLocked(a.Platform, a.Handle))),
		FollowerHistory: a.FollowerHistory,
	})
}

// GET /social/v1/accounts/{platform}/{handle}/media?limit=N
func (s *Sandbox) handleSocialMedia(w http.ResponseWriter, r *http.Request) {
	limit := defaultMediaLimit
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxMediaLimit {
			writeError(w, errorf(http.StatusBadRequest, "limit must be an integer between 1 and 100"))
			return
		}
		limit = n
	}
	platform, handle := normalizePlatform(r.PathValue("platform")), normalizeHandle(r.PathValue("handle"))
	base := s.publicURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Accounts[accountKey(platform, handle)]; !ok {
		writeError(w, errorf(http.StatusNotFound, "account not found"))
		return
	}
	posts := s.st.livePostsLocked(platform, handle)
	data := make([]mediaJSON, 0, min(limit, len(posts)))
	for _, p := range posts[:min(limit, len(posts))] {
		data = append(data, mediaView(p, base))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// GET /social/v1/media?permalink=URL
//
// Only the path of the permalink is compared: the sandbox is reachable as localhost,
// 127.0.0.1 or a container name, and the post is the same whichever host the creator copied.
func (s *Sandbox) handleSocialMediaByPermalink(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("permalink")
	if raw == "" {
		writeError(w, errorf(http.StatusBadRequest, "permalink query parameter is required"))
		return
	}
	id, ok := postIDFromPermalink(raw)
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "no post at that permalink"))
		return
	}
	base := s.publicURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.Posts[id]
	if !ok || p.Deleted {
		writeError(w, errorf(http.StatusNotFound, "no post at that permalink"))
		return
	}
	writeJSON(w, http.StatusOK, mediaView(p, base))
}

func postIDFromPermalink(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", false
	}
	id, ok := strings.CutPrefix(strings.TrimSuffix(u.Path, "/"), permalinkPrefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}
