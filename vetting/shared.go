package vetting

import (
	"fmt"
	"slices"
	"strings"
)

// Shared is r with a critical CodeAccountShared flag: another creator registered r's account
// too. The report is then not clean whatever its figures, so the partnership never advances
// on its own and a brand manager checks who owns the account. c and t are those r was
// assessed with: the score and explanation are made again as Assess would have made them
// with the flag among the others (it costs the points of any critical flag). A report with
// no figures (Missing, Unavailable) keeps its zero score and gets the flag's message added to
// its explanation. The message names the account but never the other creator, who may be
// another brand's.
func Shared(r Report, c Campaign, t Thresholds) Report {
	f := Flag{Code: CodeAccountShared, Severity: SeverityCritical, Platform: r.Platform, Handle: r.Handle,
		Message: fmt.Sprintf("The %s account @%s is also registered to another creator: make sure this creator owns it before they are paid for its posts.",
			r.Platform, strings.TrimPrefix(r.Handle, "@"))}
	r.Flags = append(slices.Clone(r.Flags), f)
	r.Clean = false
	if r.Error != "" {
		r.Explanation += " " + f.Message
		return r
	}
	keywords := newTerms(c.Keywords)
	r.Score = score(&r, len(keywords) > 0)
	r.Explanation = explain(&r, keywords, t.CleanScore)
	return r
}
