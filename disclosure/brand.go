package disclosure

import "strings"

// brand is the sponsoring brand, normalised for matching.
type brand struct {
	// name is the brand as given, for messages and brand-template labels.
	name string
	// key is the name folded with everything but letters, numbers and marks removed:
	// DISCLOSURE.md compares names "ignoring spaces", and punctuation is dropped for the same
	// reason ("Ben & Jerry's" is named by "Ben & Jerry's", "BenJerrys" and "#benjerrys...").
	key string
	// handles are the brand's handles, folded, without "@".
	handles []string
}

// newBrand normalises the brand the caption must name.
func newBrand(name string, handles []string) brand {
	b := brand{name: strings.TrimSpace(name), key: normalizeWord(name, isBrandKeyRune)}
	for _, h := range handles {
		h = normalizeWord(strings.TrimLeft(strings.TrimSpace(h), "@＠"), isHandleRune)
		if h != "" {
			b.handles = append(b.handles, h)
		}
	}
	return b
}

func isBrandKeyRune(r rune) bool { return r != '_' && isWordRune(r) }
func isHandleRune(r rune) bool   { return r == '.' || isWordRune(r) }

// known reports whether there is anything to look for.
func (b *brand) known() bool { return b.key != "" || len(b.handles) > 0 }

// isHandle reports whether a mention body names the brand: one of its handles, or its name
// written as a handle ("@acme" for Acme).
func (b *brand) isHandle(body []byte) bool {
	for _, h := range b.handles {
		if string(body) == h {
			return true
		}
	}
	return b.key != "" && string(body) == b.key
}

// matchAt reports whether the brand is written at token i — as one of its handles or as its
// name spread over one or more consecutive words — and returns the index just past it. An
// address never names the brand, not even one written after "@" ("@acme.com/ad"): link.go
// says why.
func (b *brand) matchAt(sc *scratch, i int) (int, bool) {
	t := &sc.toks[i]
	switch t.kind {
	case kindMention:
		return i + 1, b.isHandle(sc.body(t))
	case kindWord:
		return b.matchWords(sc, i)
	}
	return i, false
}

// matchWords consumes words from token i for as long as their letters continue the brand key
// and succeeds if the key ends exactly at a token boundary: "Blue Bottle", "BlueBottle" and
// "blue-bottle" all name "Blue Bottle", but "Bluebottles" does not.
func (b *brand) matchWords(sc *scratch, i int) (int, bool) {
	if b.key == "" {
		return i, false
	}
	key := b.key
	for j := i; j < len(sc.toks) && sc.toks[j].kind == kindWord; j++ {
		for _, c := range sc.body(&sc.toks[j]) {
			if c == '_' {
				continue
			}
			if key == "" || key[0] != c {
				return i, false
			}
			key = key[1:]
		}
		if key == "" {
			return j + 1, true
		}
	}
	return i, false
}

// inHashtag reports whether a hashtag body starts with the brand ("#acme", "#AcmeRuns",
// "#acmepartner"), the "#acme..." form DISCLOSURE.md accepts as naming the brand.
func (b *brand) inHashtag(body []byte) bool {
	if b.key != "" {
		if _, ok := consumeIgnoring(body, b.key, '_'); ok {
			return true
		}
	}
	for _, h := range b.handles {
		if fitsHashtag(h) {
			if _, ok := consumeIgnoring(body, h, '_'); ok {
				return true
			}
		}
	}
	return false
}

// isTagName reports whether part of a hashtag is exactly the brand's name or one of its
// handles, ignoring underscores on both sides as people use them for spaces
// ("#blue_bottle_partner", "#acmerunning" for @acme_running).
func (b *brand) isTagName(part []byte) bool {
	if b.key != "" {
		if rest, ok := consumeIgnoring(part, b.key, '_'); ok && onlyByte(rest, '_') {
			return true
		}
	}
	for _, h := range b.handles {
		if fitsHashtag(h) {
			if rest, ok := consumeIgnoring(part, h, '_'); ok && onlyByte(rest, '_') {
				return true
			}
		}
	}
	return false
}

// fitsHashtag reports whether a handle can be written inside a hashtag: a dot would end the
// hashtag ("@acme.running"), and a handle of underscores alone would match anything.
func fitsHashtag(h string) bool {
	return strings.IndexByte(h, '.') < 0 && strings.Trim(h, "_") != ""
}

// consumeIgnoring matches want at the start of body, both with every skip byte removed, and
// returns what is left of body after it.
func consumeIgnoring(body []byte, want string, skip byte) ([]byte, bool) {
	i := 0
	for j := 0; j < len(want); j++ {
		if want[j] == skip {
			continue
		}
		for i < len(body) && body[i] == skip {
			i++
		}
		if i == len(body) || body[i] != want[j] {
			return nil, false
		}
		i++
	}
	return body[i:], true
}

func onlyByte(b []byte, c byte) bool {
	for _, x := range b {
		if x != c {
			return false
		}
	}
	return true
}

// named reports whether the caption identifies the brand anywhere: a handle, the name as
// words, or a hashtag starting with it. Labels that name the brand ("paid partnership with
// Acme", "#AcmePartner") are covered because they contain one of those.
func (b *brand) named(sc *scratch) bool {
	for i := range sc.toks {
		t := &sc.toks[i]
		switch t.kind {
		case kindHashtag:
			if b.inHashtag(sc.body(t)) {
				return true
			}
		default:
			if _, ok := b.matchAt(sc, i); ok {
				return true
			}
		}
	}
	return false
}

// label fills the brand into a brand-template label of words for LabelsFound ("gifted by
// acme"); brand hashtags are listed as written (evaluation.labelsFound).
func (b *brand) label(template string) string {
	if !strings.Contains(template, brandPlaceholder) {
		return template
	}
	name := strings.ToLower(b.name)
	if name == "" {
		name = b.handle()
	}
	return strings.ReplaceAll(template, brandPlaceholder, name)
}

// handle returns the brand's first handle with its "@", or "" when it has none.
func (b *brand) handle() string {
	if len(b.handles) == 0 {
		return ""
	}
	return "@" + b.handles[0]
}

// describe names the brand for a message: `Acme (@acme)`.
func (b *brand) describe() string {
	switch h := b.handle(); {
	case b.name != "" && h != "":
		return b.name + " (" + h + ")"
	case b.name != "":
		return b.name
	case h != "":
		return h
	}
	return "the brand"
}
