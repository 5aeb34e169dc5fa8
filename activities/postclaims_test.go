package activities_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/internal/testdb"
	"github.com/partnerflow/partnerflow/store"
)

// TestVerifyPostCountsOnceAcrossPartnerships is the fault found in testing: partnerships P9
// and P8, both Acme × Maya; P9's post is verified (its fee payable), then Maya edits that
// post's caption to carry P8's code and submits it for P8, which verified it and paid for
// the post a second time. The post now counts for P9's deliverable only, on either database.
func TestVerifyPostCountsOnceAcrossPartnerships(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, e env) {
		ctx := context.Background()
		e.partnerships(t, "p9", "p8")
		const approved = "#ad my @acme shoes"
		e.post(t, "/sandbox/social/accounts", `{"platform":"instagram","handle":"maya","followers":1000,"following":10,"posts":[]}`)
		res, err := http.Post(e.sb+"/sandbox/social/posts", "application/json",
			strings.NewReader(`{"platform":"instagram","handle":"maya","caption":"`+approved+`, code MAYA9"}`))
		require.NoError(t, err)
		var post struct{ URL, ID string }
		require.NoError(t, decode(res, &post))

		p9 := activities.VerifyInput{URL: post.URL, Handle: "maya", Platform: "instagram", ApprovedCaption: approved + ", code MAYA9",
			DiscountCode: "MAYA9", PartnershipID: "p9", DeliverableID: "d1", Cycle: 1,
			Disclosure: activities.DisclosureInput{Platform: "instagram", Format: "post", Jurisdiction: "US", BrandName: "Acme", BrandHandles: []string{"@acme"}}}
		verify := func(in activities.VerifyInput) []string {
			t.Helper()
			rep, err := e.acts.VerifyPost(ctx, in)
			require.NoError(t, err)
			require.Equal(t, len(rep.Reasons) == 0, rep.Verified)
			require.Equal(t, post.ID, rep.MediaID)
			return rep.Reasons
		}
		require.Empty(t, verify(p9), "P9's post verifies")
		require.Empty(t, verify(p9), "and again: an activity retry or a re-verification")

		// Maya puts P8's code in the same post (as P8's approved draft has it) and submits it
		// for P8's deliverable.
		e.send(t, http.MethodPatch, "/sandbox/social/posts/"+post.ID, `{"caption":"`+approved+`, code MAYA9 MAYA8"}`)
		p8 := p9
		p8.PartnershipID, p8.DiscountCode, p8.ApprovedCaption = "p8", "MAYA8", approved+", code MAYA9 MAYA8"
		require.Equal(t, []string{activities.ReasonPostReused}, verify(p8), "P8 is refused the post P9 counted")
		require.Equal(t, []string{activities.ReasonPostReused}, verify(p8), "every time")
		// Failing on other counts too, it says so as well (and claims nothing).
		p8.DiscountCode = "MAYA88X"
		require.Equal(t, []string{activities.ReasonNoCodeOrLink, activities.ReasonPostReused}, verify(p8))

		// P9's post no longer reads as approved.
		require.Equal(t, []string{activities.ReasonCaptionMismatch}, verify(p9))
		e.send(t, http.MethodPatch, "/sandbox/social/posts/"+post.ID, `{"caption":"`+approved+`, code MAYA9"}`)

		// The same post for another deliverable of P9, or for its deliverable in a later
		// ambassador cycle, is refused too; OtherMediaIDs is not needed for it.
		d2 := p9
		d2.DeliverableID = "d2"
		require.Equal(t, []string{activities.ReasonPostReused}, verify(d2))
		next := p9
		next.Cycle = 2
		require.Equal(t, []string{activities.ReasonPostReused}, verify(next))

		// P9's re-check after all that still passes: its own claim does not refuse it.
		require.Empty(t, verify(p9), "the re-check")
		held, err := e.st.GetPostClaim(ctx, "instagram", post.ID)
		require.NoError(t, err)
		require.Equal(t, store.PostClaim{Platform: "instagram", MediaID: post.ID, PostURL: post.URL,
			PartnershipID: "p9", DeliverableID: "d1", Cycle: 1, ClaimedAt: held.ClaimedAt}, held)

		// P9 taken down, then restored: the compliance hold's fix verifies (same claim).
		e.send(t, http.MethodPatch, "/sandbox/social/posts/"+post.ID, `{"caption":"my shoes, code MAYA9"}`)
		require.Contains(t, verify(p9), activities.ReasonDisclosure)
		require.NotContains(t, verify(p9), activities.ReasonPostReused)
		e.send(t, http.MethodPatch, "/sandbox/social/posts/"+post.ID, `{"caption":"`+approved+`, code MAYA9"}`)
		require.Empty(t, verify(p9))

		// A new post of Maya's for P8 is P8's to claim.
		res, err = http.Post(e.sb+"/sandbox/social/posts", "application/json",
			strings.NewReader(`{"platform":"instagram","handle":"maya","caption":"`+approved+`, code MAYA8"}`))
		require.NoError(t, err)
		require.NoError(t, decode(res, &post))
		p8.URL, p8.DiscountCode, p8.ApprovedCaption = post.URL, "MAYA8", approved+", code MAYA8"
		require.Empty(t, verify(p8))
	})
}

