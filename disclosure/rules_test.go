package disclosure

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pad returns n runes that name the brand and end in a space, so a label appended to it
// starts at rune offset n. The filler is an emoji (4 bytes, 1 rune) so that an
// implementation counting bytes instead of runes fails.
func pad(n int) string {
	return "Acme" + strings.Repeat("🔥", n-5) + " "
}

func TestMissingDisclosure(t *testing.T) {
	tests := []struct {
		caption string
		want    []string
	}{
		{"", []string{CodeMissingDisclosure, CodeBrandNotNamed}},
		{"New Acme kicks", []string{CodeMissingDisclosure}},
		{"New Acme kicks #adventure", []string{CodeMissingDisclosure}},
		{"made by Acme #adidas #adventure", []string{CodeMissingDisclosure}},
		{"Acme is not bad", []string{CodeMissingDisclosure}},
		{"Acme #ads #adtime", []string{CodeMissingDisclosure}},
		{"Acme ad-free morning", []string{CodeMissingDisclosure}},
		{"Acme #ad-free morning", []string{CodeMissingDisclosure}},
		{"Acme pre-ad warmup", []string{CodeMissingDisclosure}},
		{"Acme #ad_free", []string{CodeMissingDisclosure}},
		{"Acme a d", []string{CodeMissingDisclosure}},
		{"Acme ad2 and ads", []string{CodeMissingDisclosure}},
		{"Ask @ad about Acme", []string{CodeMissingDisclosure}},
		{"Acme paid, partnership", []string{CodeMissingDisclosure}},
		{"Acme #acmepartners", []string{CodeMissingDisclosure}},
		// Text inside a web or e-mail address is not a word of the caption.
		{"Loving my Acme sneakers! acme.com/shop?utm_medium=ad", []string{CodeMissingDisclosure}},
		{"Loving my Acme sneakers! https://acme.com/ad/summer", []string{CodeMissingDisclosure}},
		{"Loving my Acme sneakers! acme.com/#ad", []string{CodeMissingDisclosure}},
		{"Loving my Acme sneakers! mail me: ad@acme.com", []string{CodeMissingDisclosure}},
		{"Acme kicks https://acme.com/sponsored", []string{CodeMissingDisclosure}},
		{"Acme kicks www.acme.com/ad", []string{CodeMissingDisclosure}},
		{"Acme kicks (see bit.ly/ad).", []string{CodeMissingDisclosure}},
		{"Acme kicks, write to ad-team@acme.com", []string{CodeMissingDisclosure}},
		{"Acme kicks acme.com#ad", []string{CodeMissingDisclosure}},
		// Nor is text inside an address written after "@" or "#".
		{"Acme kicks @acme.com/ad", []string{CodeMissingDisclosure}},
		{"Acme kicks @acme.co.uk/ad?x=1", []string{CodeMissingDisclosure}},
		{"Acme kicks (@ACME.COM/AD)", []string{CodeMissingDisclosure}},
		// A list of tags after a dotted handle keeps its label and its brand.
		{"Acme kicks @acme.com/#ad", nil},
		{"Shot by @maya.tt/@acme #ad", nil},
		{"Loving Acme kicks @acme.official/#ad", nil},
		{"Email hi@acme.com#ad for Acme", nil},
		{"Acme kicks @acme.com#ad", []string{CodeMissingDisclosure}},
		{"Acme kicks @acme.com:8080/ad", []string{CodeMissingDisclosure}},
		{"Acme kicks @acme.com/sponsored", []string{CodeMissingDisclosure}},
		{"Acme kicks #acme.com/ad", []string{CodeMissingDisclosure}},
		{"Acme kicks, write to x@acme.com/ad", []string{CodeMissingDisclosure}},
		{"AD: Acme kicks", nil},
		{"(ad) Acme kicks", nil},
		{"#ad. Acme kicks", nil},
		{"Paid partnership with Acme", nil},
		{"Paid-partnership with Acme", nil},
		{"paid ad for Acme", nil},
		{"Gifted by Acme", nil},
		{"gifted by @acme", nil},
		{"Thanks to Acme for the free product!", nil},
		{"#AcmePartner new kicks", nil},
		{"#acme_partner new kicks", nil},
		// A label next to an address still counts, and so do words that only look like one.
		{"#ad Acme kicks, shop at acme.com/summer", nil},
		{"Acme kicks at acme.com. Ad", nil},
		{"Acme kicks at acme.com/summer, ad", nil},
		{"Acme kicks, loved it.ad", nil},
		{"Acme kicks wow.great ad", nil},
		{"Acme kicks super.Ad", nil},
		{"@acme kicks @acme.com/summer #ad", nil},
		{"Ad: kicks by @acme.", nil},
		{"Acme kicks @acme/ad", nil}, // "@acme" and "ad", as in "Acme/ad": no host, no address
		{"Acme kicks @acme#ad", nil},
		{"Acme kicks @acme.com: ad", nil},
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			requireVerdict(t, post(tt.caption), tt.want...)
		})
	}
}

