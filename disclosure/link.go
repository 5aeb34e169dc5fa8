package disclosure

import "unicode/utf8"

// Web and e-mail addresses are one token each, because DISCLOSURE.md matches labels on whole
// words and whole hashtags only: the "ad" in "acme.com/ad", "?utm_medium=ad", "acme.com/#ad"
// or "ad@acme.com" is part of an address, not a word of the caption, and must neither
// disclose the ad nor keep a real label from looking buried or below the fold.
//
// The tokeniser asks linkEnd only when a word ends in one of the characters that can continue
// the first word of an address (".", ":", "@", "+"), and taggedLinkEnd only when a handle or
// hashtag ends in ".", "/", ":", "?" or "#", so ordinary words cost nothing more.
// An address is, starting at the beginning of a word:
//
//   - scheme "://" and anything after it: "https://acme.com/ad", "HTTP://x";
//   - "www." followed by a host: "www.acme.com/ad";
//   - an e-mail address: local part "@" host, the host with at least one dot and an
//     alphabetic top-level domain of two letters or more: "ad@acme.com", "first.last@acme.de"
//     ("hi@acmerunning", which has no dot, stays two words as before);
//   - a host followed directly by "/": "acme.com/shop", "bit.ly/x", "acme.store/ad". The
//     top-level domain is any alphabetic label of two letters or more, since sentences do
//     not put a slash straight after "word.word";
//   - a bare host "acme.com", only when its top-level domain is one of bareTLDs and written
//     in lower case or all in capitals. The list holds common generic domains and the
//     markets' own, and leaves out every two-letter domain that is also a word or a label
//     in a supported language ("ad", "at", "it", "me", "to", "us", "au", "de", "es", …), so
//     a missing space after a full stop — "wow.great", "super.Es ist", "loved it.ad",
//     "Publicidad.es" — stays words.
//     A capitalised "Es" or "De" after a dot starts a sentence rather than ending a domain.
//
// Like a host, an e-mail address runs on over a path directly after it ("x@acme.com/ad"); a
// hashtag right after it is a hashtag ("hi@acme.com#ad").
//
// A handle or hashtag directly followed by more of a host name and a path — "@acme.com/ad",
// "@acme.co.uk/ad?x=1", "#acme.com/ad" — is an address with "@" or "#" typed in front, and is
// one address token from the "@" or "#" (taggedLinkEnd). So are a scheme after the sign
// ("@https://acme.com/ad") and a host with one of bareTLDs followed by a port, query or
// fragment ("@acme.com#ad", "@acme.com:8080"). What stays a handle or hashtag:
//
//   - a bare host, "www." or not: "@acme.com" and "@acme.co.uk" are handles with dots, as
//     Instagram, TikTok and YouTube allow, and "@acme." ends a sentence after "@acme";
//   - a handle or hashtag that is no host: "@acme/ad" is the handle "@acme" and the word
//     "ad", just as "acme/ad" is two words (no platform allows "/" in a handle, and there is
//     no address to follow), and "@acme#ad" is "@acme" then "#ad";
//   - a separator that nothing follows: "@acme.com: ad", "@acme.com:)", "@acme.co.uk/";
//   - a slash followed by another handle or hashtag, which lists tags: "@maya.tt/@acme",
//     "@acme.studio/#sponsored" (and so "@acme.com/#ad" keeps its label).
//
// An address never names the brand either (brand.matchAt), "@acme.com/ad" included, and even
// when the brand's handle is "@acme.com". brand_not_named asks whether the audience can tell
// who the ad is for, and what a reader takes from "@acme.com/ad" is a web address: it says
// where something can be found, not who paid for the post (the host may be a shop selling
// many brands, a link shortener or an affiliate redirect), so a regulator would not accept it
// as naming the sponsor any more than it accepts "acme.com/ad" as the disclosure. Reading one
// string as the brand's handle but its "ad" as part of an address would also be two readings
// of the same text. The creator names the brand as DISCLOSURE.md lists — "@acme", "Acme",
// "#acme…" — with one more word.
//
// An address runs on over the characters RFC 3986 allows (and letters of any script, for
// international paths), and stops at whitespace, emoji and other symbols. Trailing sentence
// punctuation and an unbalanced closing bracket are not part of it: "(see acme.com/ad)."
//
// Erring towards "address" only ever hides a label, which shows as missing_disclosure and
// costs the creator a space; erring the other way would pass an undisclosed ad.

