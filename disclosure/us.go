package disclosure

// United States: FTC Endorsement Guides (16 CFR Part 255, revised 2023) and "Disclosures 101
// for Social Media Influencers". Video needs the disclosure both on screen and spoken.
var us = register(table{
	code:      "US",
	regulator: "the FTC",
	accepted: []string{
		"ad", "#ad", "advertisement", "#advertisement", "sponsored", "#sponsored",
		"paid partnership", "#paidpartnership", "paid ad",
		"#<brand>partner", "#<brand>_partner",
		"thanks to <brand> for the free product", "gifted by <brand>",
	},
	ambiguous: []string{
		"sp", "#sp", "spon", "#spon", "collab", "#collab", "partner", "#partner",
		"thanks", "#thanks", "thankyou", "ambassador", "#ambassador",
		"#aff", "#affiliate", "#client",
	},
	suggest:   "#ad",
	overlay:   "Ad",
	spokenFor: []string{"video", "short", "live"},
})
