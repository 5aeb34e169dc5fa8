package disclosure

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// Labels hide behind punctuation, emoji, exotic spaces, styled letters and accents; none of
// that may stop them matching, and nothing may make a longer word match.
func TestUnicodeLabels(t *testing.T) {
	tests := []struct {
		name, jurisdiction, caption string
		want                        []string
	}{
		{"parentheses", "US", "(ad) @acme", ok},
		{"colon", "US", "AD: @acme", ok},
		{"trailing dot", "US", "#ad. @acme", ok},
		{"brackets", "US", "[#AD] @acme", ok},
		{"guillemets", "FR", "«publicité» @acme", ok},
		{"inverted exclamation", "ES", "¡#publi! @acme", ok},
		{"emoji both sides", "US", "🔥#ad🔥 @acme", ok},
		{"emoji with variation selector", "US", "❤️ad @acme", ok},
		{"emoji with skin tone", "US", "👉🏽#ad @acme", ok},
		{"zero-width joiner after", "US", "#ad\u200d👩 @acme", ok},
		{"soft hyphen inside", "US", "a\u00add @acme", ok},
		{"zero-width space splits", "US", "a\u200bd @acme", missing},
		{"no-break space", "US", "paid\u00a0partnership @acme", ok},
		{"narrow no-break space", "US", "paid\u202fpartnership @acme", ok},
		{"ideographic space", "US", "paid\u3000partnership @acme", ok},
		{"line break", "US", "paid\npartnership @acme", ok},
		{"fullwidth letters", "US", "ＡＤ @acme", ok},
		{"fullwidth hash", "US", "＃ad @acme", ok},
		{"mathematical bold", "US", "𝐀𝐃 @acme", ok},
		{"mathematical sans-serif hashtag", "DE", "#𝖶𝖾𝗋𝖻𝗎𝗇𝗀 @acme", ok},
		{"upper case", "DE", "WERBUNG @acme", ok},
		{"accented upper case", "FR", "PUBLICITÉ @acme", ok},
		{"decomposed accent", "FR", "Publicite\u0301 @acme", ok},
		{"decomposed accent in hashtag", "FR", "#publicite\u0301 @acme", ok},
		{"accent does not vanish", "ES", "publicídad @acme", missing},
		{"hashtag is whole", "US", "#adventure @acme", missing},
		{"word is whole", "US", "bad @acme", missing},
		{"letter before hash", "US", "bad#ad @acme", ok}, // platforms link "#ad" here too
		{"invalid UTF-8 around", "US", "\xff#ad\xfe @acme", ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := in(tt.jurisdiction, tt.caption)
			requireVerdict(t, i, tt.want...)
		})
	}
}

// "name@host" is an e-mail address, not a mention of @host.
func TestEmailIsNotAMention(t *testing.T) {
	i := post("#ad write to hi@acmerunning")
	i.BrandName, i.BrandHandles = "", []string{"@acmerunning"}
	requireVerdict(t, i, CodeBrandNotNamed)
}

func TestTokenPositionsAreRunes(t *testing.T) {
	var sc scratch
	lead := sc.tokenize("\u00a0 Héllo 🔥#Ad, @Acme.co-op paid-partnership")
	require.Equal(t, 2, lead)
	type tok struct {
		kind               tokenKind
		body               string
		start, end         int
		joinPrev, joinNext bool
	}
	var got []tok
	for i := range sc.toks {
		tk := &sc.toks[i]
		got = append(got, tok{tk.kind, string(sc.body(tk)), tk.start, tk.end, tk.joinPrev, tk.joinNext})
	}
	require.Equal(t, []tok{
		{kindWord, "héllo", 2, 7, false, false},
		{kindHashtag, "ad", 9, 12, false, false},
		{kindMention, "acme.co", 14, 22, false, true},
		{kindWord, "op", 23, 25, true, false},
		{kindWord, "paid", 26, 30, false, true},
		{kindWord, "partnership", 31, 42, true, false},
	}, got)
}

// foldRune must give every member of a Unicode case-folding orbit the same value, or a label
// written with, say, the Kelvin sign or a long s would slip through.
func TestFoldRuneIsOrbitInvariant(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := foldRune(r)
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if got := foldRune(f); got != want {
				t.Fatalf("foldRune(%U) = %U but foldRune(%U) = %U", r, want, f, got)
			}
		}
	}
	require.Equal(t, 'k', foldRune('\u212a'))
	require.Equal(t, 's', foldRune('ſ'))
	require.Equal(t, 'σ', foldRune('ς'))
	require.Equal(t, 'é', foldRune('É'))
}