// A post that fails some other check is not claimed: it never counted, so another
// partnership may still verify it.
func TestVerifyPostClaimsOnlyAPassingPost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.partnerships(t, "p1", "p2")
	e.post(t, "/sandbox/social/accounts", `{"platform":"instagram","handle":"maya","followers":1000,"following":10,"posts":[]}`)
	res, err := http.Post(e.sb+"/sandbox/social/posts", "application/json",
		strings.NewReader(`{"platform":"instagram","handle":"maya","caption":"#ad my @acme shoes, code MAYA2"}`))
	require.NoError(t, err)
	var post struct{ URL, ID string }
	require.NoError(t, decode(res, &post))
	in := activities.VerifyInput{URL: post.URL, Handle: "maya", Platform: "instagram", ApprovedCaption: "#ad my @acme shoes, code MAYA2",
		DiscountCode: "MAYA1", PartnershipID: "p1", DeliverableID: "d1", Cycle: 1,
		Disclosure: activities.DisclosureInput{Platform: "instagram", Format: "post", Jurisdiction: "US", BrandName: "Acme", BrandHandles: []string{"@acme"}}}
	rep, err := e.acts.VerifyPost(ctx, in)
	require.NoError(t, err)
	require.Equal(t, []string{activities.ReasonNoCodeOrLink}, rep.Reasons)
	_, err = e.st.GetPostClaim(ctx, "instagram", post.ID)
	require.ErrorIs(t, err, store.ErrNotFound)

	in.PartnershipID, in.DiscountCode = "p2", "MAYA2"
	rep, err = e.acts.VerifyPost(ctx, in)
	require.NoError(t, err)
	require.True(t, rep.Verified, "%v", rep.Reasons)

	// An input scheduled before the claim's fields existed claims and checks nothing.
	in.PartnershipID, in.DeliverableID, in.Cycle = "", "", 0
	rep, err = e.acts.VerifyPost(ctx, in)
	require.NoError(t, err)
	require.True(t, rep.Verified, "%v", rep.Reasons)
}

// onBothDatabases runs test on an env over SQLite and over a fresh PostgreSQL database.
func onBothDatabases(t *testing.T, test func(t *testing.T, e env)) {
	dbs := map[string]func(t *testing.T) store.Config{
		"sqlite":   func(t *testing.T) store.Config { return store.Config{SQLitePath: filepath.Join(t.TempDir(), "app.db")} },
		"postgres": func(t *testing.T) store.Config { return store.Config{URL: testdb.PostgresURL(t)} },
	}
	for name, cfg := range dbs {
		t.Run(name, func(t *testing.T) { test(t, newEnvOn(t, cfg(t))) })
	}
}

// partnerships adds a campaign of brand b1 and partnerships with creator c1 under ids.
func (e env) partnerships(t *testing.T, ids ...string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, e.st.CreateCampaign(ctx, &store.Campaign{ID: "camp1", BrandID: "b1", Name: "Spring", Settings: store.JSON(`{}`), CreatedAt: now}))
	for _, id := range ids {
		require.NoError(t, e.st.CreatePartnership(ctx, &store.Partnership{ID: id, BrandID: "b1", CampaignID: "camp1", CreatorID: "c1",
			Stage: "publishing", State: store.JSON(`{}`), CreatedAt: now, UpdatedAt: now}))
	}
}
