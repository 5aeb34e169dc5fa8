package disclosure

// Germany: UWG § 5a and the Landesmedienanstalten guidance. German courts want the German
// "Werbung" or "Anzeige"; the English "ad" is not clear enough for a German audience.
var de = register(table{
	code:      "DE",
	regulator: "German media authorities",
	accepted:  []string{"werbung", "#werbung", "anzeige", "#anzeige"},
	ambiguous: []string{
		"ad", "#ad", "sponsored", "#sponsored", "kooperation", "#kooperation", "collab", "partner",
	},
	suggest: "#Werbung",
	overlay: "Werbung",
})
