package vetting

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/providers"
)

func history(points ...int64) []providers.FollowerCount {
	out := make([]providers.FollowerCount, len(points))
	for i, f := range points {
		out[i] = providers.FollowerCount{Date: newest.AddDate(0, 0, -3*(len(points)-1-i)), Followers: f}
	}
	return out
}

func TestFollowerSpike(t *testing.T) {
	cases := []struct {
		name    string
		history []providers.FollowerCount
		spike   bool
	}{
		{"no history", nil, false},
		{"steady organic growth", history(20_000, 20_600, 21_300, 22_000, 25_000), false},
		{"bought burst: +60% in 3 days", history(15_000, 15_300, 24_500, 25_000), true},
		{"big relative jump but only a few hundred followers", history(500, 900, 950), false},
		{"the same jump spread over a month", []providers.FollowerCount{
			{Date: newest.AddDate(0, -1, 0), Followers: 15_000}, {Date: newest, Followers: 25_000}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := cleanMicro
			p.FollowerHistory = tc.history
			r := Assess(p, running, DefaultThresholds())
			got := hasFlag(r, CodeFollowerSpike)
			require.Equal(t, tc.spike, got, "flags: %+v", r.Flags)
			if tc.spike {
				require.False(t, r.Clean, "a follower spike waits for the brand's decision")
			} else {
				require.True(t, r.Clean)
			}
		})
	}
	disabled := DefaultThresholds()
	disabled.SpikeGrowth = 0
	p := cleanMicro
	p.FollowerHistory = history(15_000, 30_000)
	require.False(t, hasFlag(Assess(p, running, disabled), CodeFollowerSpike))
}

func hasFlag(r Report, code string) bool {
	for _, f := range r.Flags {
		if f.Code == code {
			return true
		}
	}
	return false
}
