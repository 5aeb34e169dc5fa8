package vetting

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSharedAccountIsNeverClean: a clean report whose account another creator registered too
// gets a critical account_shared flag naming the account and not the other creator, is not
// clean, and reads as Assess would have written it with that flag: the score pays a critical
// flag's points and the explanation asks for a review. The report it came from is unchanged.
func TestSharedAccountIsNeverClean(t *testing.T) {
	th := DefaultThresholds()
	clean := Assess(cleanMicro, running, th)
	require.True(t, clean.Clean, clean.Explanation)
	flagsBefore := len(clean.Flags)

	r := Shared(clean, running, th)
	require.False(t, r.Clean)
	require.Equal(t, Flag{Code: CodeAccountShared, Severity: SeverityCritical, Platform: "instagram", Handle: "trailjess",
		Message: "The instagram account @trailjess is also registered to another creator: make sure this creator owns it before they are paid for its posts."},
		r.Flags[len(r.Flags)-1])
	require.Len(t, r.Flags, flagsBefore+1)
	require.Equal(t, max(0, clean.Score-int(penaltyCritical)), r.Score)
	require.Contains(t, r.Explanation, "Needs review: The instagram account @trailjess is also registered to another creator")
	require.Contains(t, r.Explanation, "a brand manager must review the findings above")
	require.NotContains(t, r.Explanation, "clean, so the partnership can advance")
	require.Equal(t, clean.Followers, r.Followers, "the figures stay")
	require.True(t, clean.Clean, "the report given is not changed")
	require.Len(t, clean.Flags, flagsBefore)

	// Combined with a clean second account, the partnership's report is not clean and the
	// flag names its account, as every account's flags do.
	c := Combine([]Report{r, clean})
	require.False(t, c.Clean)
	require.Contains(t, c.Explanation, "must review instagram @trailjess")
	var shared []Flag
	for _, f := range c.Flags {
		if f.Code == CodeAccountShared {
			shared = append(shared, f)
		}
	}
	require.Len(t, shared, 1)
	require.Contains(t, shared[0].Message, "instagram @trailjess: The instagram account @trailjess is also registered")
}

// TestSharedMissingAccount: an account the provider does not know may still be registered
// twice; it keeps its zero score and reason, with both flags.
func TestSharedMissingAccount(t *testing.T) {
	missing := Missing("tiktok", "maya.tt", `no tiktok account "maya.tt" at the social provider`)
	r := Shared(missing, running, DefaultThresholds())
	require.False(t, r.Clean)
	require.Equal(t, 0, r.Score)
	require.Equal(t, missing.Error, r.Error)
	require.Equal(t, []string{CodeAccountNotFound, CodeAccountShared}, []string{r.Flags[0].Code, r.Flags[1].Code})
	require.Contains(t, r.Explanation, "Not vetted: tiktok @maya.tt")
	require.Contains(t, r.Explanation, "The tiktok account @maya.tt is also registered to another creator")
}
