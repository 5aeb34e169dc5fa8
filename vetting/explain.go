package vetting

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// explain writes Report.Explanation: who the creator is, how engaged and on-topic their
// audience is against the benchmark, what was flagged, and what the score means.
func explain(r *Report, keywords []term, cleanScore int) string {
	var b strings.Builder
	handle := "This creator"
	if r.Handle != "" {
		handle = "@" + strings.TrimPrefix(r.Handle, "@")
	}
	on := ""
	if r.Platform != "" {
		on = " on " + r.Platform
	}
	fmt.Fprintf(&b, "%s is a %s creator%s with %s followers.", handle, r.Tier, on, count(r.Followers))

	switch {
	case r.PostsAnalyzed == 0:
		b.WriteString(" There are no recent posts to measure engagement or topic fit.")
	case r.Followers == 0:
		b.WriteString(" Engagement cannot be measured without followers.")
	case r.TierTypicalEngagement <= 0:
		fmt.Fprintf(&b, " %s %s of followers; no typical rate is configured for %s accounts.",
			engagementOver(r.PostsAnalyzed), percent(r.EngagementRate), r.Tier)
	default:
		fmt.Fprintf(&b, " %s %s of followers, %s the %s typical for %s accounts.",
			engagementOver(r.PostsAnalyzed), percent(r.EngagementRate), relative(r.EngagementVsTier), percent(r.TierTypicalEngagement), r.Tier)
	}

	switch {
	case len(keywords) == 0:
		b.WriteString(" The campaign has no keywords, so topic fit was not assessed and the score leaves it out.")
	case r.PostsAnalyzed > 0:
		fitting := int(math.Round(r.TopicFit * float64(r.PostsAnalyzed)))
		posts, verb := "posts", "mention"
		if r.PostsAnalyzed == 1 {
			posts = "post"
		}
		if fitting == 1 {
			verb = "mentions"
		}
		fmt.Fprintf(&b, " %d of %d recent %s (%s) %s the campaign's topics", fitting, r.PostsAnalyzed, posts, percent(r.TopicFit), verb)
		if len(r.MatchedKeywords) > 0 {
			fmt.Fprintf(&b, " (found: %s).", strings.Join(r.MatchedKeywords, ", "))
		} else {
			fmt.Fprintf(&b, " (%s).", labels(keywords))
		}
	}
	if len(r.BrandSafetyTerms) == 0 && r.PostsAnalyzed > 0 {
		b.WriteString(" No brand-safety terms were found.")
	}

	var critical, warnings []string
	for _, f := range r.Flags {
		if f.Severity == SeverityCritical {
			critical = append(critical, f.Message)
		} else {
			warnings = append(warnings, f.Message)
		}
	}
	if len(critical) > 0 {
		b.WriteString(" Needs review: " + strings.Join(critical, " "))
	}
	if len(warnings) > 0 {
		b.WriteString(" Also note: " + strings.Join(warnings, " "))
	}

	switch {
	case r.Clean:
		fmt.Fprintf(&b, " Score %d/100: clean, so the partnership can advance without review where the campaign allows it.", r.Score)
	case len(critical) > 0:
		fmt.Fprintf(&b, " Score %d/100: a brand manager must review the findings above.", r.Score)
	default:
		fmt.Fprintf(&b, " Score %d/100, below the %d needed to advance without review.", r.Score, cleanScore)
	}
	return b.String()
}

// engagementOver opens the engagement sentence for n analysed posts: "Across the last 3 posts,
// engagement averaged", "On the last post, engagement was".
func engagementOver(n int) string {
	if n == 1 {
		return "On the last post, engagement was"
	}
	return fmt.Sprintf("Across the last %d posts, engagement averaged", n)
}

// percent formats a fraction as a percentage with at most two decimals: 0.0175 → "1.75%".
func percent(x float64) string {
	p := x * 100
	if p > 0 && p < 0.01 {
		return "under 0.01%"
	}
	s := strconv.FormatFloat(p, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// share formats a ratio as words a brand manager reads naturally: 0.25 → "a quarter".
func share(x float64) string {
	switch x {
	case 0.25:
		return "a quarter"
	case 0.5:
		return "half"
	}
	return percent(x)
}

// relative describes an engagement-vs-tier ratio: "1.8 times", "in line with", "40% of".
func relative(v float64) string {
	switch {
	case v >= 1.05:
		return strconv.FormatFloat(v, 'f', 1, 64) + " times"
	case v >= 0.95:
		return "in line with"
	}
	return percent(v) + " of"
}

// count formats n with thousands separators: 1234567 → "1,234,567".
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
