package vetting

import (
	"fmt"
	"slices"

	"github.com/partnerflow/partnerflow/providers"
)

// recentPosts returns the newest n posts (all when n <= 0), newest first. Providers promise
// newest-first order, but sorting a copy costs nothing and protects the analysis from a
// provider that does not keep the promise; posts without a timestamp keep their place after
// dated ones.
func recentPosts(media []providers.Media, n int) []providers.Media {
	posts := slices.Clone(media)
	slices.SortStableFunc(posts, func(a, b providers.Media) int {
		return b.Timestamp.Compare(a.Timestamp)
	})
	if n > 0 && len(posts) > n {
		posts = posts[:n]
	}
	return posts
}

// engagementRate is the mean over posts of (likes + comments) / followers. Negative counts
// from a confused provider count as zero; no posts or no followers give 0, never NaN.
func engagementRate(posts []providers.Media, followers int64) float64 {
	if len(posts) == 0 || followers <= 0 {
		return 0
	}
	var sum float64
	for _, p := range posts {
		// Add as floats: two huge int64 counts would wrap around.
		sum += (float64(nonNegative(p.LikeCount)) + float64(nonNegative(p.CommentsCount))) / float64(followers)
	}
	return sum / float64(len(posts))
}

// authenticityFlags looks for audiences and engagement that are not what they seem.
func authenticityFlags(r *Report, posts []providers.Media, t Thresholds) []Flag {
	var flags []Flag
	if r.Followers == 0 {
		flags = append(flags, critical(CodeNoFollowers,
			"The account has no followers, so there is no audience to reach."))
	}
	if f, ok := engagementFlag(r, t); ok {
		flags = append(flags, f)
	}
	if t.FollowRatioMax > 0 && r.Following >= t.FollowRatioMinFollowing && r.Following > 0 &&
		float64(r.Following) > t.FollowRatioMax*float64(r.Followers) {
		flags = append(flags, warning(CodeFollowRatioAnomaly, fmt.Sprintf(
			"Follows %s accounts but has %s followers, the pattern of follow-for-follow growth.",
			count(r.Following), count(r.Followers))))
	}
	if f, ok := commentLikeFlag(posts, t); ok {
		flags = append(flags, f)
	}
	return flags
}

// engagementFlag compares engagement with what the tier predicts.
func engagementFlag(r *Report, t Thresholds) (Flag, bool) {
	if r.PostsAnalyzed == 0 || r.Followers == 0 || r.TierTypicalEngagement <= 0 {
		return Flag{}, false // nothing measured, or nothing to compare with
	}
	switch {
	case r.EngagementVsTier < t.EngagementCritical:
		return critical(CodeEngagementFarBelowTier, fmt.Sprintf(
			"Engagement is %s of followers, under %s of the %s typical for %s accounts: the audience looks bought or inactive.",
			percent(r.EngagementRate), share(t.EngagementCritical), percent(r.TierTypicalEngagement), r.Tier)), true
	case r.EngagementVsTier < t.EngagementWarning:
		return warning(CodeEngagementBelowTier, fmt.Sprintf(
			"Engagement is %s of followers, under %s of the %s typical for %s accounts.",
			percent(r.EngagementRate), share(t.EngagementWarning), percent(r.TierTypicalEngagement), r.Tier)), true
	}
	return Flag{}, false
}

// commentLikeFlag compares comments with likes over all analysed posts together, so one
// giveaway post ("comment to win") cannot trip it on its own.
func commentLikeFlag(posts []providers.Media, t Thresholds) (Flag, bool) {
	var likes, comments int64
	for _, p := range posts {
		likes = saturatingAdd(likes, nonNegative(p.LikeCount))
		comments = saturatingAdd(comments, nonNegative(p.CommentsCount))
	}
	if likes == 0 || likes < t.CommentLikeMinLikes {
		return Flag{}, false
	}
	ratio := float64(comments) / float64(likes)
	switch {
	case t.CommentLikeMax > 0 && ratio > t.CommentLikeMax:
		return critical(CodeCommentLikeRatioAnomaly, fmt.Sprintf(
			"Comments are %s of likes, far above the few percent organic audiences leave: a sign of engagement pods or bought comments.",
			percent(ratio))), true
	case ratio < t.CommentLikeMin:
		return critical(CodeCommentLikeRatioAnomaly, fmt.Sprintf(
			"Only %s comments on %s likes: likes without conversation are a sign of bought likes.",
			count(comments), count(likes))), true
	}
	return Flag{}, false
}

func nonNegative(n int64) int64 { return max(n, 0) }

// saturatingAdd adds two non-negative counts without wrapping around.
func saturatingAdd(a, b int64) int64 {
	if a > 1<<62 || b > 1<<62 {
		return 1 << 62
	}
	return min(a+b, 1<<62)
}

// spikeFlag finds the largest jump in the follower history: growth of at least SpikeGrowth
// and SpikeMinFollowers between two points at most SpikeWindow apart.
func spikeFlag(history []providers.FollowerCount, t Thresholds) (Flag, bool) {
	if t.SpikeGrowth <= 0 || len(history) < 2 {
		return Flag{}, false
	}
	var best float64
	var from, to providers.FollowerCount
	for i := 1; i < len(history); i++ {
		a, b := history[i-1], history[i]
		if a.Followers <= 0 || b.Date.Sub(a.Date) > t.SpikeWindow || b.Followers-a.Followers < t.SpikeMinFollowers {
			continue
		}
		if g := float64(b.Followers-a.Followers) / float64(a.Followers); g >= t.SpikeGrowth && g > best {
			best, from, to = g, a, b
		}
	}
	if best == 0 {
		return Flag{}, false
	}
	return critical(CodeFollowerSpike, fmt.Sprintf(
		"Followers jumped %.0f%% (%d → %d) between %s and %s. Sudden jumps like this usually mean bought followers; check before partnering.",
		best*100, from.Followers, to.Followers, from.Date.Format("2 Jan 2006"), to.Date.Format("2 Jan 2006"))), true
}
