package vetting

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTier(t *testing.T) {
	tests := []struct {
		followers int64
		want      string
	}{
		{-1, TierNano}, {0, TierNano}, {9_999, TierNano},
		{10_000, TierMicro}, {99_999, TierMicro},
		{100_000, TierMid}, {499_999, TierMid},
		{500_000, TierMacro}, {1_000_000, TierMacro},
		{1_000_001, TierMega}, {1 << 62, TierMega},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Tier(tt.followers), "Tier(%d)", tt.followers)
	}
}

func TestDefaultThresholdsFollowTheBenchmarks(t *testing.T) {
	th := DefaultThresholds()
	// Typical engagement falls as the audience grows; a table out of order would compare
	// creators with the wrong peers.
	rates := []float64{th.NanoEngagement, th.MicroEngagement, th.MidEngagement, th.MacroEngagement, th.MegaEngagement}
	for i := 1; i < len(rates); i++ {
		require.Less(t, rates[i], rates[i-1])
	}
	require.Less(t, th.EngagementCritical, th.EngagementWarning)
	require.Less(t, th.CommentLikeMin, th.CommentLikeMax)
}
