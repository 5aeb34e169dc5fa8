package disclosure

// France: loi n° 2023-451 on commercial influence and ARPP guidance, which require
// "publicité" or "collaboration commerciale". The unaccented "publicite" is listed because
// creators type it that way; accents are otherwise significant.
var fr = register(table{
	code:      "FR",
	regulator: "French law (loi influenceurs 2023)",
	accepted: []string{
		"publicité", "#publicité", "publicite", "#publicite",
		"collaboration commerciale", "#collaborationcommerciale",
	},
	ambiguous: []string{"ad", "#ad", "sponsorisé", "partenariat", "collab", "partner"},
	suggest:   "#publicité",
	overlay:   "Publicité",
})
