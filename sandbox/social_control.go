package sandbox

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"
)

// Control endpoints that let a person or a test play the creator on the social platform.

const (
	maxCaptionRunes = 5000
	maxSeedPosts    = 200
	maxCount        = 1_000_000_000_000
)

type postView struct {
	ID       string    `json:"id"`
	URL      string    `json:"url"`
	Platform string    `json:"platform"`
	Handle   string    `json:"handle"`
	Caption  string    `json:"caption"`
	Likes    int64     `json:"likes"`
	Comments int64     `json:"comments"`
	PostedAt time.Time `json:"posted_at"`
	Deleted  bool      `json:"deleted"`
}

func postViewOf(p *post, base string) postView {
	return postView{
		ID: p.ID, URL: permalink(base, p.ID), Platform: p.Platform, Handle: p.Handle, Caption: p.Caption,
		Likes: p.Likes, Comments: p.Comments, PostedAt: p.PostedAt, Deleted: p.Deleted,
	}
}

type accountView struct {
	Platform  string     `json:"platform"`
	Handle    string     `json:"handle"`
	Followers int64      `json:"followers"`
	Following int64      `json:"following"`
	Posts     []postView `json:"posts"`
}

type seedPostInput struct {
	Caption  string `json:"caption"`
	Likes    int64  `json:"likes"`
	Comments int64  `json:"comments"`
	// PostedAt is a string so a bad time is reported as a field error, not as malformed JSON.
	PostedAt string `json:"posted_at"`
}

type accountInput struct {
	Platform  string          `json:"platform"`
	Handle    string          `json:"handle"`
	Followers int64           `json:"followers"`
	Following int64           `json:"following"`
	Posts     []seedPostInput `json:"posts"`
	// FollowerHistory is optional: [{date, followers}], oldest first.
	FollowerHistory []followerPoint `json:"follower_history"`
}

func validateAccountRef(platform, handle string, errs *fieldErrors) {
	if !slices.Contains(platforms, platform) {
		errs.add("platform", "must be one of instagram, tiktok, youtube, x, facebook")
	}
	if !handlePattern.MatchString(handle) {
		errs.add("handle", "must be 1-64 letters, digits, dots or underscores (a leading @ is ignored)")
	}
}

func validateCount(field string, n int64, errs *fieldErrors) {
	if n < 0 || n > maxCount {
		errs.add(field, "must be between 0 and 10^12")
	}
}

func validateCaption(field, caption string, errs *fieldErrors) {
	if !utf8.ValidString(caption) {
		errs.add(field, "must be valid UTF-8")
	} else if utf8.RuneCountInString(caption) > maxCaptionRunes {
		errs.add(field, fmt.Sprintf("must be at most %d characters", maxCaptionRunes))
	}
}

// POST /sandbox/social/accounts defines (or redefines) an account and its recent posts.
func (s *Sandbox) handleDefineAccount(w http.ResponseWriter, r *http.Request) {
	var in accountInput
	body, apiErr := readBody(w, r)
	if apiErr == nil {
		apiErr = decodeStrict(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	in.Platform, in.Handle = normalizePlatform(in.Platform), normalizeHandle(in.Handle)
	t := now()
	postedAt, apiErr := validateAccountInput(&in, t)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}

	base := s.publicURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	key := accountKey(in.Platform, in.Handle)
	a, ok := s.st.Accounts[key]
	if !ok {
		a = &account{Platform: in.Platform, Handle: in.Handle, CreatedAt: t}
		s.st.Accounts[key] = a
	}
	a.Followers, a.Following, a.UpdatedAt = in.Followers, in.Following, t
	a.FollowerHistory = in.FollowerHistory
	for id, p := range s.st.Posts {
		if p.Seeded && p.Platform == in.Platform && p.Handle == in.Handle {
			delete(s.st.Posts, id)
		}
	}
	for i, sp := range in.Posts {
		id := newMediaID()
		s.st.Posts[id] = &post{
			ID: id, Platform: in.Platform, Handle: in.Handle, Caption: sp.Caption,
			Likes: sp.Likes, Comments: sp.Comments, PostedAt: postedAt[i], Seeded: true,
		}
	}
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	view := accountView{Platform: a.Platform, Handle: a.Handle, Followers: a.Followers, Following: a.Following, Posts: []postView{}}
	for _, p := range s.st.livePostsLocked(a.Platform, a.Handle) {
		view.Posts = append(view.Posts, postViewOf(p, base))
	}
	s.log.Info("social account defined", "platform", a.Platform, "posts", len(view.Posts))
	writeJSON(w, http.StatusCreated, view)
}

// validateAccountInput checks the definition and resolves each post's time. Posts without a
// time are spaced an hour apart going back from now, in the order given, so a seed list reads
// newest first like the platform's feed.
func validateAccountInput(in *accountInput, t time.Time) ([]time.Time, *apiError) {
	var errs fieldErrors
	validateAccountRef(in.Platform, in.Handle, &errs)
	validateCount("followers", in.Followers, &errs)
	validateCount("following", in.Following, &errs)
	if len(in.FollowerHistory) > maxSeedPosts*10 {
		errs.add("follower_history", fmt.Sprintf("at most %d points", maxSeedPosts*10))
	}
	for i, p := range in.FollowerHistory {
		if p.Date.IsZero() || p.Followers < 0 || (i > 0 && !p.Date.After(in.FollowerHistory[i-1].Date)) {
			errs.add(fmt.Sprintf("follower_history[%d]", i), "needs a date after the previous point and followers ≥ 0")
		}
	}
	if len(in.Posts) > maxSeedPosts {
		errs.add("posts", fmt.Sprintf("at most %d posts", maxSeedPosts))
	}
	postedAt := make([]time.Time, len(in.Posts))
	for i, p := range in.Posts {
		field := fmt.Sprintf("posts[%d]", i)
		validateCaption(field+".caption", p.Caption, &errs)
		validateCount(field+".likes", p.Likes, &errs)
		validateCount(field+".comments", p.Comments, &errs)
		if p.PostedAt == "" {
			postedAt[i] = t.Add(-time.Duration(i+1) * time.Hour)
			continue
		}
		at, err := time.Parse(time.RFC3339, p.PostedAt)
		if err != nil {
			errs.add(field+".posted_at", "must be an RFC 3339 time")
			continue
		}
		postedAt[i] = at.UTC()
	}
	return postedAt, errs.err()
}

type publishInput struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
	Caption  string `json:"caption"`
	Likes    int64  `json:"likes"`
	Comments int64  `json:"comments"`
}

