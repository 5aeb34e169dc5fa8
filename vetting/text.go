package vetting

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// word is one word or hashtag of a caption, case-folded. Handles are left out: "@runclub"
// says whom a post tags, not what it is about.
type word struct {
	text    string
	hashtag bool
}

// splitWords cuts text into words and hashtags at every rune that is not a letter, number,
// combining mark or underscore, so punctuation, emoji and any kind of space separate words.
func splitWords(text string) []word {
	var out []word
	var b strings.Builder
	kind := byte(0) // 0 none, 'w' word, '#' hashtag, '@' handle
	flush := func() {
		if kind != 0 && kind != '@' && b.Len() > 0 {
			out = append(out, word{text: b.String(), hashtag: kind == '#'})
		}
		b.Reset()
		kind = 0
	}
	for _, r := range text {
		switch {
		case isWordRune(r) && (kind != 0 || !unicode.IsMark(r)):
			if kind == 0 {
				kind = 'w'
			}
			b.WriteRune(foldRune(r))
		case r == '#' || r == '@':
			flush()
			kind = byte(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// foldRune maps r to a fixed member of its Unicode case-folding orbit, so that words compare
// as strings.EqualFold would compare them.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return unicode.ToLower(least)
}

// term is a keyword or unsafe term prepared for matching.
type term struct {
	label  string   // as the campaign wrote it, for the report
	words  []string // folded words
	joined string   // the words run together, for hashtags
}

// newTerms prepares terms, dropping blanks and duplicates.
func newTerms(raw []string) []term {
	out := make([]term, 0, len(raw))
	seen := map[string]bool{}
	for _, s := range raw {
		var words []string
		for _, w := range splitWords(strings.TrimLeft(strings.TrimSpace(s), "#")) {
			words = append(words, w.text)
		}
		joined := strings.Join(words, "")
		if joined == "" || seen[strings.Join(words, " ")] {
			continue
		}
		seen[strings.Join(words, " ")] = true
		out = append(out, term{label: strings.TrimSpace(s), words: words, joined: joined})
	}
	return out
}

// in reports whether the term occurs in words: as consecutive words, or as one hashtag that
// is the term's words run together ("trail running" matches "#TrailRunning").
func (t term) in(words []word) bool {
	for i, w := range words {
		if w.hashtag {
			if w.text == t.joined {
				return true
			}
			continue
		}
		if i+len(t.words) <= len(words) && t.wordsAt(words[i:]) {
			return true
		}
	}
	return false
}

func (t term) wordsAt(words []word) bool {
	for j, tw := range t.words {
		if words[j].hashtag || words[j].text != tw {
			return false
		}
	}
	return true
}
