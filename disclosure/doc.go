// Package disclosure checks that a creator's caption carries an advertising disclosure that
// the audience cannot miss, following /docs/DISCLOSURE.md: the FTC Endorsement Guides in the
// US, the ASA/CMA influencer guidance in the UK and the national guidance under the EU Unfair
// Commercial Practices Directive in DE, FR and ES.
//
// The per-market rules are data. Each jurisdiction is one table in its own file (us.go,
// uk.go, de.go, fr.go, es.go) listing its accepted and ambiguous labels and the video formats
// for which it wants a spoken disclosure; platforms and formats are tables too
// (platforms.go). The tables are compiled once at start-up into lookup maps, so a check is a
// single tokenising pass over the caption plus map look-ups, with no regular expressions.
//
// Matching is Unicode-aware and works on tokens, never on substrings: a label matches whole
// words or whole hashtags ("#adventure" is not "#ad", "bad" is not "ad"), punctuation and
// emoji around a label do not hide it ("(ad)", "AD:", "#ad." and "🔥#ad🔥" are all labels),
// every Unicode space separates words, and case is compared after Unicode simple case
// folding. Decomposed accents (e + U+0301) are composed so that they equal the precomposed
// spelling; an unaccented spelling ("publicite") only counts where the table lists it. Web
// and e-mail addresses are single tokens that no label matches ("acme.com/ad", "ad@acme.com",
// also after "@" or "#": "@acme.com/ad"; link.go has the rule), and they are not the brand's
// name either.
//
// All positions are rune offsets into the caption as given. The fold of below_fold, and the
// "starts at character N" of its message, count user-perceived characters (grapheme
// clusters) instead, as the platforms do: characters.go.
package disclosure
