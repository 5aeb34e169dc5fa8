package disclosure

import (
	"unicode"
	"unicode/utf8"
)

// foldRune maps r to one fixed representative of its Unicode simple case-folding orbit, so
// that two runes are equal after folding exactly when strings.EqualFold would call them equal
// ("K", "k" and the Kelvin sign all become "k"; "ſ" becomes "s"). Styled letters creators use
// to dodge filters (fullwidth "ＡＤ", mathematical bold "𝐀𝐃") are first mapped to plain
// ASCII, which is the part of NFKC compatibility folding that matters for labels and that the
// standard library lets us do without golang.org/x/text.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	if a, ok := compatASCII(r); ok {
		return foldRune(a)
	}
	// Walk the orbit and take its smallest member, then lower-case it: the minimum is the
	// same from every starting point, so the result is orbit-invariant by construction.
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return unicode.ToLower(least)
}

// compatASCII maps fullwidth ASCII and the Mathematical Alphanumeric Symbols block
// (bold, italic, script, fraktur, double-struck, sans-serif and monospace letters and digits)
// to the ASCII letter or digit they are styled from.
func compatASCII(r rune) (rune, bool) {
	switch {
	case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
		return r - 0xFF00 + 0x20, true // fullwidth digit or letter
	case r >= 0x1D400 && r <= 0x1D6A3:
		// Thirteen styles of 52 letters, A–Z then a–z. The few code points that are holes
		// in the block are unassigned, so mapping them as well is harmless.
		i := (r - 0x1D400) % 52
		if i < 26 {
			return 'A' + i, true
		}
		return 'a' + i - 26, true
	case r >= 0x1D7CE && r <= 0x1D7FF:
		return '0' + (r-0x1D7CE)%10, true // five styles of digits
	}
	return 0, false
}

// Combining marks that compose with a base letter in the labels of the supported markets.
const (
	markGrave      = '\u0300'
	markAcute      = '\u0301'
	markCircumflex = '\u0302'
	markTilde      = '\u0303'
	markDiaeresis  = '\u0308'
	markRing       = '\u030A'
	markCedilla    = '\u0327'
)

// composeTable is the canonical composition (NFC) of a lower-case Latin letter followed by
// one combining mark, for the accents French, Spanish and German use. Folding runs before
// composition, so upper-case bases arrive here lower-cased and "E"+acute becomes "é" too.
var composeTable = map[[2]rune]rune{
	{'a', markGrave}: 'à', {'a', markAcute}: 'á', {'a', markCircumflex}: 'â',
	{'a', markTilde}: 'ã', {'a', markDiaeresis}: 'ä', {'a', markRing}: 'å',
	{'c', markCedilla}: 'ç',
	{'e', markGrave}:   'è', {'e', markAcute}: 'é', {'e', markCircumflex}: 'ê', {'e', markDiaeresis}: 'ë',
	{'i', markGrave}: 'ì', {'i', markAcute}: 'í', {'i', markCircumflex}: 'î', {'i', markDiaeresis}: 'ï',
	{'n', markTilde}: 'ñ',
	{'o', markGrave}: 'ò', {'o', markAcute}: 'ó', {'o', markCircumflex}: 'ô',
	{'o', markTilde}: 'õ', {'o', markDiaeresis}: 'ö',
	{'u', markGrave}: 'ù', {'u', markAcute}: 'ú', {'u', markCircumflex}: 'û', {'u', markDiaeresis}: 'ü',
	{'y', markAcute}: 'ý', {'y', markDiaeresis}: 'ÿ',
}

// isWordStart reports whether r can begin a word, hashtag body or handle: a letter, a number
// or an underscore (platforms allow "_" in hashtags and handles, e.g. "#acme_partner").
func isWordStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isWordRune reports whether r continues a token: word-start runes plus combining marks,
// which belong to the letter before them.
func isWordRune(r rune) bool {
	return isWordStart(r) || r >= utf8.RuneSelf && unicode.IsMark(r)
}

// isIgnorable reports runes that are invisible and neither join nor split words: the joiners
// and variation selectors inside emoji sequences, the soft hyphen, the byte-order mark and
// the word joiner. Treating them as breaks would let "a\u00ADd" hide "ad"; treating them as
// letters would turn "❤️ad" into one word.
func isIgnorable(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r == 0xAD, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF, r == 0x180E:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	}
	return false
}

// isSpaceLike reports whitespace for the purposes of "separated only by whitespace" and of
// where the visible caption starts: every Unicode White_Space rune (including no-break and
// narrow no-break spaces), the zero-width space, and the ignorable runes.
func isSpaceLike(r rune) bool {
	return unicode.IsSpace(r) || r == 0x200B || isIgnorable(r)
}

// isHyphen reports the hyphens that join two words into one ("ad-free" is not "ad").
func isHyphen(r rune) bool {
	return r == '-' || r == 0x2010 || r == 0x2011
}

func isHashSign(r rune) bool { return r == '#' || r == 0xFF03 }
func isAtSign(r rune) bool   { return r == '@' || r == 0xFF20 }

// appendNormalized appends the folded, composed form of r to a token body that starts at
// buf[lo:], and returns the extended buffer.
func appendNormalized(buf []byte, lo int, r rune) []byte {
	r = foldRune(r)
	if r >= markGrave && r <= markCedilla && len(buf) > lo {
		// A base letter this table composes with is ASCII, so it is exactly the last byte.
		if last := rune(buf[len(buf)-1]); last < utf8.RuneSelf {
			if c, ok := composeTable[[2]rune{last, r}]; ok {
				return utf8.AppendRune(buf[:len(buf)-1], c)
			}
		}
	}
	return utf8.AppendRune(buf, r)
}

// normalizeWord folds and composes s the way the tokeniser does, keeping only the runes keep
// accepts. It is used on table entries and brand names, never on the hot path.
func normalizeWord(s string, keep func(rune) bool) string {
	buf := make([]byte, 0, len(s))
	for _, r := range s {
		if isIgnorable(r) || !keep(r) {
			continue
		}
		buf = appendNormalized(buf, 0, r)
	}
	return string(buf)
}
