package vetting

import "slices"

// defaultBrandSafetyTerms are whole-word terms no mainstream brand wants next to its name,
// chosen from the categories of the GARM Brand Safety Floor (Global Alliance for Responsible
// Media, World Federation of Advertisers): adult content, illegal drugs, hate and extremism,
// terrorism, graphic violence, obscenity. Only unambiguous words are listed — "shot", "weed"
// or "escort" have innocent meanings and would flag half the creators on a platform — and
// campaigns add their own through Campaign.BrandSafetyTerms.
var defaultBrandSafetyTerms = []string{
	// adult
	"porn", "porno", "pornhub", "nsfw", "onlyfans", "xxx",
	// illegal drugs
	"cocaine", "heroin", "meth", "methamphetamine", "fentanyl", "mdma", "ketamine",
	// hate and extremism, terrorism, violence
	"nazi", "white power", "kkk", "terrorist", "terrorism", "mass shooting",
	// obscenity
	"fuck", "fucking", "motherfucker",
}

// DefaultBrandSafetyTerms returns the built-in unsafe terms, which Assess always checks.
func DefaultBrandSafetyTerms() []string {
	return slices.Clone(defaultBrandSafetyTerms)
}
