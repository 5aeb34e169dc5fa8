package disclosure

import (
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// characters counts the user-perceived characters of s: extended grapheme clusters (Unicode
// UAX #29), which is what a platform's "first 125 characters" means to the reader. An accent
// written as e + U+0301, an emoji with its skin tone and joiners ("🏃🏽‍♀️"), a flag made of two
// regional indicators and a CRLF line break are one character each, however many runes they
// take. Invalid UTF-8 counts one character per bad byte, as it counts one rune.
//
// Between two ASCII bytes there is always a cluster boundary except inside CRLF, so runs of
// ASCII are counted here byte by byte and uniseg is asked only about the clusters that touch
// other runes. Consecutive calls carry uniseg's state, as its own loop does; after ASCII the
// state starts afresh, which is exact at a boundary.
func characters(s string) int {
	n, state := 0, -1
	for i := 0; i < len(s); n++ {
		if c := s[i]; c < utf8.RuneSelf && (i+1 == len(s) || s[i+1] < utf8.RuneSelf) {
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			i++
			state = -1
			continue
		}
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s[i:], state)
		i += max(len(cluster), 1)
	}
	return n
}
