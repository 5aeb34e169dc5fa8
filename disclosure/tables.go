package disclosure

import (
	"fmt"
	"slices"
	"strings"
)

// brandPlaceholder stands for the sponsoring brand inside a label ("gifted by <brand>",
// "#<brand>partner").
const brandPlaceholder = "<brand>"

// table is one jurisdiction's rules exactly as DISCLOSURE.md lists them. Entries are written
// the way creators write them: "ad" is a word, "#ad" a hashtag, "paid partnership" a sequence
// of words, and brandPlaceholder marks where the brand's name or handle goes. A word entry
// only matches words and a hashtag entry only hashtags, because the tables make that
// distinction on purpose (in Spain "#ad" is accepted but a bare "ad" is not).
type table struct {
	code      string // ISO-style market code used in the API: "US"
	regulator string // who says so, for messages
	accepted  []string
	ambiguous []string
	// suggest is the caption label messages recommend; it must itself be accepted.
	suggest string
	// overlay is the word messages recommend showing on screen in videos.
	overlay string
	// spokenFor lists the video formats for which the market wants the disclosure said out
	// loud as well as shown on screen.
	spokenFor []string
}

// rulesets is every registered market, compiled, keyed by code.
var rulesets = map[string]*ruleset{}

// register compiles a table and adds it to rulesets. A table that does not compile is kept
// with its error, which Check returns and the tests assert is nil.
func register(t table) *ruleset {
	rs, err := compile(t)
	if err != nil {
		rs = &ruleset{table: t, err: fmt.Errorf("disclosure: table %s: %w", t.code, err)}
	}
	rulesets[t.code] = rs
	return rs
}

// Jurisdictions returns the supported jurisdiction codes, sorted.
func Jurisdictions() []string {
	out := make([]string, 0, len(rulesets))
	for code := range rulesets {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// elemKind is what one element of a label pattern matches.
type elemKind uint8

const (
	elemWord         elemKind = iota // a literal word
	elemHashtag                      // a literal hashtag
	elemBrand                        // the brand: its name as words, or one of its handles
	elemBrandHashtag                 // a hashtag made of prefix + brand + suffix
)

type element struct {
	kind elemKind
	text string // elemWord, elemHashtag: normalised body
	// prefix and suffix surround the brand in elemBrandHashtag ("" and "partner").
	prefix, suffix string
}

// pattern is one compiled label.
type pattern struct {
	label    string // the table entry, normalised (lower case)
	accepted bool
	elems    []element
}

// ruleset is a compiled table: patterns indexed by what their first element matches, so each
// token costs one map look-up.
type ruleset struct {
	table
	err       error
	patterns  []pattern
	byWord    map[string][]int // first element is this word
	byHashtag map[string][]int // first element is this hashtag
	byBrand   []int            // first element is the brand or a brand hashtag
	spoken    map[string]bool  // format → also needs a spoken disclosure
}

func compile(t table) (*ruleset, error) {
	rs := &ruleset{
		table:     t,
		byWord:    map[string][]int{},
		byHashtag: map[string][]int{},
		spoken:    map[string]bool{},
	}
	add := func(entries []string, accepted bool) error {
		for _, e := range entries {
			p, err := compilePattern(e, accepted)
			if err != nil {
				return err
			}
			rs.patterns = append(rs.patterns, p)
			i := len(rs.patterns) - 1
			switch first := p.elems[0]; first.kind {
			case elemWord:
				rs.byWord[first.text] = append(rs.byWord[first.text], i)
			case elemHashtag:
				rs.byHashtag[first.text] = append(rs.byHashtag[first.text], i)
			default:
				rs.byBrand = append(rs.byBrand, i)
			}
		}
		return nil
	}
	if err := add(t.accepted, true); err != nil {
		return nil, err
	}
	if err := add(t.ambiguous, false); err != nil {
		return nil, err
	}
	for _, f := range t.spokenFor {
		if ft, ok := formats[f]; !ok || !ft.video {
			return nil, fmt.Errorf("spokenFor %q is not a video format", f)
		}
		rs.spoken[f] = true
	}
	return rs, nil
}

// compilePattern parses one table entry. Each space-separated part must be exactly one word,
// one hashtag, or the brand placeholder, possibly inside a hashtag.
func compilePattern(entry string, accepted bool) (pattern, error) {
	p := pattern{label: strings.ToLower(entry), accepted: accepted}
	for _, part := range strings.Fields(entry) {
		var el element
		switch {
		case part == brandPlaceholder:
			el = element{kind: elemBrand}
		case strings.HasPrefix(part, "#") && strings.Contains(part, brandPlaceholder):
			before, after, _ := strings.Cut(part[1:], brandPlaceholder)
			if !onlyWordRunes(before) || !onlyWordRunes(after) {
				return pattern{}, fmt.Errorf("label %q: malformed brand hashtag %q", entry, part)
			}
			el = element{kind: elemBrandHashtag,
				prefix: normalizeWord(before, isWordRune), suffix: normalizeWord(after, isWordRune)}
		default:
			var sc scratch
			sc.tokenize(part)
			if len(sc.toks) != 1 || sc.toks[0].bstart != 0 || sc.toks[0].bend != len(part) ||
				sc.toks[0].kind == kindMention {
				return pattern{}, fmt.Errorf("label %q: %q is not one word or hashtag", entry, part)
			}
			el = element{kind: elemWord, text: string(sc.body(&sc.toks[0]))}
			if sc.toks[0].kind == kindHashtag {
				el.kind = elemHashtag
			}
		}
		p.elems = append(p.elems, el)
	}
	if len(p.elems) == 0 {
		return pattern{}, fmt.Errorf("empty label")
	}
	return p, nil
}

func onlyWordRunes(s string) bool {
	for _, r := range s {
		if !isWordRune(r) {
			return false
		}
	}
	return true
}
