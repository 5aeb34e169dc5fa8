package disclosure

// hit is one label occurrence: tokens [first, last] of the caption matched a pattern.
type hit struct {
	pat         *pattern
	first, last int
}

// findLabels records every accepted and ambiguous label in the tokenised caption, in caption
// order (and table order for labels starting at the same token).
func (sc *scratch) findLabels(rs *ruleset, b *brand) {
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.joinPrev {
			continue // "pre-ad": a label cannot start in the middle of a hyphenated word
		}
		switch t.kind {
		case kindWord:
			sc.tryPatterns(rs, rs.byWord[string(sc.body(t))], b, i)
		case kindHashtag:
			sc.tryPatterns(rs, rs.byHashtag[string(sc.body(t))], b, i)
		}
		sc.tryPatterns(rs, rs.byBrand, b, i)
	}
}

func (sc *scratch) tryPatterns(rs *ruleset, candidates []int, b *brand, i int) {
	for _, pi := range candidates {
		p := &rs.patterns[pi]
		last, ok := sc.matchPattern(p, b, i)
		if !ok {
			continue
		}
		h := hit{pat: p, first: i, last: last}
		if p.accepted {
			sc.accepted = append(sc.accepted, h)
		} else {
			sc.unclear = append(sc.unclear, h)
		}
	}
}

// matchPattern matches p against the tokens from i and returns the index of the last token
// used. The words of a multi-word label must follow each other separated only by whitespace
// (or a joining hyphen: "paid-partnership"), and the label must not continue into a
// hyphenated word on either side.
func (sc *scratch) matchPattern(p *pattern, b *brand, i int) (int, bool) {
	j := i
	for k := range p.elems {
		if j >= len(sc.toks) {
			return 0, false
		}
		t := &sc.toks[j]
		if k > 0 && !t.spaceGap && !t.joinPrev {
			return 0, false
		}
		switch e := &p.elems[k]; e.kind {
		case elemWord:
			if t.kind != kindWord || string(sc.body(t)) != e.text {
				return 0, false
			}
			j++
		case elemHashtag:
			if t.kind != kindHashtag || string(sc.body(t)) != e.text {
				return 0, false
			}
			j++
		case elemBrandHashtag:
			if t.kind != kindHashtag || !isBrandHashtag(sc.body(t), e, b) {
				return 0, false
			}
			j++
		case elemBrand:
			end, ok := b.matchAt(sc, j)
			if !ok {
				return 0, false
			}
			j = end
		}
	}
	if sc.toks[j-1].joinNext {
		return 0, false
	}
	return j - 1, true
}

// isBrandHashtag reports whether body is prefix + brand + suffix ("acmepartner",
// "blue_bottle_partner"). The brand part is the brand's name or one of its handles, compared
// as brand.isTagName does; it must start and end with a letter or digit, so that
// "#acme_partner" is the "#<brand>_partner" form only and is listed once.
func isBrandHashtag(body []byte, e *element, b *brand) bool {
	n, m := len(e.prefix), len(body)-len(e.suffix)
	if m <= n {
		return false
	}
	// Comparing string(bytes) with a string directly does not copy.
	if string(body[:n]) != e.prefix || string(body[m:]) != e.suffix {
		return false
	}
	part := body[n:m]
	return part[0] != '_' && part[len(part)-1] != '_' && b.isTagName(part)
}
