package disclosure

import (
	"fmt"
	"unicode/utf8"
)

// evaluation is everything the rules look at for one caption.
type evaluation struct {
	in       Input
	rules    *ruleset
	platform *platform
	format   *format
	brand    *brand
	sc       *scratch
	lead     int // rune offset of the first visible rune
}

// evaluate applies the rules of DISCLOSURE.md in the order they are listed there.
func evaluate(e evaluation) Result {
	sc := e.sc
	res := Result{Violations: []Violation{}, LabelsFound: e.labelsFound()}
	add := func(code, msg string, start, end int) {
		res.Violations = append(res.Violations, Violation{Code: code, Message: msg, Start: start, End: end})
	}

	if len(sc.accepted) == 0 {
		add(CodeMissingDisclosure, e.missingMessage(), -1, -1)
		// Point at each unclear label so the creator sees exactly what to replace.
		prevStart, prevEnd := -1, -1
		for _, h := range sc.unclear {
			start, end := sc.toks[h.first].start, sc.toks[h.last].end
			if start == prevStart && end == prevEnd {
				continue // two table entries matched the same text
			}
			prevStart, prevEnd = start, end
			add(CodeAmbiguousLabel, e.ambiguousMessage(h), start, end)
		}
	} else {
		first := sc.accepted[0] // hits are in caption order
		start, end := sc.toks[first.first].start, sc.toks[first.last].end
		if at, below := e.belowFold(first); below {
			add(CodeBelowFold, e.belowFoldMessage(first, at), start, end)
		}
		if e.allBuried() {
			add(CodeBuriedInHashtags, e.buriedMessage(first), start, end)
		}
	}
	if !e.brand.named(sc) {
		add(CodeBrandNotNamed, e.brandMessage(), -1, -1)
	}
	if e.in.PlatformPaidLabel && len(sc.accepted) == 0 {
		add(CodePlatformLabelOnly, e.platformLabelMessage(), -1, -1)
	}
	if msg, ok := e.videoMessage(); !ok {
		add(CodeVideoDisclosureMissing, msg, -1, -1)
	}
	res.Compliant = len(res.Violations) == 0
	return res
}

// labelsFound lists the accepted labels once each, in the order they first appear.
func (e *evaluation) labelsFound() []string {
	out := make([]string, 0, len(e.sc.accepted))
next:
	for _, h := range e.sc.accepted {
		var label string
		if len(h.pat.elems) == 1 && h.pat.elems[0].kind == elemBrandHashtag {
			// The brand part may be a handle or spelled with underscores: list the
			// hashtag the caption used ("#acmepartner", "#blue_bottle_partner").
			label = "#" + string(e.sc.body(&e.sc.toks[h.first]))
		} else {
			label = e.brand.label(h.pat.label)
		}
		for _, seen := range out {
			if seen == label {
				continue next
			}
		}
		out = append(out, label)
	}
	return out
}

// belowFold reports whether the first accepted label, h, starts past the platform's visible
// prefix, and if so at which character, counting from 0. Hits are in caption order, so when h
// is hidden every later label is too. The prefix is counted from the first visible character,
// because platforms drop leading whitespace and a caption's verdict must not change with it.
func (e *evaluation) belowFold(h hit) (int, bool) {
	t := &e.sc.toks[h.first]
	if t.start-e.lead < e.platform.visible {
		return 0, false // a character is at least one rune, so there is nothing to count
	}
	// Platforms cut after a number of user-perceived characters, not of runes.
	at := characters(e.in.Caption[e.sc.leadByte:t.bstart])
	return at, at >= e.platform.visible
}

// allBuried reports whether every accepted label is a hashtag lost in a block of hashtags.
func (e *evaluation) allBuried() bool {
	for _, h := range e.sc.accepted {
		if h.first != h.last || !e.sc.inBuriedRun(h.first) {
			return false
		}
	}
	return true
}

// minBuryingRun is how many consecutive hashtags hide a label (DISCLOSURE.md: 3 or more).
const minBuryingRun = 3