func TestAmbiguousLabel(t *testing.T) {
	tests := []struct {
		caption   string
		want      []string
		ambiguous int // how many ambiguous_label violations
	}{
		{"Acme kicks #sp", []string{CodeMissingDisclosure, CodeAmbiguousLabel}, 1},
		{"Acme kicks #sp #collab", []string{CodeMissingDisclosure, CodeAmbiguousLabel}, 2},
		{"SPON Acme kicks", []string{CodeMissingDisclosure, CodeAmbiguousLabel}, 1},
		{"thanks Acme!", []string{CodeMissingDisclosure, CodeAmbiguousLabel}, 1},
		// An accepted label makes the unclear ones harmless.
		{"#ad Acme kicks #sp", nil, 0},
		{"Thanks to Acme for the free product", nil, 0},
		// The US table lists the word "thankyou" but not the hashtag; tables are exact.
		{"#thankyou Acme", []string{CodeMissingDisclosure}, 0},
		// "partner" is unclear, "partnership" is simply not a label.
		{"Acme partnership", []string{CodeMissingDisclosure}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			res := requireVerdict(t, post(tt.caption), tt.want...)
			n := 0
			for _, v := range res.Violations {
				if v.Code == CodeAmbiguousLabel {
					n++
				}
			}
			require.Equal(t, tt.ambiguous, n)
		})
	}
}

func TestAmbiguousLabelPointsAtRunes(t *testing.T) {
	res := requireVerdict(t, post("Acmé? Acme 🔥🔥 #SP"), CodeMissingDisclosure, CodeAmbiguousLabel)
	v := res.Violations[1]
	require.Equal(t, 14, v.Start)
	require.Equal(t, 17, v.End)
	require.Contains(t, v.Message, `"#SP"`, "quotes the caption as written")
}

func TestBelowFold(t *testing.T) {
	tests := []struct {
		platform string
		limit    int
	}{
		{"instagram", 125}, {"tiktok", 100}, {"youtube", 100}, {"x", 280}, {"facebook", 400},
	}
	for _, tt := range tests {
		t.Run(tt.platform, func(t *testing.T) {
			inside := post(pad(tt.limit-1) + "#ad")
			inside.Platform = tt.platform
			requireVerdict(t, inside)

			outside := post(pad(tt.limit) + "#ad")
			outside.Platform = tt.platform
			res := requireVerdict(t, outside, CodeBelowFold)
			require.Equal(t, tt.limit, res.Violations[0].Start)
			require.Equal(t, tt.limit+3, res.Violations[0].End)
			require.Contains(t, res.Violations[0].Message, "Move it to the start of the caption")
		})
	}

	t.Run("one label above the fold is enough", func(t *testing.T) {
		requireVerdict(t, post("Ad "+pad(200)+"#ad"))
	})
	t.Run("leading whitespace is not part of the visible caption", func(t *testing.T) {
		requireVerdict(t, post(" \n\u00a0\t"+pad(124)+"#ad"))
	})
	t.Run("multi-word label starting inside the fold", func(t *testing.T) {
		requireVerdict(t, post(pad(124)+"paid partnership"))
	})
	t.Run("an address above the fold is not a label", func(t *testing.T) {
		requireVerdict(t, post("Acme acme.com/ad "+strings.Repeat("x", 130)+" #ad"), CodeBelowFold)
	})
}