// POST /sandbox/social/posts publishes a post as the creator would. An unknown account is
// created with no followers so a test can publish without defining the account first.
func (s *Sandbox) handlePublishPost(w http.ResponseWriter, r *http.Request) {
	var in publishInput
	body, apiErr := readBody(w, r)
	if apiErr == nil {
		apiErr = decodeStrict(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	in.Platform, in.Handle = normalizePlatform(in.Platform), normalizeHandle(in.Handle)
	var errs fieldErrors
	validateAccountRef(in.Platform, in.Handle, &errs)
	validateCaption("caption", in.Caption, &errs)
	validateCount("likes", in.Likes, &errs)
	validateCount("comments", in.Comments, &errs)
	if e := errs.err(); e != nil {
		writeError(w, e)
		return
	}

	base := s.publicURL(r)
	t := now()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := accountKey(in.Platform, in.Handle)
	if _, ok := s.st.Accounts[key]; !ok {
		s.st.Accounts[key] = &account{Platform: in.Platform, Handle: in.Handle, CreatedAt: t, UpdatedAt: t}
	}
	p := &post{
		ID: newMediaID(), Platform: in.Platform, Handle: in.Handle, Caption: in.Caption,
		Likes: in.Likes, Comments: in.Comments, PostedAt: t,
	}
	s.st.Posts[p.ID] = p
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	s.log.Info("social post published", "platform", p.Platform, "post_id", p.ID)
	writeJSON(w, http.StatusCreated, postViewOf(p, base))
}

type editPostInput struct {
	Caption  *string `json:"caption"`
	Deleted  *bool   `json:"deleted"`
	Likes    *int64  `json:"likes"`
	Comments *int64  `json:"comments"`
}

// PATCH /sandbox/social/posts/{id} edits or deletes a post after publication; deleted:false
// restores it.
func (s *Sandbox) handleEditPost(w http.ResponseWriter, r *http.Request) {
	var in editPostInput
	body, apiErr := readBody(w, r)
	if apiErr == nil {
		apiErr = decodeStrict(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	var errs fieldErrors
	if in.Caption == nil && in.Deleted == nil && in.Likes == nil && in.Comments == nil {
		errs.add("body", "give at least one of caption, deleted, likes, comments")
	}
	if in.Caption != nil {
		validateCaption("caption", *in.Caption, &errs)
	}
	if in.Likes != nil {
		validateCount("likes", *in.Likes, &errs)
	}
	if in.Comments != nil {
		validateCount("comments", *in.Comments, &errs)
	}
	if e := errs.err(); e != nil {
		writeError(w, e)
		return
	}

	base := s.publicURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.Posts[r.PathValue("id")]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "post not found"))
		return
	}
	if in.Caption != nil {
		p.Caption = *in.Caption
	}
	if in.Deleted != nil {
		p.Deleted = *in.Deleted
	}
	if in.Likes != nil {
		p.Likes = *in.Likes
	}
	if in.Comments != nil {
		p.Comments = *in.Comments
	}
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	s.log.Info("social post edited", "post_id", p.ID, "deleted", p.Deleted)
	writeJSON(w, http.StatusOK, postViewOf(p, base))
}

var postPage = template.Must(template.New("post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>@{{.Handle}} on {{.Platform}}</title></head>
<body><article>
<header><strong>@{{.Handle}}</strong> · {{.Platform}} · <time datetime="{{.PostedAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.PostedAt.Format "2 Jan 2006 15:04 MST"}}</time></header>
<p style="white-space: pre-wrap">{{.Caption}}</p>
<footer>{{.Likes}} likes · {{.Comments}} comments</footer>
</article></body></html>
`))

// GET /sandbox/social/p/{id} is the post's public page, what the permalink opens in a browser.
func (s *Sandbox) handlePostPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.st.Posts[r.PathValue("id")]
	var snapshot post
	if ok {
		snapshot = *p
	}
	s.mu.Unlock()
	if !ok || snapshot.Deleted {
		http.Error(w, "This post isn't available.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := postPage.Execute(w, snapshot); err != nil {
		s.log.Debug("rendering post page failed", "error", err)
	}
}