// inBuriedRun reports whether hashtag token i sits in a run of at least minBuryingRun
// hashtags separated only by whitespace that does not start the caption (a run is at the
// start when no word or handle comes before it; emoji and punctuation do not count).
func (sc *scratch) inBuriedRun(i int) bool {
	if sc.toks[i].kind != kindHashtag {
		return false
	}
	lo, hi := i, i
	for lo > 0 && sc.continuesRun(lo) {
		lo--
	}
	for hi+1 < len(sc.toks) && sc.continuesRun(hi+1) {
		hi++
	}
	return hi-lo+1 >= minBuryingRun && lo != 0
}

// continuesRun reports whether token k extends the hashtag run that token k-1 is in.
func (sc *scratch) continuesRun(k int) bool {
	return sc.toks[k].kind == kindHashtag && sc.toks[k-1].kind == kindHashtag && sc.toks[k].spaceGap
}

// quote returns the caption text of a hit, as the creator wrote it.
func (e *evaluation) quote(h hit) string {
	s := e.in.Caption[e.sc.toks[h.first].bstart:e.sc.toks[h.last].bend]
	if !utf8.ValidString(s) {
		return h.pat.label
	}
	return s
}

func (e *evaluation) missingMessage() string {
	return fmt.Sprintf("No clear advertising label found. Add %q at the start of the caption (%s requires a clear disclosure).",
		e.rules.suggest, e.rules.regulator)
}

func (e *evaluation) ambiguousMessage(h hit) string {
	return fmt.Sprintf("%q does not make it clear that this is an ad (%s does not accept it on its own). Add %q at the start of the caption.",
		e.quote(h), e.rules.regulator, e.rules.suggest)
}

func (e *evaluation) belowFoldMessage(h hit, at int) string {
	return fmt.Sprintf("%q starts at character %d, but %s shows only the first %d characters before cutting the caption off. Move it to the start of the caption.",
		e.quote(h), at+1, e.platform.display, e.platform.visible)
}

func (e *evaluation) buriedMessage(h hit) string {
	return fmt.Sprintf("%q is lost in a block of hashtags. Put %q on its own at the start of the caption.",
		e.quote(h), e.rules.suggest)
}

func (e *evaluation) brandMessage() string {
	if !e.brand.known() {
		return "No brand name or handle was given, so the caption cannot be checked for naming the brand. Add the brand's name or handle to the check."
	}
	example := e.brand.handle()
	if example == "" {
		example = e.brand.name
	}
	return fmt.Sprintf("The caption does not say which brand the ad is for. Name %s in the caption, for example %q.",
		e.brand.describe(), e.rules.suggest+" with "+example)
}

func (e *evaluation) platformLabelMessage() string {
	return fmt.Sprintf("%s's paid-partnership label is not enough on its own. Also add %q to the caption.",
		e.platform.display, e.rules.suggest)
}

// videoMessage checks the video rule: every video format needs the disclosure on screen, and
// some markets also want it spoken. It returns ok when the rule is satisfied.
func (e *evaluation) videoMessage() (string, bool) {
	if !e.format.video {
		return "", true
	}
	needSpoken := e.rules.spoken[e.format.name] && !e.in.SpokenDisclosure
	switch {
	case !e.in.OnscreenDisclosure && needSpoken:
		return fmt.Sprintf("This is %s: show %q on screen and say out loud that it is an ad (%s requires both for video).",
			e.format.display, e.rules.overlay, e.rules.regulator), false
	case !e.in.OnscreenDisclosure:
		return fmt.Sprintf("This is %s: show %q on screen, not only in the caption, so viewers who never read the caption still see it.",
			e.format.display, e.rules.overlay), false
	case needSpoken:
		return fmt.Sprintf("This is %s: also say out loud that it is an ad (%s requires a spoken disclosure for video as well as the on-screen one).",
			e.format.display, e.rules.regulator), false
	}
	return "", true
}