func TestBuriedInHashtags(t *testing.T) {
	tests := []struct {
		caption string
		want    []string
	}{
		{"Acme kicks #a #b #ad", []string{CodeBuriedInHashtags}},
		{"Acme kicks #ad #a #b", []string{CodeBuriedInHashtags}},
		{"Acme kicks #a #b #ad #ad", []string{CodeBuriedInHashtags}},
		{"Acme kicks #a#b#ad", []string{CodeBuriedInHashtags}},
		{"Acme kicks #a\u00a0#b\n#ad", []string{CodeBuriedInHashtags}},
		{"Acme kicks #a #b #AcmePartner", []string{CodeBuriedInHashtags}},
		{"#ad #running #fitness Acme kicks", nil},   // the run starts the caption
		{"🔥 #ad #running #fitness Acme kicks", nil}, // emoji do not count as content
		{"Acme kicks #running #ad", nil},            // a run of two
		{"Acme kicks #a, #b, #ad", nil},             // not separated only by whitespace
		{"Acme kicks #a #b 🔥 #ad", nil},             // the emoji breaks the run
		{"Acme kicks #a #b #ad and #ad again", nil}, // one label stands alone
		{"Ad: Acme kicks #a #b #ad", nil},           // the word label is not buried
		{"Acme paid partnership #a #b #c", nil},     // phrases are never hashtags
		{"Acme kicks #a #b #ad-free #ad", nil},      // the last #ad stands alone
		{"Acme kicks acme.com/ad #a #b #ad", []string{CodeBuriedInHashtags}},
		{"acme.com #a #b #ad Acme kicks", []string{CodeBuriedInHashtags}}, // an address is content
		{"Acme kicks #a #b acme.com #ad", nil},                            // it ends a run
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			requireVerdict(t, post(tt.caption), tt.want...)
		})
	}
}

func TestBrandNotNamed(t *testing.T) {
	tests := []struct {
		brand   string
		handles []string
		caption string
		named   bool
	}{
		{"Acme", []string{"@acme"}, "#ad love these", false},
		{"Acme", []string{"@acme"}, "#ad love @acme", true},
		{"Acme", []string{"@acme"}, "#ad love @ACME!", true},
		{"Acme", []string{"acme"}, "#ad love @acme", true}, // handle given without "@"
		{"Acme", []string{"@acme"}, "#ad love @acmesupport", false},
		{"Acme", []string{"@acme"}, "#ad love ACME", true},
		{"Acme", []string{"@acme"}, "#ad love Acme's new line", true},
		{"Acme", []string{"@acme"}, "#ad love #AcmeRunning", true},
		{"Acme", []string{"@acme"}, "#ad love acmes", false},
		{"Acme", []string{"@acme"}, "#AcmePartner new kicks", true}, // a label naming it
		{"Acme", nil, "#ad love @acme", true},                       // name written as a handle
		{"", []string{"@acme.running"}, "#ad love @acme.running.", true},
		{"", []string{"@acme.running"}, "#ad love @acme", false},
		{"Blue Bottle", nil, "#ad BlueBottle coffee", true},
		{"Blue Bottle", nil, "#ad blue bottle coffee", true},
		{"Blue Bottle", nil, "#ad blue-bottle coffee", true},
		{"Blue Bottle", nil, "#ad #BlueBottleCoffee", true},
		{"Blue Bottle", nil, "#ad bluebottles", false},
		{"Blue Bottle", nil, "#ad blue coffee bottle", false},
		{"Ben & Jerry's", nil, "#ad Ben & Jerry's", true},
		{"Café Noir", nil, "#ad CAFE\u0301 NOIR", true},
		{"Café Noir", nil, "#ad cafe noir", false},
		{"", nil, "#ad Acme", false}, // nothing to look for: cannot be confirmed
		// A domain or e-mail address is none of the forms DISCLOSURE.md lists.
		{"Acme", []string{"@acme"}, "#ad shop at acme.com", false},
		{"Acme", []string{"@acme"}, "#ad https://www.acme.com/summer", false},
		{"Acme", []string{"@acme"}, "#ad write to hello@acme.com", false},
		{"Acme", []string{"@acme"}, "#ad Acme: acme.com/summer", true},
		// Nor is an address written after "@" or "#", whatever its host: it is not a handle.
		{"Acme", []string{"@acme"}, "#ad shop @acme.com/summer", false},
		{"Acme", []string{"@acme.com"}, "#ad shop @acme.com/summer", false},
		{"Acme", []string{"@acme.com"}, "#ad shop at @acme.com", true}, // a handle with dots
		{"Acme", []string{"@acme"}, "#ad shop #acme.com/summer", false},
		{"Acme", []string{"@acme"}, "#ad shop @acme/summer", true},
		{"Acme", []string{"@acme"}, "#ad love @acme.", true},
		{"Acme", []string{"@acme_official"}, "#ad love @acme_official!", true},
	}
	for _, tt := range tests {
		t.Run(tt.brand+"/"+tt.caption, func(t *testing.T) {
			in := post(tt.caption)
			in.BrandName, in.BrandHandles = tt.brand, tt.handles
			var want []string
			if !tt.named {
				want = []string{CodeBrandNotNamed}
			}
			requireVerdict(t, in, want...)
		})
	}
}

