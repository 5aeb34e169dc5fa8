package disclosure

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
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

// The fold is counted in characters as people see them (grapheme clusters), not in runes: the
// same visible caption must get the same verdict in NFC and NFD, with emoji sequences, flags
// and Windows line breaks. Each caption puts "#ad" on the last visible character (125 on
// Instagram, 100 on TikTok), although 130–600 runes in; one character more puts it past.
func TestBelowFoldCountsCharacters(t *testing.T) {
	runner := "🏃🏽\u200d♀️" // one character, five runes
	tests := []struct {
		name, platform, caption string
	}{
		{"precomposed accents", "instagram", "Acme " + strings.Repeat("é", 118) + " #ad"},
		{"decomposed accents", "instagram", "Acme " + strings.Repeat("e\u0301", 118) + " #ad"},
		{"emoji ZWJ sequence with skin tone", "instagram", "Acme " + strings.Repeat(runner, 118) + " #ad"},
		{"flags", "instagram", "Acme " + strings.Repeat("🇺🇸", 118) + " #ad"},
		{"keycaps", "instagram", "Acme " + strings.Repeat("1\ufe0f\u20e3", 118) + " #ad"},
		{"CRLF line breaks", "instagram", "Acme" + strings.Repeat("\r\n", 4) + strings.Repeat("x", 115) + " #ad"},
		{"tiktok", "tiktok", "Acme " + strings.Repeat(runner, 93) + " #ad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := post(tt.caption)
			i.Platform = tt.platform
			requireVerdict(t, i)

			// One character more and the label is past the fold; the message counts
			// characters while Start stays a rune offset.
			i.Caption = "🔥" + i.Caption
			res := requireVerdict(t, i, CodeBelowFold)
			fold := platforms[tt.platform].visible
			require.Contains(t, res.Violations[0].Message, "starts at character "+strconv.Itoa(fold+1)+",")
			require.Equal(t, utf8.RuneCountInString(i.Caption)-3, res.Violations[0].Start)
		})
	}
}

// characters agrees with uniseg's own count, which walks the whole string.
func TestCharacters(t *testing.T) {
	for _, s := range []string{
		"", "a", "ab", "\r\n", "\r\r\n\n", "a\r\nb", "e\u0301", "ae\u0301\u0301x", "🏃🏽\u200d♀️ok",
		"🇺🇸🇩🇪🇫", "x🇺🇸🇩", "1\ufe0f\u20e3", "\xff\xfe", "a\xffe\u0301", "\u0301\u0301", "👩\u200d👩\u200d👧",
		"한국어", "नमस्ते", "a\u200db", " \u0301#ad",
	} {
		require.Equal(t, uniseg.GraphemeClusterCount(s), characters(s), "%q", s)
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