// bareTLDs are the top-level domains that make "host.tld" an address without a scheme, "www."
// or a path.
var bareTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "io": true, "co": true,
	"app": true, "shop": true, "store": true, "online": true,
	"uk": true, "eu": true, "fr": true, "ch": true, "nl": true,
	// Not "de" or "es": both are words in the Spanish and French rule sets ("Publicidad.es
	// genial", "Werbung.de"), and a typo must not hide a label; with a path, "www." or a
	// scheme they are still addresses.
}

// isLinkTrigger reports the runes after which a word may be the start of an address.
func isLinkTrigger(r rune) bool { return r == '.' || r == ':' || r == '@' || r == '+' }

// isTagLinkTrigger reports the runes after which a handle or hashtag may be the start of an
// address: a handle takes in inner dots itself, so it ends at what comes after the host.
func isTagLinkTrigger(r rune) bool {
	return r == '.' || r == '/' || r == ':' || r == '?' || r == '#'
}

// linkEnd reports whether an address starts at byte i of s, which is the start of a word, and
// returns the byte offset just past it.
func linkEnd(s string, i int) (int, bool) { return addressEnd(s, i, false) }

// taggedLinkEnd reports whether the handle or hashtag whose body starts at byte i of s, just
// after its "@" or "#", is the rest of an address, and returns the byte offset just past it.
func taggedLinkEnd(s string, i int) (int, bool) { return addressEnd(s, i, true) }

// addressEnd is linkEnd, or taggedLinkEnd when tagged: then a bare host, "www." or not, or a
// host with a separator that nothing follows is not an address, and no e-mail address starts.
func addressEnd(s string, i int, tagged bool) (int, bool) {
	if j, ok := schemeEnd(s, i); ok {
		return urlEnd(s, i, j), true
	}
	if !tagged && hasPrefixASCIIFold(s[i:], "www.") && startsWordAt(s, i+4) {
		return urlEnd(s, i, i+4), true
	}
	var end int
	var tld string
	email, ok := false, false
	if !tagged {
		end, tld, ok = emailEnd(s, i)
		email = ok
	}
	if !ok {
		if end, tld, ok = hostEnd(s, i); !ok {
			return 0, false
		}
	}
	if end < len(s) && s[end] == '/' {
		if !tagged {
			return urlEnd(s, i, end), true
		}
		// After a sign, a path that is another handle or hashtag, or nothing, makes a list of
		// tags rather than an address: "@maya.tt/@acme", "@acme.studio/#sponsored", "@acme.co/".
		if end+1 < len(s) && s[end+1] != '@' && s[end+1] != '#' {
			if j := urlEnd(s, i, end); j > end+1 {
				return j, true
			}
		}
		return 0, false
	}
	known := isBareTLD(tld) && sameCase(tld)
	if known && !email && end < len(s) && (s[end] == ':' || s[end] == '?' || s[end] == '#') {
		// Port, query or fragment: "acme.com#ad" is one address, "acme.com: ad" is not more
		// than "acme.com", and "@acme.com: ad" is the handle.
		if j := urlEnd(s, i, end); j > end || !tagged {
			return j, true
		}
	}
	if email || known && !tagged {
		return end, true
	}
	return 0, false
}

