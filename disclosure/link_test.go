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
		{"my-shop.com/ad", []tok{{kindLink, "my-shop.com/ad", 0, 14}}},
		{"first.last@acme.de", []tok{{kindLink, "first.last@acme.de", 0, 18}}},
		{"a.b.c.d.com", []tok{{kindLink, "a.b.c.d.com", 0, 11}}},
		{"ad.co", []tok{{kindLink, "ad.co", 0, 5}}},
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
