package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/activities"
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
