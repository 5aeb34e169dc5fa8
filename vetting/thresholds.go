package vetting

import "time"

// Thresholds are the numbers the assessment compares a creator against. Start from
// DefaultThresholds and override what a campaign needs. A zero field switches its check off:
// MaxPosts 0 analyses every post, CleanScore 0 accepts any score, and a zero typical
// engagement makes the tier comparison impossible (EngagementVsTier is then 0 and no
// engagement flag is raised).
type Thresholds struct {
	// Typical engagement rate per post — (likes + comments) / followers — for each tier, as
	// fractions. Defaults are the Instagram medians that industry benchmark reports publish
	// year after year (e.g. Influencer Marketing Hub, "Influencer Marketing Benchmark
	// Report 2024"; HypeAuditor, "State of Influencer Marketing 2024"): nano 4–5%, micro
	// 2–3%, mid 1.5–2%, macro about 1.2%, mega about 1%. Engagement falls as audiences grow,
	// which is why a creator is compared with their own tier and not with everyone.
	NanoEngagement  float64 // default 0.045
	MicroEngagement float64 // default 0.025
	MidEngagement   float64 // default 0.0175
	MacroEngagement float64 // default 0.012
	MegaEngagement  float64 // default 0.010

	// EngagementCritical: engagement under this share of the tier's typical rate raises the
	// critical engagement_far_below_tier. Default 0.25 — a quarter of the median is far
	// outside the spread the benchmark reports show for real audiences, and is what bought
	// or inactive followers look like.
	EngagementCritical float64
	// EngagementWarning: under this share raises the warning engagement_below_tier.
	// Default 0.5, the lower end of the tier bands in the same reports.
	EngagementWarning float64

	// FollowRatioMax: following more than FollowRatioMax × followers raises the warning
	// follow_ratio_anomaly. Default 1.0: audience-quality tools (e.g. HypeAuditor's audience
	// quality score) treat following more accounts than follow you as the signature of
	// follow-for-follow and follow/unfollow growth.
	FollowRatioMax float64
	// FollowRatioMinFollowing: the follow ratio is only judged from this many followed
	// accounts, so small personal accounts that follow friends are not flagged. Default 1,000.
	FollowRatioMinFollowing int64

	// CommentLikeMax: comments above this share of likes raises the critical
	// comment_like_ratio_anomaly. Default 0.25. Benchmark reports put comments at a few
	// percent of likes on Instagram; engagement pods and bought comments push the share of
	// comments far above that. Critical because it inflates the engagement the score relies
	// on most.
	CommentLikeMax float64
	// CommentLikeMin: comments below this share of likes raises the same critical flag,
	// because bought likes arrive without conversation. Default 0.002 (one comment per 500
	// likes), far below any organic audience in those reports.
	CommentLikeMin float64
	// CommentLikeMinLikes: the comment/like ratio is only judged once the analysed posts have
	// this many likes in total, so a handful of likes cannot trip it. Default 1,000.
	CommentLikeMinLikes int64

	// MinTopicFit: when the campaign has keywords, a topic fit (share of recent posts
	// mentioning one) below this raises the warning low_topic_fit. Default 0.3 — fewer than
	// three posts in ten on the niche. This is a Partnerflow product choice, not an industry
	// benchmark: a creator who rarely posts about the niche has an audience that did not
	// follow them for it.
	MinTopicFit float64

	// MaxPosts is how many of the newest posts are analysed. Default 12, the recent window
	// audit tools and benchmark reports use (about a month of posting for an active creator
	// and the first rows of an Instagram grid); older posts describe a different audience.
	MaxPosts int
	// MaxPostAge: when Campaign.AsOf is set and the newest post is older than this, the
	// warning no_recent_posts is raised. Default 60 days: an account quiet for two months has
	// an audience that is no longer used to hearing from it.
	MaxPostAge time.Duration

	// CleanScore: a report is clean when it has no critical flag and its score is at least
	// this. Default 60, the point below which engagement or topic fit is clearly lacking
	// (see the scoring weights in score.go).
	CleanScore int

	// SpikeGrowth: follower growth of at least this share between two points of the follower
	// history no more than SpikeWindow apart raises the critical follower_spike, when the jump
	// is also at least SpikeMinFollowers. Defaults 0.3 within 7 days and 1,000 followers:
	// audience-audit tools (e.g. HypeAuditor's growth-anomaly check) treat an overnight jump of
	// tens of percent without a matching rise in engagement as the mark of bought followers;
	// organic growth, even a viral week, rarely adds a third of the audience in days. Zero
	// SpikeGrowth disables the check; it only runs when the provider returns a history.
	SpikeGrowth       float64
	SpikeWindow       time.Duration
	SpikeMinFollowers int64
}

// DefaultThresholds returns the thresholds documented on each field of Thresholds.
func DefaultThresholds() Thresholds {
	return Thresholds{
		NanoEngagement:          0.045,
		MicroEngagement:         0.025,
		MidEngagement:           0.0175,
		MacroEngagement:         0.012,
		MegaEngagement:          0.010,
		EngagementCritical:      0.25,
		EngagementWarning:       0.5,
		FollowRatioMax:          1.0,
		FollowRatioMinFollowing: 1_000,
		CommentLikeMax:          0.25,
		CommentLikeMin:          0.002,
		CommentLikeMinLikes:     1_000,
		MinTopicFit:             0.3,
		MaxPosts:                12,
		MaxPostAge:              60 * 24 * time.Hour,
		CleanScore:              60,
		SpikeGrowth:             0.3,
		SpikeWindow:             7 * 24 * time.Hour,
		SpikeMinFollowers:       1_000,
	}
}

// typicalEngagement returns the tier's typical engagement rate.
func (t Thresholds) typicalEngagement(tier string) float64 {
	switch tier {
	case TierNano:
		return t.NanoEngagement
	case TierMicro:
		return t.MicroEngagement
	case TierMid:
		return t.MidEngagement
	case TierMacro:
		return t.MacroEngagement
	default:
		return t.MegaEngagement
	}
}
