package disclosure

// United Kingdom: ASA/CMA "Influencers' guide to making clear that ads are ads" (2023).
// "Sponsored", "gifted" and "paid partnership" are not enough on their own; on-screen
// disclosure alone is accepted for video.
var uk = register(table{
	code:      "UK",
	regulator: "the ASA",
	accepted: []string{
		"ad", "#ad", "advert", "#advert", "advertising", "#advertising",
		"advertisement", "#advertisement",
	},
	ambiguous: []string{
		"sponsored", "#sponsored", "gifted", "#gifted", "affiliate", "#affiliate", "#aff",
		"paid partnership", "in collaboration with", "thanks to", "#client",
		"sp", "#sp", "spon", "#spon", "collab", "#collab", "ambassador",
	},
	suggest: "#ad",
	overlay: "Ad",
})
