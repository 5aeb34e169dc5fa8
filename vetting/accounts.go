package vetting

import (
	"fmt"
	"strings"
)

// Combined is the vetting of every account a partnership will use: one per platform of its
// deliverables, the first deliverable's (the primary account) first.
//
// The embedded Report keeps the shape and figures of a one-account report, so a reader that
// knows only that shape still reads it right: platform, handle, followers, tier, engagement,
// topic fit and brand-safety terms are the primary account's; flags, score, clean and
// explanation are the verdict over every account. Flags lists every account's flags, each
// naming its account; Score is the lowest account's; Clean holds only when every account is
// clean; Error is set when the primary account could not be assessed.
type Combined struct {
	Report
	// Accounts is each account's own report, in the order vetted.
	Accounts []Report `json:"accounts"`
}

// Missing is the report of an account that does not exist (reason says why): no figures, and
// a critical CodeAccountNotFound flag, so the report is never clean and a brand manager
// decides.
func Missing(platform, handle, reason string) Report {
	return notVetted(CodeAccountNotFound, platform, handle, reason)
}

// Unavailable is the report of an account the social provider refused to show (a private
// account, one the platform does not let us read): as Missing, with a critical
// CodeAccountUnavailable flag, since the account may well exist.
func Unavailable(platform, handle, reason string) Report {
	return notVetted(CodeAccountUnavailable, platform, handle, reason)
}

func notVetted(code, platform, handle, reason string) Report {
	r := Report{
		Platform: platform, Handle: handle,
		MatchedKeywords: []string{}, BrandSafetyTerms: []string{},
		Flags: []Flag{{Code: code, Severity: SeverityCritical, Platform: platform, Handle: handle,
			Message: fmt.Sprintf("The %s account could not be vetted (%s), so nothing about the audience there can be measured.", platform, reason)}},
		Error: reason,
	}
	r.Explanation = fmt.Sprintf("Not vetted: %s (%s). A brand manager must review this account before the partnership goes on.",
		accountLabel(r), reason)
	return r
}

// Combine merges the reports of a partnership's accounts, the primary account's first, into
// one report (see Combined). With one account the result reads exactly as that account's
// report, plus Accounts.
func Combine(accounts []Report) Combined {
	if len(accounts) == 0 {
		return Combined{Report: Report{Flags: []Flag{}, MatchedKeywords: []string{}, BrandSafetyTerms: []string{}},
			Accounts: []Report{}}
	}
	c := Combined{Report: accounts[0], Accounts: accounts}
	if len(accounts) == 1 {
		return c
	}
	c.Flags = []Flag{}
	var explanations, review []string
	for _, a := range accounts {
		for _, f := range a.Flags {
			// The message names the account too: a person reading the list sees whose it is.
			f.Message = accountLabel(a) + ": " + f.Message
			c.Flags = append(c.Flags, f)
		}
		c.Score = min(c.Score, a.Score)
		c.Clean = c.Clean && a.Clean
		explanations = append(explanations, a.Explanation)
		if !a.Clean {
			review = append(review, accountLabel(a))
		}
	}
	verdict := "Every account is clean, so the partnership can advance without review where the campaign allows it."
	if !c.Clean {
		verdict = "Not clean: a brand manager must review " + strings.Join(review, ", ") + "."
	}
	c.Explanation = fmt.Sprintf("%d accounts were vetted. %s Overall score %d/100 (the lowest account's). %s",
		len(accounts), strings.Join(explanations, " "), c.Score, verdict)
	return c
}

// accountLabel names an account for a person: "tiktok @maya".
func accountLabel(r Report) string {
	if r.Handle == "" {
		return "the " + r.Platform + " account"
	}
	return r.Platform + " @" + strings.TrimPrefix(r.Handle, "@")
}
