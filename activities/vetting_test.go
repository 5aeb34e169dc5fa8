package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/store"
	"github.com/partnerflow/partnerflow/vetting"
)

const (
	engagedAccount = `{"platform":"%s","handle":"%s","followers":12000,"following":300,"posts":[
		{"caption":"trail running at dawn #running","likes":900,"comments":40},
		{"caption":"marathon shoes review #running","likes":820,"comments":35},
		{"caption":"new shoes for the long run #running","likes":760,"comments":30}]}`
	// 300k followers who do not react: what bought followers look like.
	boughtAccount = `{"platform":"%s","handle":"%s","followers":300000,"following":250,"posts":[
		{"caption":"trail running at dawn #running","likes":28,"comments":2},
		{"caption":"marathon shoes review #running","likes":25,"comments":2},
		{"caption":"new shoes for the long run #running","likes":30,"comments":1}]}`
)

func vetReport(t *testing.T, out activities.VetOutput) vetting.Combined {
	t.Helper()
	var c vetting.Combined
	require.NoError(t, json.Unmarshal(out.Report, &c))
	require.Equal(t, c.Clean, out.Clean)
	require.Equal(t, vetting.DefaultThresholds().CleanScore, out.CleanScore, "the score a clean report needs, for the brand's e-mail")
	return c
}

// TestVetCreatorAccountsVetsEveryAccount: every account is read and assessed; a flagged or
// missing second account makes the report unclean and names that account, while the top of
// the report keeps the primary account's figures.
func TestVetCreatorAccountsVetsEveryAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(engagedAccount, "instagram", "maya"))
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(engagedAccount, "youtube", "mayaruns"))
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(boughtAccount, "tiktok", "maya.tt"))
	in := func(accounts ...activities.VetAccount) activities.VetAccountsInput {
		return activities.VetAccountsInput{Accounts: accounts, Keywords: []string{"running"}}
	}
	ig := activities.VetAccount{Platform: "instagram", Handle: "maya"}

	t.Run("all clean", func(t *testing.T) {
		out, err := e.acts.VetCreatorAccounts(ctx, in(ig, activities.VetAccount{Platform: "youtube", Handle: "mayaruns"}))
		require.NoError(t, err)
		c := vetReport(t, out)
		require.True(t, c.Clean, c.Explanation)
		require.Len(t, c.Accounts, 2)
		require.Equal(t, []string{"instagram", "youtube"}, []string{c.Accounts[0].Platform, c.Accounts[1].Platform})
		require.Equal(t, "instagram", c.Platform)
		require.Equal(t, int64(12000), c.Followers)
	})

	t.Run("second account flagged", func(t *testing.T) {
		out, err := e.acts.VetCreatorAccounts(ctx, in(ig, activities.VetAccount{Platform: "tiktok", Handle: "maya.tt"}))
		require.NoError(t, err)
		c := vetReport(t, out)
		require.False(t, c.Clean, "the TikTok audience is bought: %s", c.Explanation)
		require.True(t, c.Accounts[0].Clean)
		require.False(t, c.Accounts[1].Clean)
		require.Equal(t, "instagram", c.Platform, "the top keeps the primary account's figures")
		require.Equal(t, int64(12000), c.Followers)
		require.Equal(t, int64(300000), c.Accounts[1].Followers)
		require.Contains(t, flagsOn(c, "tiktok"), vetting.CodeEngagementFarBelowTier)
		require.Empty(t, flagsOn(c, "instagram"))
	})

	t.Run("second account missing", func(t *testing.T) {
		out, err := e.acts.VetCreatorAccounts(ctx, in(ig, activities.VetAccount{Platform: "tiktok", Handle: "nobody"},
			activities.VetAccount{Platform: "x"}))
		require.NoError(t, err, "a missing account is a flag, not a failure")
		c := vetReport(t, out)
		require.False(t, c.Clean)
		require.Empty(t, c.Error, "the primary account was read")
		require.Equal(t, []string{vetting.CodeAccountNotFound}, flagsOn(c, "tiktok"))
		require.Equal(t, []string{vetting.CodeAccountNotFound}, flagsOn(c, "x"))
		require.Contains(t, c.Accounts[1].Error, `no tiktok account "nobody" at the social provider`)
		require.Contains(t, c.Accounts[2].Error, "no x account on record")
	})

	t.Run("primary account missing", func(t *testing.T) {
		out, err := e.acts.VetCreatorAccounts(ctx, in(activities.VetAccount{Platform: "instagram", Handle: "nobody"}, ig))
		require.NoError(t, err)
		c := vetReport(t, out)
		require.False(t, c.Clean)
		require.Contains(t, c.Error, `no instagram account "nobody"`, "error, as a missing account's report always had")
	})
}

