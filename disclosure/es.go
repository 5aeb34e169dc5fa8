package disclosure

// Spain: Ley General de Comunicación Audiovisual and the AUTOCONTROL/AEA code of conduct on
// influencer advertising, which also lists "publi".
var es = register(table{
	code:      "ES",
	regulator: "the Spanish influencer code of conduct",
	accepted:  []string{"publicidad", "#publicidad", "#ad", "publi", "#publi"},
	ambiguous: []string{"colaboración", "#colab", "partner"},
	suggest:   "#publicidad",
	overlay:   "Publicidad",
})
