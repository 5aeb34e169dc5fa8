package disclosure

import "unicode/utf8"

// tokenKind says how a token was written.
type tokenKind uint8

const (
	kindWord    tokenKind = iota // plain word
	kindHashtag                  // "#word"
	kindMention                  // "@handle"
	kindLink                     // a web or e-mail address (link.go); no label matches it
)

// token is one word, hashtag, @handle or address of a caption.
type token struct {
	kind tokenKind
	// start and end are rune offsets [start, end) in the caption, start at the "#" or "@".
	start, end int
	// bstart and bend are the same span in bytes, to quote the caption in messages.
	bstart, bend int
	// lo and hi delimit the folded, composed body (without "#" or "@") in scratch.buf; an
	// address has an empty body.
	lo, hi int
	// joinPrev and joinNext mark a hyphen joining this token to its neighbour: "ad-free" is
	// two tokens, but neither may match a one-word label on its own.
	joinPrev, joinNext bool
	// spaceGap: nothing but whitespace lies between the previous token and this one.
	spaceGap bool
}

// scratch holds the per-check buffers; it is pooled.
type scratch struct {
	leadByte int    // byte offset of the first visible rune, as tokenize's lead is in runes
	buf      []byte // normalised token bodies, back to back
	toks     []token
	accepted []hit
	unclear  []hit
}

func (sc *scratch) reset() {
	sc.buf = sc.buf[:0]
	sc.toks = sc.toks[:0]
	sc.accepted = sc.accepted[:0]
	sc.unclear = sc.unclear[:0]
}

// body returns the normalised text of a token. The conversion in callers like
// `string(sc.body(t)) == label` or a map index does not allocate.
func (sc *scratch) body(t *token) []byte { return sc.buf[t.lo:t.hi] }

// tokenize splits the caption into tokens in one pass and returns the rune offset of the
// first visible rune (the caption's length in runes if it is blank). Everything that is not a
// word, hashtag, handle or address — punctuation, emoji, symbols, any kind of space —
// separates tokens.
// Invalid UTF-8 decodes as U+FFFD, one rune per bad byte, which is a separator.
func (sc *scratch) tokenize(s string) (lead int) {
	sc.reset()
	lead, sc.leadByte = -1, len(s)
	cur := -1             // index of the token being built, or -1
	gapSpace := true      // only whitespace since the previous token ended
	joinNext := false     // the previous token ended in a hyphen that joins the next word
	prevWordRune := false // the previous rune was a word rune; "name@host" is not a mention
	ri := 0               // rune index of r

	for bi := 0; bi < len(s); {
		r, size := utf8.DecodeRuneInString(s[bi:])
		next := bi + size
		if lead < 0 && !isSpaceLike(r) {
			lead, sc.leadByte = ri, bi
		}

		switch {
		case isIgnorable(r):
			// Invisible: leaves the current token, the gap and prevWordRune as they are.

		case cur >= 0 && isWordRune(r):
			t := &sc.toks[cur]
			sc.buf = appendNormalized(sc.buf, t.lo, r)
			t.hi, t.end, t.bend = len(sc.buf), ri+1, next
			prevWordRune = true

		case cur >= 0 && r == '.' && sc.toks[cur].kind == kindMention && startsWordAt(s, next):
			// Handles may contain dots ("@acme.official"); a dot before a space ends one.
			t := &sc.toks[cur]
			sc.buf = append(sc.buf, '.')
			t.hi, t.end, t.bend = len(sc.buf), ri+1, next
			prevWordRune = false

		default:
			if cur >= 0 && sc.mayStartLink(cur, r) {
				if end, ok := sc.linkFrom(s, cur, bi); ok {
					// The address is one token; carry on after it as after any word.
					bi, ri = end, sc.toks[len(sc.toks)-1].end
					cur, gapSpace, joinNext, prevWordRune = -1, true, false, false
					continue
				}
			}
			if cur >= 0 {
				joinNext = isHyphen(r) && startsWordAt(s, next)
				sc.toks[cur].joinNext = joinNext
				cur, gapSpace = -1, true
			}
			switch {
			case isWordStart(r):
				cur = sc.startToken(kindWord, ri, bi, gapSpace, joinNext)
				t := &sc.toks[cur]
				sc.buf = appendNormalized(sc.buf, t.lo, r)
				t.hi, t.end, t.bend = len(sc.buf), ri+1, next
				prevWordRune = true
			case isHashSign(r) && startsWordAt(s, next):
				cur = sc.startToken(kindHashtag, ri, bi, gapSpace, false)
				prevWordRune = false
			case isAtSign(r) && !prevWordRune && startsWordAt(s, next):
				cur = sc.startToken(kindMention, ri, bi, gapSpace, false)
				prevWordRune = false
			default:
				if !isSpaceLike(r) {
					gapSpace = false
				}
				prevWordRune = isWordRune(r) // a stray combining mark still glues "x@y"
			}
			if cur >= 0 {
				joinNext = false
			}
		}
		bi = next
		ri++
	}
	if lead < 0 {
		lead = ri
	}
	return lead
}

// mayStartLink reports whether the token cur, ending at rune r, may be the start of an
// address (link.go), so that the addresses cost ordinary words nothing.
func (sc *scratch) mayStartLink(cur int, r rune) bool {
	if sc.toks[cur].kind == kindWord {
		return isLinkTrigger(r)
	}
	return isTagLinkTrigger(r) // "@acme.com/ad", "#acme.com/ad"
}

// linkFrom checks whether the word, handle or hashtag being built at token cur, which ends at
// byte bi, begins an address. The address may start a few words earlier when they are joined
// by hyphens ("my-shop.com", "ad-team@acme.com"). If it does, those tokens become one
// kindLink token that ends the caption's token list, and linkFrom returns the byte offset
// after it.
func (sc *scratch) linkFrom(s string, cur, bi int) (int, bool) {
	first := cur
	for first > 0 && sc.toks[first].joinPrev && sc.toks[first-1].kind == kindWord {
		first--
	}
	return sc.toLink(s, first, bi)
}

// toLink makes the tokens from first on one kindLink token, and returns the byte offset after
// it, if an address starts at token first and runs on past byte bi.
func (sc *scratch) toLink(s string, first, bi int) (int, bool) {
	t := &sc.toks[first]
	var end int
	var ok bool
	if t.kind == kindWord {
		end, ok = linkEnd(s, t.bstart)
	} else {
		_, sign := utf8.DecodeRuneInString(s[t.bstart:]) // "@", "#" or a fullwidth one
		end, ok = taggedLinkEnd(s, t.bstart+sign)
	}
	if !ok || end <= bi {
		return 0, false
	}
	sc.buf = sc.buf[:t.lo]
	sc.toks = sc.toks[:first+1]
	t.kind, t.hi, t.joinNext = kindLink, t.lo, false
	t.end, t.bend = t.start+utf8.RuneCountInString(s[t.bstart:end]), end
	return end, true
}

// startToken opens a token at rune ri / byte bi and returns its index.
func (sc *scratch) startToken(kind tokenKind, ri, bi int, gapSpace, joinPrev bool) int {
	sc.toks = append(sc.toks, token{
		kind: kind, start: ri, end: ri + 1, bstart: bi, bend: bi + 1,
		lo: len(sc.buf), hi: len(sc.buf), spaceGap: gapSpace, joinPrev: joinPrev,
	})
	return len(sc.toks) - 1
}

// startsWordAt reports whether the rune at byte offset i of s can start a word.
func startsWordAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordStart(r)
}