// "#<brand>partner" and "#<brand>_partner" take the brand the way every other brand form does:
// its name or one of its handles (without the "@"; not one with a dot, which cannot be in a
// hashtag), with underscores standing for spaces.
func TestBrandHashtagLabel(t *testing.T) {
	tests := []struct {
		brand   string
		handles []string
		caption string
		want    []string
		labels  []string
	}{
		{"", []string{"@acme"}, "Love #AcmePartner", nil, []string{"#acmepartner"}},
		{"Acme Running", []string{"@acme"}, "Love #AcmePartner", nil, []string{"#acmepartner"}},
		{"Acme Running", []string{"@acme"}, "Love #AcmeRunningPartner", nil, []string{"#acmerunningpartner"}},
		{"Acme Running", []string{"@acme"}, "Love #acme_running_partner", nil, []string{"#acme_running_partner"}},
		{"Blue Bottle", nil, "Love #blue_bottle_partner", nil, []string{"#blue_bottle_partner"}},
		{"Blue Bottle", nil, "Love #Blue_BottlePartner", nil, []string{"#blue_bottlepartner"}},
		{"Blue Bottle", nil, "#BlueBottlePartner", nil, []string{"#bluebottlepartner"}},
		{"", []string{"@acme_running"}, "Love #AcmeRunningPartner", nil, []string{"#acmerunningpartner"}},
		{"", []string{"@acme_running"}, "Love #acme_running_partner", nil, []string{"#acme_running_partner"}},
		{"Acme", []string{"@acme"}, "Love #acme_partner", nil, []string{"#acme_partner"}}, // one form, listed once
		{"", []string{"@acme.running"}, "Love #acmerunningpartner",
			[]string{CodeMissingDisclosure, CodeBrandNotNamed}, nil},
		{"Acme", []string{"@acme"}, "Love #acmepartners", []string{CodeMissingDisclosure}, nil},
		{"Acme", []string{"@acme"}, "Love #acme__partner", []string{CodeMissingDisclosure}, nil},
		{"Acme", []string{"@acme"}, "Love #partner @acme", []string{CodeMissingDisclosure, CodeAmbiguousLabel}, nil},
		{"", []string{"@_"}, "#ad #acmepartner", []string{CodeBrandNotNamed}, []string{"#ad"}},
		// The other brand forms, for comparison.
		{"", []string{"@acme"}, "Gifted by @acme", nil, []string{"gifted by @acme"}},
		{"Ben & Jerry's", nil, "Gifted by Ben & Jerry's", nil, []string{"gifted by ben & jerry's"}},
	}
	for _, tt := range tests {
		t.Run(tt.brand+"/"+strings.Join(tt.handles, ",")+"/"+tt.caption, func(t *testing.T) {
			in := post(tt.caption)
			in.BrandName, in.BrandHandles = tt.brand, tt.handles
			res := requireVerdict(t, in, tt.want...)
			if tt.labels == nil {
				tt.labels = []string{}
			}
			require.Equal(t, tt.labels, res.LabelsFound)
		})
	}
}

