package disclosure

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// The "Public examples" table of DISCLOSURE.md, every row, verbatim.
func TestPublicExamples(t *testing.T) {
	belowFold := "Loving my new Acme sneakers for morning runs, they are light and comfy and I wore them all week through rain and sun, really great … #ad"
	require.Greater(t, utf8.RuneCountInString(belowFold[:strings.Index(belowFold, "#ad")]), 125,
		"the example's label must start past character 125")

	tests := []struct {
		caption string
		want    []string
	}{
		{"#ad Loving my new @acme sneakers for morning runs", nil},
		{"Loving my new Acme sneakers! #sp", []string{CodeMissingDisclosure, CodeAmbiguousLabel}},
		{belowFold, []string{CodeBelowFold}},
		{"Morning run in my Acme kicks #running #fitness #ad #morning #sneakers", []string{CodeBuriedInHashtags}},
		{"Sponsored: this serum changed my skin", []string{CodeBrandNotNamed}},
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			requireVerdict(t, post(tt.caption), tt.want...)
		})
	}
}

func TestPublicExamplesDetails(t *testing.T) {
	res := requireVerdict(t, post("#ad Loving my new @acme sneakers for morning runs"))
	require.Equal(t, []string{"#ad"}, res.LabelsFound)

	res = requireVerdict(t, post("Loving my new Acme sneakers! #sp"), CodeMissingDisclosure, CodeAmbiguousLabel)
	require.Equal(t, Violation{Code: CodeMissingDisclosure, Start: -1, End: -1, Message: res.Violations[0].Message}, res.Violations[0])
	require.Contains(t, res.Violations[0].Message, `Add "#ad" at the start of the caption`)
	require.Equal(t, 29, res.Violations[1].Start, "points at #sp")
	require.Equal(t, 32, res.Violations[1].End)
	require.Contains(t, res.Violations[1].Message, `"#sp"`)
	require.Empty(t, res.LabelsFound)

	res = requireVerdict(t, post("Morning run in my Acme kicks #running #fitness #ad #morning #sneakers"), CodeBuriedInHashtags)
	require.Equal(t, 47, res.Violations[0].Start)
	require.Equal(t, 50, res.Violations[0].End)

	res = requireVerdict(t, post("Sponsored: this serum changed my skin"), CodeBrandNotNamed)
	require.Equal(t, []string{"sponsored"}, res.LabelsFound)
	require.Contains(t, res.Violations[0].Message, "Acme (@acme)")
}
