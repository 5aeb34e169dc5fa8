package vetting

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseThresholds(t *testing.T) {
	d, err := ParseThresholds("")
	require.NoError(t, err)
	require.Equal(t, DefaultThresholds(), d)

	got, err := ParseThresholds(`{"clean_score": 70, "spike_growth": 0.5, "spike_window_seconds": 86400}`)
	require.NoError(t, err)
	want := DefaultThresholds()
	want.CleanScore, want.SpikeGrowth, want.SpikeWindow = 70, 0.5, 24*time.Hour
	require.Equal(t, want, got)

	for name, bad := range map[string]string{
		"unknown key":             `{"clen_score": 70}`,
		"score out of range":      `{"clean_score": 170}`,
		"negative fraction":       `{"min_topic_fit": -0.1}`,
		"critical above warning":  `{"engagement_critical": 0.8}`,
		"not an object":           `[1,2]`,
		"negative window seconds": `{"spike_window_seconds": -5}`,
	} {
		_, err := ParseThresholds(bad)
		require.Error(t, err, name)
	}
}
