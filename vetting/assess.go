package vetting

import (
	"fmt"

	"github.com/partnerflow/partnerflow/providers"
)

// Assess vets a creator's profile for a campaign. It never fails: missing data (no posts, no
// followers) becomes flags and zeros in the report, never NaN or a panic.
func Assess(p providers.Profile, c Campaign, t Thresholds) Report {
	posts := recentPosts(p.Media, t.MaxPosts)
	r := Report{
		Platform:      p.Platform,
		Handle:        p.Username,
		Followers:     nonNegative(p.FollowersCount),
		Following:     nonNegative(p.FollowsCount),
		PostsAnalyzed: len(posts),
	}
	r.Tier = Tier(r.Followers)
	r.EngagementRate = finite(engagementRate(posts, r.Followers))
	r.TierTypicalEngagement = finite(t.typicalEngagement(r.Tier))
	if r.TierTypicalEngagement > 0 {
		r.EngagementVsTier = finite(r.EngagementRate / r.TierTypicalEngagement)
	}

	words := captionWords(posts)
	keywords := newTerms(c.Keywords)
	r.TopicFit, r.MatchedKeywords = topicFit(words, keywords)
	r.TopicFit = finite(r.TopicFit)
	r.BrandSafetyTerms = unsafeTerms(words, newTerms(append(DefaultBrandSafetyTerms(), c.BrandSafetyTerms...)))

	r.Flags = []Flag{}
	r.Flags = append(r.Flags, activityFlags(posts, c, t)...)
	r.Flags = append(r.Flags, authenticityFlags(&r, posts, t)...)
	if f, ok := spikeFlag(p.FollowerHistory, t); ok {
		r.Flags = append(r.Flags, f)
	}
	if f, ok := topicFlag(&r, keywords, t); ok {
		r.Flags = append(r.Flags, f)
	}
	if f, ok := safetyFlag(r.BrandSafetyTerms); ok {
		r.Flags = append(r.Flags, f)
	}

	for i := range r.Flags {
		r.Flags[i].Platform, r.Flags[i].Handle = r.Platform, r.Handle
	}

	r.Score = score(&r, len(keywords) > 0)
	r.Clean = !r.critical() && r.Score >= t.CleanScore
	r.Explanation = explain(&r, keywords, t.CleanScore)
	return r
}

// activityFlags reports an account with nothing to measure or that has gone quiet.
func activityFlags(posts []providers.Media, c Campaign, t Thresholds) []Flag {
	if len(posts) == 0 {
		return []Flag{critical(CodeNoRecentPosts,
			"There are no posts to analyse, so engagement and topic fit cannot be measured.")}
	}
	newest := posts[0].Timestamp
	if c.AsOf.IsZero() || newest.IsZero() || t.MaxPostAge <= 0 {
		return nil
	}
	if age := c.AsOf.Sub(newest); age > t.MaxPostAge {
		return []Flag{warning(CodeNoRecentPosts, fmt.Sprintf(
			"The newest post is %d days old; the audience is no longer used to hearing from this creator.",
			int(age.Hours()/24)))}
	}
	return nil
}

func critical(code, msg string) Flag {
	return Flag{Code: code, Severity: SeverityCritical, Message: msg}
}
func warning(code, msg string) Flag { return Flag{Code: code, Severity: SeverityWarning, Message: msg} }
