package disclosure

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/stretchr/testify/require"
)

// FuzzCheck feeds arbitrary captions, brands and settings to Check. Properties: it never
// panics or errors on supported settings; results are well formed and deterministic (also
// across pooled buffers reused by another caption); and surrounding whitespace changes
// nothing but the offsets, which shift by the runes added in front.
func FuzzCheck(f *testing.F) {
	seeds := []string{
		"#ad Loving my new @acme sneakers for morning runs",
		"Loving my new Acme sneakers! #sp",
		"Loving my new Acme sneakers for morning runs, they are light and comfy and I wore them all week through rain and sun, really great … #ad",
		"Morning run in my Acme kicks #running #fitness #ad #morning #sneakers",
		"Sponsored: this serum changed my skin",
		"🔥#ad🔥 paid\u00a0partnership with Acme",
		"Publicite\u0301 — collaboration commerciale avec @acme.fr",
		"#a#b#ad-free #ad @ACME.",
		"\xff\xfe#\u0301ad@@acme",
		"Thanks to Blue Bottle for the free product",
		"Acme (see acme.com/shop?utm_medium=ad#ad), ad-team@acme.com, https://acme.de/werbung. wow.great ad",
		"Acme " + strings.Repeat("e\u0301🏃🏽\u200d♀️🇺🇸\r\n", 30) + " #ad",
		"",
	}
	for i, s := range seeds {
		f.Add(s, "Acme", "@acme", uint8(i), uint8(i), uint8(i), uint8(i))
	}
	f.Add("gifted by ben & jerry's #BenJerrysPartner", "Ben & Jerry's", "", uint8(4), uint8(0), uint8(3), uint8(7))
	f.Add("#blue_bottle_partner #BlueBottle_Coffee_Partner #BB_partner", "Blue Bottle", "@bb", uint8(4), uint8(1), uint8(0), uint8(0))

	jurisdictions, platformNames, formatNames := Jurisdictions(), Platforms(), Formats()
	spaces := [][2]string{{" ", ""}, {"", "\n"}, {"\n\t ", "  "}, {"\u00a0", "\u3000"}, {"\u2003\u200b", "\r\n"}}

	f.Fuzz(func(t *testing.T, caption, brandName, handle string, j, p, fm, flags uint8) {
		input := Input{
			Caption:            caption,
			Jurisdiction:       jurisdictions[int(j)%len(jurisdictions)],
			Platform:           platformNames[int(p)%len(platformNames)],
			Format:             formatNames[int(fm)%len(formatNames)],
			BrandName:          brandName,
			BrandHandles:       []string{handle},
			OnscreenDisclosure: flags&1 != 0,
			SpokenDisclosure:   flags&2 != 0,
			PlatformPaidLabel:  flags&4 != 0,
		}
		first, err := Check(input)
		require.NoError(t, err)
		requireWellFormed(t, input, first)

		_, _ = Check(post("#a #b #c @acme filler to dirty the pooled buffers"))
		again, err := Check(input)
		require.NoError(t, err)
		require.Equal(t, first, again, "not deterministic")

		for _, ws := range spaces {
			padded := input
			padded.Caption = ws[0] + caption + ws[1]
			got, err := Check(padded)
			require.NoError(t, err)
			require.Equal(t, shift(first, utf8.RuneCountInString(ws[0])), got,
				"whitespace %q…%q changed the verdict", ws[0], ws[1])
		}
	})
}

// shift moves the positioned violations of res by n runes.
func shift(res Result, n int) Result {
	out := res
	out.Violations = make([]Violation, len(res.Violations))
	for i, v := range res.Violations {
		if v.Start >= 0 {
			v.Start += n
			v.End += n
		}
		out.Violations[i] = v
	}
	return out
}

// FuzzCharacters checks that the ASCII shortcut in characters never disagrees with uniseg
// counting the whole string itself.
func FuzzCharacters(f *testing.F) {
	for _, s := range []string{"a\r\nb\r", "e\u0301e", "🇺🇸🇩🇪🇫x", "\xffa\u0301", "🏃🏽\u200d♀️a", "1\ufe0f\u20e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		require.Equal(t, uniseg.GraphemeClusterCount(s), characters(s), "%q", s)
	})
}
