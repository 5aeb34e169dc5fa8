package disclosure

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Web and e-mail addresses are one token, with rune positions like any other; words that only
// look like a domain stay words (see link.go for the rule).
func TestAddressesAreOneToken(t *testing.T) {
	type tok struct {
		kind       tokenKind
		text       string // the caption's bytes
		start, end int
	}
	tests := []struct {
		caption string
		want    []tok
	}{
		{"acme.com", []tok{{kindLink, "acme.com", 0, 8}}},
		{"ACME.COM", []tok{{kindLink, "ACME.COM", 0, 8}}},
		{"Link:https://acme.com/ad!", []tok{{kindWord, "Link", 0, 4}, {kindLink, "https://acme.com/ad", 5, 24}}},
		{"git+ssh://x/ad", []tok{{kindLink, "git+ssh://x/ad", 0, 14}}},
		{"WWW.acme.com", []tok{{kindLink, "WWW.acme.com", 0, 12}}},
		{"(see acme.com/ad).", []tok{{kindWord, "see", 1, 4}, {kindLink, "acme.com/ad", 5, 16}}},
		{"(acme.com/a(b)c)", []tok{{kindLink, "acme.com/a(b)c", 1, 15}}},
		{"acme.com: ad", []tok{{kindLink, "acme.com", 0, 8}, {kindWord, "ad", 10, 12}}},
		{"first.last@acme.de", []tok{{kindLink, "first.last@acme.de", 0, 18}}},
		{"a.b.c.d.com", []tok{{kindLink, "a.b.c.d.com", 0, 11}}},
		{"ad.co", []tok{{kindLink, "ad.co", 0, 5}}},
		{"my-shop.com/ad", []tok{{kindLink, "my-shop.com/ad", 0, 14}}},
		{"Werbung.Anzeige/x", []tok{{kindLink, "Werbung.Anzeige/x", 0, 17}}}, // a slash after word.word
		{"acme.com/größe🔥ad", []tok{{kindLink, "acme.com/größe", 0, 14}, {kindWord, "ad", 15, 17}}},
		{"acme.com/\u00adad", []tok{{kindLink, "acme.com/\u00adad", 0, 12}}},
		{"#a-b.com/ad", []tok{{kindHashtag, "#a", 0, 2}, {kindLink, "b.com/ad", 3, 11}}},
		// Not addresses.
		{"hi@acmerunning", []tok{{kindWord, "hi", 0, 2}, {kindWord, "acmerunning", 3, 14}}},
		{"wow.great", []tok{{kindWord, "wow", 0, 3}, {kindWord, "great", 4, 9}}},
		{"super.Es", []tok{{kindWord, "super", 0, 5}, {kindWord, "Es", 6, 8}}},
		{"Acme.Com", []tok{{kindWord, "Acme", 0, 4}, {kindWord, "Com", 5, 8}}},
		{"it.ad", []tok{{kindWord, "it", 0, 2}, {kindWord, "ad", 3, 5}}},
		{"e.g.", []tok{{kindWord, "e", 0, 1}, {kindWord, "g", 2, 3}}},
		{"3.5/10", []tok{{kindWord, "3", 0, 1}, {kindWord, "5", 2, 3}, {kindWord, "10", 4, 6}}},
		{"@acme.com", []tok{{kindMention, "@acme.com", 0, 9}}},
		// "de" and "es" are words of the rule sets, so a bare host needs more to be an address.
		{"Werbung.de", []tok{{kindWord, "Werbung", 0, 7}, {kindWord, "de", 8, 10}}},
		{"Publicidad.es", []tok{{kindWord, "Publicidad", 0, 10}, {kindWord, "es", 11, 13}}},
		{"acme.de/werbung", []tok{{kindLink, "acme.de/werbung", 0, 15}}},
		// A handle or hashtag followed directly by more host and a path, query, fragment or
		// port is an address written with "@" or "#" in front: one token from the "@" or "#".
		{"@acme.com/ad", []tok{{kindLink, "@acme.com/ad", 0, 12}}},
		{"@acme.co.uk/ad?x=1", []tok{{kindLink, "@acme.co.uk/ad?x=1", 0, 18}}},
		{"@ACME.COM/AD", []tok{{kindLink, "@ACME.COM/AD", 0, 12}}},
		{"(@acme.com/ad).", []tok{{kindLink, "@acme.com/ad", 1, 13}}},
		// A handle or hashtag after the slash makes a list of tags, not a path.
		{"@acme.com/#ad", []tok{{kindMention, "@acme.com", 0, 9}, {kindHashtag, "#ad", 10, 13}}},
		{"@maya.tt/@acme", []tok{{kindMention, "@maya.tt", 0, 8}, {kindMention, "@acme", 9, 14}}},
		{"@acme.studio/#sponsored", []tok{{kindMention, "@acme.studio", 0, 12}, {kindHashtag, "#sponsored", 13, 23}}},
		{"@acme.co.uk/", []tok{{kindMention, "@acme.co.uk", 0, 11}}},
		// An e-mail address ends at a hashtag written after it; only a path runs on.
		{"hi@acme.com#ad", []tok{{kindLink, "hi@acme.com", 0, 11}, {kindHashtag, "#ad", 11, 14}}},
		{"@acme.com#ad", []tok{{kindLink, "@acme.com#ad", 0, 12}}},
		{"@acme.com?ad", []tok{{kindLink, "@acme.com?ad", 0, 12}}},
		{"@acme.com:8080/ad", []tok{{kindLink, "@acme.com:8080/ad", 0, 17}}},
		{"@acme.de/werbung", []tok{{kindLink, "@acme.de/werbung", 0, 16}}},
		{"\uff20acme.com/ad", []tok{{kindLink, "\uff20acme.com/ad", 0, 12}}},
		{"@https://acme.com/ad", []tok{{kindLink, "@https://acme.com/ad", 0, 20}}},
		{"#acme.com/ad", []tok{{kindLink, "#acme.com/ad", 0, 12}}},
		// An e-mail address runs on over a path like any host ("user@host/path").
		{"x@acme.com/ad", []tok{{kindLink, "x@acme.com/ad", 0, 13}}},
		// Still handles and hashtags: a bare host after "@" is a handle with dots, and a
		// handle that is no host ("@acme/ad") is one word of the caption like "acme/ad".
		{"@acme", []tok{{kindMention, "@acme", 0, 5}}},
		{"@acme.", []tok{{kindMention, "@acme", 0, 5}}},
		{"@acme_official", []tok{{kindMention, "@acme_official", 0, 14}}},
		{"@acme.official", []tok{{kindMention, "@acme.official", 0, 14}}},
		{"@acme.co.uk", []tok{{kindMention, "@acme.co.uk", 0, 11}}},
		{"@acme.com.", []tok{{kindMention, "@acme.com", 0, 9}}},
		{"@acme.com: ad", []tok{{kindMention, "@acme.com", 0, 9}, {kindWord, "ad", 11, 13}}},
		{"@acme.com:)", []tok{{kindMention, "@acme.com", 0, 9}}},
		{"@www.acme.com.", []tok{{kindMention, "@www.acme.com", 0, 13}}},
		{"@acme/ad", []tok{{kindMention, "@acme", 0, 5}, {kindWord, "ad", 6, 8}}},
		{"@acme#ad", []tok{{kindMention, "@acme", 0, 5}, {kindHashtag, "#ad", 5, 8}}},
		{"@acme.running#ad", []tok{{kindMention, "@acme.running", 0, 13}, {kindHashtag, "#ad", 13, 16}}},
		{"#ad.", []tok{{kindHashtag, "#ad", 0, 3}}},
		{"#ad.com", []tok{{kindHashtag, "#ad", 0, 3}, {kindWord, "com", 4, 7}}},
		// A hyphen ends a handle, as on the platforms: "@acme" is the handle, and the address
		// starts after it, still hiding the "ad".
		{"@acme-shop.com/ad", []tok{{kindMention, "@acme", 0, 5}, {kindLink, "shop.com/ad", 6, 17}}},
		{"#a#b#ad", []tok{{kindHashtag, "#a", 0, 2}, {kindHashtag, "#b", 2, 4}, {kindHashtag, "#ad", 4, 7}}},
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			var sc scratch
			sc.tokenize(tt.caption)
			var got []tok
			for i := range sc.toks {
				tk := &sc.toks[i]
				got = append(got, tok{tk.kind, tt.caption[tk.bstart:tk.bend], tk.start, tk.end})
				if tk.kind == kindLink {
					require.Empty(t, sc.body(tk), "an address has no body a label could match")
				}
			}
			require.Equal(t, tt.want, got)
		})
	}
}
