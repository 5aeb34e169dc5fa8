package vetting

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTermMatching(t *testing.T) {
	tests := []struct {
		term, caption string
		want          bool
	}{
		{"running", "Morning RUNNING session", true},
		{"running", "love #Running!", true},
		{"#running", "running late", true},
		{"running", "#runningshoes", false},
		{"running", "runnings", false},
		{"running", "@running club", false}, // a handle is not a topic
		{"trail running", "Trail running today", true},
		{"trail running", "trail-running today", true},
		{"trail running", "#TrailRunning", true},
		{"trail running", "running trail", false},
		{"trail running", "#trail #running", false},
		{"café", "Best CAFÉ in town", true},
		{"meth", "my method", false},
		{"nazi", "neo-nazi rally", true},
		{"nsfw", "🔞NSFW🔞", true},
		{"white power", "white\u00a0power", true},
	}
	for _, tt := range tests {
		terms := newTerms([]string{tt.term})
		require.Len(t, terms, 1)
		require.Equal(t, tt.want, terms[0].in(splitWords(tt.caption)), "%q in %q", tt.term, tt.caption)
	}
}

func TestNewTermsDropsBlanksAndDuplicates(t *testing.T) {
	terms := newTerms([]string{"Running", " ", "#running", "", "trail  running", "Trail Running"})
	require.Equal(t, []string{"Running", "trail  running"}, termLabels(terms))
}

func termLabels(terms []term) []string {
	out := []string{}
	for _, t := range terms {
		out = append(out, t.label)
	}
	return out
}

func TestFormatting(t *testing.T) {
	require.Equal(t, "1,234,567", count(1_234_567))
	require.Equal(t, "999", count(999))
	require.Equal(t, "-1,000", count(-1_000))
	require.Equal(t, "1.75%", percent(0.0175))
	require.Equal(t, "4.5%", percent(0.045))
	require.Equal(t, "0%", percent(0))
	require.Equal(t, "under 0.01%", percent(0.00001))
	require.Equal(t, "1.8 times", relative(1.8))
	require.Equal(t, "in line with", relative(1.0))
	require.Equal(t, "30% of", relative(0.3))
}
