package vetting

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAssessNamesTheAccountOnEveryFlag(t *testing.T) {
	r := Assess(boughtFollowers, running, DefaultThresholds())
	require.NotEmpty(t, r.Flags)
	for _, f := range r.Flags {
		require.Equal(t, "instagram", f.Platform, "%+v", f)
		require.Equal(t, "instantfame", f.Handle, "%+v", f)
	}
}

// TestCombine: the primary account's figures stay where a one-account report has them; the
// flags, score and verdict cover every account; each account's own report is kept.
func TestCombine(t *testing.T) {
	th := DefaultThresholds()
	primary := Assess(cleanMicro, running, th)
	bought := boughtFollowers
	bought.Platform = "tiktok"
	second := Assess(bought, running, th)
	require.True(t, primary.Clean, primary.Explanation)
	require.False(t, second.Clean)

	c := Combine([]Report{primary, second})
	require.Equal(t, "instagram", c.Platform)
	require.Equal(t, primary.Handle, c.Handle)
	require.Equal(t, primary.Followers, c.Followers)
	require.Equal(t, primary.Tier, c.Tier)
	require.Equal(t, primary.EngagementRate, c.EngagementRate)
	require.False(t, c.Clean, "a flagged second account makes the whole report unclean")
	require.Equal(t, min(primary.Score, second.Score), c.Score)
	require.Len(t, c.Flags, len(primary.Flags)+len(second.Flags))
	var tiktok int
	for _, f := range c.Flags {
		if f.Platform == "tiktok" {
			tiktok++
			require.Contains(t, f.Message, "tiktok @instantfame: ")
		}
	}
	require.Equal(t, len(second.Flags), tiktok)
	require.Equal(t, []Report{primary, second}, c.Accounts)
	require.Contains(t, c.Explanation, "2 accounts were vetted")
	require.Contains(t, c.Explanation, "must review tiktok @instantfame.")
	require.Empty(t, c.Error)

	// The JSON keeps a one-account report's keys at the top and adds the accounts.
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	for _, k := range []string{"platform", "handle", "followers", "tier", "engagement_rate", "flags", "score", "clean", "explanation", "accounts"} {
		require.Contains(t, doc, k)
	}
	require.NotContains(t, doc, "error")
	require.Len(t, doc["accounts"], 2)

	// Both clean: clean, and with one account the report reads as that account's.
	both := Combine([]Report{primary, primary})
	require.True(t, both.Clean)
	require.Contains(t, both.Explanation, "Every account is clean")
	one := Combine([]Report{primary})
	require.Equal(t, primary, one.Report)
	require.Equal(t, []Report{primary}, one.Accounts)
}

// TestCombineMissingAccount: an account the provider does not know is a critical flag naming
// it, on the primary platform (which also sets error, as before) or on another.
func TestCombineMissingAccount(t *testing.T) {
	primary := Assess(cleanMicro, running, DefaultThresholds())
	missing := Missing("tiktok", "maya.tt", `no tiktok account "maya.tt" at the social provider`)
	require.False(t, missing.Clean)
	require.Equal(t, []Flag{{Code: CodeAccountNotFound, Severity: SeverityCritical, Platform: "tiktok", Handle: "maya.tt",
		Message: `The tiktok account could not be vetted (no tiktok account "maya.tt" at the social provider), so nothing about the audience there can be measured.`}},
		missing.Flags)
	require.NotNil(t, missing.MatchedKeywords)
	require.NotNil(t, missing.BrandSafetyTerms)

	c := Combine([]Report{primary, missing})
	require.False(t, c.Clean)
	require.Empty(t, c.Error, "the primary account was assessed")
	require.Equal(t, CodeAccountNotFound, c.Flags[len(c.Flags)-1].Code)
	require.Equal(t, "tiktok", c.Flags[len(c.Flags)-1].Platform)
	require.Equal(t, 0, c.Score)

	first := Combine([]Report{missing, primary})
	require.False(t, first.Clean)
	require.Equal(t, "tiktok", first.Platform)
	require.Contains(t, first.Error, "no tiktok account")

	require.Equal(t, "Not vetted: the x account (no account). A brand manager must review this account before the partnership goes on.",
		Missing("x", "", "no account").Explanation)
}
