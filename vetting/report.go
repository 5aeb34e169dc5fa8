package vetting

import "time"

// Campaign is what the creator is vetted for.
type Campaign struct {
	// Keywords describe the campaign's niche ("running", "trail running", "#marathon").
	// A post fits when its caption contains one as whole words or as a hashtag, ignoring
	// case; a multi-word keyword also matches the hashtag of its words run together
	// ("#trailrunning").
	Keywords []string
	// BrandSafetyTerms are unsafe terms the brand adds to DefaultBrandSafetyTerms.
	BrandSafetyTerms []string
	// AsOf is when the vetting happens, for judging whether the newest post is recent.
	// Zero skips that check; Assess never reads the clock itself so that its result is
	// reproducible.
	AsOf time.Time
}

// Flag severities. A critical flag keeps a report from being clean, so the partnership
// waits for a brand manager; a warning only lowers the score.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Flag codes.
const (
	// CodeEngagementFarBelowTier (critical): engagement under Thresholds.EngagementCritical
	// of the tier's typical rate; what bought or dormant audiences look like.
	CodeEngagementFarBelowTier = "engagement_far_below_tier"
	// CodeEngagementBelowTier (warning): under Thresholds.EngagementWarning of typical.
	CodeEngagementBelowTier = "engagement_below_tier"
	// CodeFollowRatioAnomaly (warning): follows far more accounts than follow it.
	CodeFollowRatioAnomaly = "follow_ratio_anomaly"
	// CodeCommentLikeRatioAnomaly (critical): comments far above (engagement pods, bought
	// comments) or far below (bought likes) their usual share of likes.
	CodeCommentLikeRatioAnomaly = "comment_like_ratio_anomaly"
	// CodeNoRecentPosts: no posts at all (critical: nothing can be measured), or the newest
	// is older than Thresholds.MaxPostAge (warning).
	CodeNoRecentPosts = "no_recent_posts"
	// CodeNoFollowers (critical): the account has no audience to reach.
	CodeNoFollowers = "no_followers"
	// CodeFollowerSpike: the follower history shows a sudden jump (critical).
	CodeFollowerSpike = "follower_spike"
	// CodeLowTopicFit (warning): too few recent posts are about the campaign's keywords.
	CodeLowTopicFit = "low_topic_fit"
	// CodeBrandSafety (critical): recent captions contain unsafe terms.
	CodeBrandSafety = "brand_safety"
	// CodeAccountNotFound (critical): the creator has no account the social provider knows on a
	// platform the partnership will use, so nothing there can be measured (Missing).
	CodeAccountNotFound = "account_not_found"
	// CodeAccountUnavailable (critical): the social provider refused to show the account, which
	// may exist (private, or not one the platform lets us read), so nothing there can be
	// measured (Unavailable).
	CodeAccountUnavailable = "account_unavailable"
	// CodeAccountShared (critical): another creator registered the same account (same
	// platform, same handle), so one of them may not own it: an impersonator registering a
	// known creator's handle with their own payout account would be paid for the real
	// creator's posts (Shared). The message never says who the other creator is.
	CodeAccountShared = "account_shared"
)

// Flag is one finding a brand manager should know about.
type Flag struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // SeverityWarning or SeverityCritical
	Message  string `json:"message"`
	// Platform and Handle name the account the finding is about: a partnership's report lists
	// the flags of every account it will use together (Combine).
	Platform string `json:"platform,omitempty"`
	Handle   string `json:"handle,omitempty"`
}

// Report is the vetting of one creator for one campaign. Slices are never nil.
type Report struct {
	Platform  string `json:"platform"`
	Handle    string `json:"handle"`
	Followers int64  `json:"followers"`
	Following int64  `json:"following"`
	Tier      string `json:"tier"` // see Tier

	// PostsAnalyzed is how many recent posts the figures below come from.
	PostsAnalyzed int `json:"posts_analyzed"`
	// EngagementRate is the mean of (likes + comments) / followers over the analysed posts,
	// as a fraction (0.025 is 2.5%). 0 without posts or followers.
	EngagementRate float64 `json:"engagement_rate"`
	// TierTypicalEngagement is the typical rate for the tier (Thresholds).
	TierTypicalEngagement float64 `json:"tier_typical_engagement"`
	// EngagementVsTier is EngagementRate / TierTypicalEngagement: 1 is typical.
	EngagementVsTier float64 `json:"engagement_vs_tier"`

	Flags []Flag `json:"flags"`

	// TopicFit is the share (0..1) of analysed posts that mention a campaign keyword; 0 when
	// the campaign has no keywords, in which case the score leaves topic fit out.
	TopicFit float64 `json:"topic_fit"`
	// MatchedKeywords are the campaign keywords found, in campaign order.
	MatchedKeywords []string `json:"matched_keywords"`
	// BrandSafetyTerms are the unsafe terms found, in list order.
	BrandSafetyTerms []string `json:"brand_safety_terms"`

	// Score (0..100) ranks creators: engagement against the tier and topic fit carry most of
	// it, reach little, and every flag costs points (score.go).
	Score int `json:"score"`
	// Clean: no critical flag and Score ≥ Thresholds.CleanScore; a clean report may advance
	// without a brand manager when the campaign allows it.
	Clean bool `json:"clean"`
	// Explanation says in plain sentences why the report came out as it did.
	Explanation string `json:"explanation"`
	// Error says why the account could not be assessed (Missing); empty when it was.
	Error string `json:"error,omitempty"`
}

// critical reports whether any flag is critical.
func (r *Report) critical() bool {
	for _, f := range r.Flags {
		if f.Severity == SeverityCritical {
			return true
		}
	}
	return false
}