// TestVetCreatorAccountsRefusedAccount: an account the social provider refuses for good
// (4xx other than 404, 408 and 429) is vetted as missing, with the refusal as its reason, and
// the other accounts keep their figures, so a brand manager decides on the whole report. The
// primary account's refusal is no different (report.error says so, as for a primary account
// the provider does not know). A failure worth retrying (5xx, 408, 429) fails the activity so
// that Temporal retries it.
func TestVetCreatorAccountsRefusedAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(engagedAccount, "instagram", "maya"))
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(engagedAccount, "tiktok", "maya.tt"))
	in := activities.VetAccountsInput{Keywords: []string{"running"},
		Accounts: []activities.VetAccount{{Platform: "instagram", Handle: "maya"}, {Platform: "tiktok", Handle: "maya.tt"}}}
	refuse := func(t *testing.T, status int, path string) {
		e.send(t, http.MethodPut, "/sandbox/faults",
			fmt.Sprintf(`{"social":{"error_rate":1,"status":%d,"path_prefix":%q}}`, status, "/social/v1/accounts/"+path))
		t.Cleanup(func() { e.send(t, http.MethodPut, "/sandbox/faults", `{}`) })
	}

	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnavailableForLegalReasons} {
		t.Run(fmt.Sprintf("second account refused %d", status), func(t *testing.T) {
			refuse(t, status, "tiktok/maya.tt")
			out, err := e.acts.VetCreatorAccounts(ctx, in)
			require.NoError(t, err, "a refused account is a flag, not a failure")
			c := vetReport(t, out)
			require.False(t, c.Clean)
			require.Empty(t, c.Error, "the primary account was read")
			require.Equal(t, "instagram", c.Platform)
			require.Equal(t, int64(12000), c.Followers, "the primary account's figures survive")
			require.True(t, c.Accounts[0].Clean)
			require.Equal(t, []string{"tiktok", "maya.tt"}, []string{c.Accounts[1].Platform, c.Accounts[1].Handle})
			require.Contains(t, c.Accounts[1].Error, fmt.Sprintf(`the social provider refused the tiktok account "maya.tt": social get account: %d`, status))
			require.Equal(t, []string{vetting.CodeAccountUnavailable}, flagsOn(c, "tiktok"))
		})
	}

	t.Run("primary account refused", func(t *testing.T) {
		refuse(t, http.StatusForbidden, "instagram/maya")
		out, err := e.acts.VetCreatorAccounts(ctx, in)
		require.NoError(t, err)
		c := vetReport(t, out)
		require.False(t, c.Clean)
		require.Equal(t, "instagram", c.Platform)
		require.Contains(t, c.Error, `the social provider refused the instagram account "maya"`, "report.error, as for a missing primary account")
		require.Equal(t, []string{vetting.CodeAccountUnavailable}, flagsOn(c, "instagram"))
		require.True(t, c.Accounts[1].Clean)
		require.Equal(t, int64(12000), c.Accounts[1].Followers, "the other account's figures survive")
	})

	t.Run("our credentials refused", func(t *testing.T) {
		refuse(t, http.StatusUnauthorized, "tiktok/maya.tt")
		_, err := e.acts.VetCreatorAccounts(ctx, in)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, "a 401 is about us, not the account: the vetting fails as a whole")
		require.Equal(t, providers.ErrTypeRejected, appErr.Type())
	})

	for _, status := range []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprintf("second account failing %d", status), func(t *testing.T) {
			refuse(t, status, "tiktok/maya.tt")
			_, err := e.acts.VetCreatorAccounts(ctx, in)
			require.Error(t, err, "worth retrying: the activity fails and Temporal retries it")
			var appErr *temporal.ApplicationError
			require.False(t, errors.As(err, &appErr) && appErr.NonRetryable(), "retryable: %v", err)
		})
	}
}