func TestPlatformLabelOnly(t *testing.T) {
	in := post("Acme kicks")
	in.PlatformPaidLabel = true
	res := requireVerdict(t, in, CodeMissingDisclosure, CodePlatformLabelOnly)
	require.Contains(t, res.Violations[1].Message, "Instagram")

	in = post("#ad Acme kicks")
	in.PlatformPaidLabel = true
	requireVerdict(t, in)

	in = post("Acme kicks #sp")
	in.PlatformPaidLabel = true
	requireVerdict(t, in, CodeMissingDisclosure, CodeAmbiguousLabel, CodePlatformLabelOnly)
}

func TestVideoDisclosure(t *testing.T) {
	tests := []struct {
		jurisdiction, format string
		onscreen, spoken     bool
		ok                   bool
	}{
		{"US", "post", false, false, true},
		{"US", "reel", false, false, false},
		{"US", "reel", true, false, true}, // spoken is only for video, short and live
		{"US", "story", true, false, true},
		{"US", "video", true, false, false},
		{"US", "video", false, true, false},
		{"US", "video", true, true, true},
		{"US", "short", true, false, false},
		{"US", "live", true, false, false},
		{"US", "live", true, true, true},
		{"UK", "video", true, false, true},
		{"UK", "live", false, true, false},
		{"DE", "short", true, false, true},
		{"FR", "live", true, false, true},
		{"ES", "story", false, false, false},
		{"ES", "post", false, false, true},
	}
	captions := map[string]string{
		"US": "#ad Acme", "UK": "#ad Acme", "DE": "#Werbung Acme", "FR": "#publicité Acme", "ES": "#publi Acme",
	}
	for _, tt := range tests {
		name := tt.jurisdiction + "/" + tt.format
		t.Run(name, func(t *testing.T) {
			i := in(tt.jurisdiction, captions[tt.jurisdiction])
			i.Format, i.OnscreenDisclosure, i.SpokenDisclosure = tt.format, tt.onscreen, tt.spoken
			var want []string
			if !tt.ok {
				want = []string{CodeVideoDisclosureMissing}
			}
			res := requireVerdict(t, i, want...)
			if !tt.ok && !tt.onscreen {
				require.Contains(t, res.Violations[0].Message, "on screen")
			}
			if !tt.ok && tt.onscreen {
				require.Contains(t, res.Violations[0].Message, "out loud")
			}
		})
	}
}

func TestViolationOrderFollowsTheSpec(t *testing.T) {
	i := post("nothing to see #sp")
	i.BrandName, i.BrandHandles = "Acme", nil
	i.Format, i.PlatformPaidLabel = "video", true
	requireVerdict(t, i, CodeMissingDisclosure, CodeAmbiguousLabel, CodeBrandNotNamed,
		CodePlatformLabelOnly, CodeVideoDisclosureMissing)

	requireVerdict(t, post("nothing "+pad(130)+"#a #b #ad"), CodeBelowFold, CodeBuriedInHashtags)
}

func TestLabelsFound(t *testing.T) {
	res := requireVerdict(t, post("AD: #ad Gifted by Acme, #AcmePartner and #ad again"))
	require.Equal(t, []string{"ad", "#ad", "gifted by acme", "#acmepartner"}, res.LabelsFound)
}