// schemeEnd matches `scheme "://"` at byte i (RFC 3986: a letter, then letters, digits, "+",
// "-" or ".") and returns the offset after "://".
func schemeEnd(s string, i int) (int, bool) {
	j := i
	for j < len(s) && (isASCIILetter(s[j]) || j > i && (isASCIIDigit(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.')) {
		j++
	}
	if j == i || len(s)-j < 3 || s[j:j+3] != "://" {
		return 0, false
	}
	return j + 3, true
}

// emailEnd matches `local "@" host` at byte i and returns the offset after the host and its
// top-level domain.
func emailEnd(s string, i int) (int, string, bool) {
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) && r != '.' && r != '+' && r != '-' && r != '%' {
			break
		}
		j += size
	}
	if j == i || j >= len(s) || s[j] != '@' || s[j-1] == '.' {
		return 0, "", false
	}
	return hostEnd(s, j+1)
}

// hostEnd matches a host name of at least two dot-separated labels at byte i — each label
// letters, digits, marks, "_" or inner "-" — whose last label (returned as tld) is two or more
// ASCII letters, and returns the offset after it.
func hostEnd(s string, i int) (end int, tld string, ok bool) {
	labels := 0
	j := i
	for {
		if !startsWordAt(s, j) {
			break
		}
		start := j
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isWordRune(r) && r != '-' {
				break
			}
			j += size
		}
		labels++
		end, tld = j, s[start:j]
		if j+1 >= len(s) || s[j] != '.' {
			break
		}
		j++
	}
	if labels < 2 || len(tld) < 2 {
		return 0, "", false
	}
	for k := 0; k < len(tld); k++ {
		if !isASCIILetter(tld[k]) {
			return 0, "", false
		}
	}
	return end, tld, true
}

// urlEnd extends an address whose start is at byte start and whose mandatory part ends at j
// over the characters URLs are made of, then gives back trailing punctuation that belongs to
// the sentence.
func urlEnd(s string, start, j int) int {
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isURLRune(r) {
			break
		}
		j += size
	}
	for j > start {
		switch s[j-1] {
		case '.', ',', ':', ';', '!', '?', '\'', '*':
			j--
			continue
		case ')':
			if unbalanced(s[start:j], '(', ')') {
				j--
				continue
			}
		case ']':
			if unbalanced(s[start:j], '[', ']') {
				j--
				continue
			}
		}
		break
	}
	return j
}

// isURLRune reports the runes an address may contain: RFC 3986's unreserved, reserved and
// "%" characters, letters and digits of any script (and their marks), and the invisible runes
// the tokeniser ignores everywhere.
func isURLRune(r rune) bool {
	if r < utf8.RuneSelf {
		if isASCIILetter(byte(r)) || isASCIIDigit(byte(r)) {
			return true
		}
		switch r {
		case '-', '.', '_', '~', ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')',
			'*', '+', ',', ';', '=', '%':
			return true
		}
		return false
	}
	return isWordRune(r) || isIgnorable(r)
}

// unbalanced reports whether s closes more brackets than it opens.
func unbalanced(s string, open, close byte) bool {
	n := 0
	for k := 0; k < len(s); k++ {
		switch s[k] {
		case open:
			n++
		case close:
			n--
		}
	}
	return n < 0
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isASCIIDigit(c byte) bool  { return '0' <= c && c <= '9' }

// hasPrefixASCIIFold reports whether s starts with the lower-case ASCII prefix, in any case.
func hasPrefixASCIIFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// isBareTLD reports whether the ASCII label tld, in any case, is one of bareTLDs.
func isBareTLD(tld string) bool {
	var buf [8]byte
	if len(tld) > len(buf) {
		return false
	}
	for k := 0; k < len(tld); k++ {
		c := tld[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[k] = c
	}
	return bareTLDs[string(buf[:len(tld)])] // indexing with a converted slice does not allocate
}

// sameCase reports whether the ASCII letters of s are all lower case or all capitals.
func sameCase(s string) bool {
	lower, upper := false, false
	for k := 0; k < len(s); k++ {
		lower = lower || 'a' <= s[k] && s[k] <= 'z'
		upper = upper || 'A' <= s[k] && s[k] <= 'Z'
	}
	return !(lower && upper)
}