// flagsOn lists the codes of the report's flags about the account on platform.
func flagsOn(c vetting.Combined, platform string) []string {
	codes := []string{}
	for _, f := range c.Flags {
		if f.Platform == platform {
			codes = append(codes, f.Code)
		}
	}
	return codes
}

// TestVetCreatorAccountsFlagsSharedAccount is the impersonation found in review: a second
// creator registers a known creator's Instagram handle (spelled "@Maya") under another brand.
// Until then Maya's vetting is clean; from then on the Instagram account's report has a
// critical account_shared flag, for either creator, that names the account and not the other
// creator, so it never auto-approves; the TikTok account, registered once, stays clean. The
// one-account vetting of partnerships started before every account was vetted says the same.
func TestVetCreatorAccountsFlagsSharedAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(engagedAccount, "instagram", "maya"))
	e.post(t, "/sandbox/social/accounts", fmt.Sprintf(engagedAccount, "tiktok", "maya.tt"))
	creator := func(id, brand, accounts string) {
		t.Helper()
		now := time.Now().UTC()
		require.NoError(t, e.st.CreateCreator(ctx, &store.Creator{ID: id, Name: "Maya " + id, Email: id + "@example.com", Country: "US",
			Accounts: store.JSON(accounts), CreatedByBrandID: brand, CreatedAt: now, UpdatedAt: now}, byAdmin))
	}
	in := activities.VetAccountsInput{Keywords: []string{"running"},
		Accounts: []activities.VetAccount{{Platform: "instagram", Handle: "maya"}, {Platform: "tiktok", Handle: "maya.tt"}}}

	creator("real-maya", "b1", `[{"platform":"instagram","handle":"maya"},{"platform":"tiktok","handle":"maya.tt"}]`)
	out, err := e.acts.VetCreatorAccounts(ctx, in)
	require.NoError(t, err)
	require.True(t, vetReport(t, out).Clean, "registered once: %s", vetReport(t, out).Explanation)

	creator("impostor", "b2", `[{"platform":"instagram","handle":"@Maya"}]`)
	out, err = e.acts.VetCreatorAccounts(ctx, in)
	require.NoError(t, err)
	c := vetReport(t, out)
	require.False(t, c.Clean)
	require.Equal(t, []string{vetting.CodeAccountShared}, flagsOn(c, "instagram"))
	require.Empty(t, flagsOn(c, "tiktok"))
	require.False(t, c.Accounts[0].Clean)
	require.True(t, c.Accounts[1].Clean)
	require.Equal(t, vetting.SeverityCritical, c.Flags[0].Severity)
	require.Equal(t, "instagram @maya: The instagram account @maya is also registered to another creator: make sure this creator owns it before they are paid for its posts.",
		c.Flags[0].Message)
	for _, other := range []string{"impostor", "real-maya", "b1", "b2"} {
		require.NotContains(t, string(out.Report), other, "the report never names the other creator")
	}

	one, err := e.acts.VetCreator(ctx, activities.VetInput{Platform: "instagram", Handle: "MAYA", Keywords: []string{"running"}})
	require.NoError(t, err)
	var r vetting.Report
	require.NoError(t, json.Unmarshal(one.Report, &r))
	require.False(t, one.Clean)
	require.Equal(t, vetting.CodeAccountShared, r.Flags[len(r.Flags)-1].Code)
}
