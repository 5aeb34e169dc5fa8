package vetting

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/partnerflow/partnerflow/providers"
	"github.com/stretchr/testify/require"
)

var newest = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// feed returns n posts, newest first, a day apart, each with the same likes and comments;
// captions are used in turn.
func feed(n int, likes, comments int64, captions ...string) []providers.Media {
	out := make([]providers.Media, n)
	for i := range out {
		out[i] = providers.Media{
			ID:            fmt.Sprint(i),
			Caption:       captions[i%len(captions)],
			Timestamp:     newest.Add(-time.Duration(i) * 24 * time.Hour),
			LikeCount:     likes,
			CommentsCount: comments,
		}
	}
	return out
}

func account(handle string, followers, following int64, media []providers.Media) providers.Profile {
	return providers.Profile{
		Platform: "instagram", Username: handle,
		FollowersCount: followers, FollowsCount: following,
		MediaCount: int64(len(media)), Media: media,
	}
}

var (
	running   = Campaign{Keywords: []string{"running", "trail running", "#marathon"}}
	onTopic   = []string{"Sunrise trail running in the hills 🏃", "Marathon prep week 3 #marathon", "New shoes for #running"}
	offTopic  = []string{"Sunday roast, family recipe", "Homemade pasta night 🍝", "Baking sourdough again"}
	mixedFeed = append(append([]string{}, onTopic...), offTopic[0]) // 3 of 4 on topic

	// A 25k creator whose audience reacts: 4.5% engagement, comments about 7% of likes.
	cleanMicro = account("trailjess", 25_000, 800, feed(12, 1_050, 75, onTopic...))
	// A 2M creator with healthy engagement for the tier: 1.1%.
	cleanMega = account("megarunner", 2_000_000, 600, feed(12, 21_500, 500, mixedFeed...))
	// A 1.2M account whose followers do not engage (0.3%) and who rarely posts about running.
	passiveMega = account("bigbutquiet", 1_200_000, 900,
		feed(12, 3_500, 100, offTopic[0], offTopic[1], offTopic[2], onTopic[0]))
	// 300k followers and 0.01% engagement: bought followers.
	boughtFollowers = account("instantfame", 300_000, 250, feed(12, 28, 2, onTopic...))
	// Engagement pods: comments 80% of likes.
	pods = account("podsquad", 20_000, 1_500, feed(12, 500, 400, onTopic...))
	// Bought likes: thousands of likes, almost no comments.
	boughtLikes = account("likefarm", 50_000, 300, feed(12, 2_000, 0, onTopic...))
	// Follow-for-follow: follows more than twice the accounts that follow back.
	followForFollow = account("f4f", 3_000, 7_000, feed(12, 140, 10, onTopic...))
	// A real micro audience, but about cooking.
	cook = account("homecook", 25_000, 800, feed(12, 1_050, 75, offTopic...))
	// A real micro audience with unsafe captions.
	unsafe = account("edgy", 25_000, 800, feed(12, 1_050, 75,
		append([]string{"Party recap, NSFW pics on my other page", "Casino night for the marathon crew"}, onTopic...)...))
)

func TestAssessSyntheticProfiles(t *testing.T) {
	casinoToo := running
	casinoToo.BrandSafetyTerms = []string{"casino"}

	tests := []struct {
		name     string
		profile  providers.Profile
		campaign Campaign
		tier     string
		flags    []string // codes, in report order
		critical bool
		clean    bool
	}{
		{"clean micro", cleanMicro, running, TierMicro, nil, false, true},
		{"clean mega", cleanMega, running, TierMega, nil, false, true},
		{"passive mega", passiveMega, running, TierMega,
			[]string{CodeEngagementBelowTier, CodeLowTopicFit}, false, false},
		{"bought followers", boughtFollowers, running, TierMid,
			[]string{CodeEngagementFarBelowTier}, true, false},
		{"engagement pods", pods, running, TierMicro,
			[]string{CodeCommentLikeRatioAnomaly}, true, false},
		{"bought likes", boughtLikes, running, TierMicro,
			[]string{CodeCommentLikeRatioAnomaly}, true, false},
		{"follow for follow", followForFollow, running, TierNano,
			[]string{CodeFollowRatioAnomaly}, false, true},
		{"off topic", cook, running, TierMicro, []string{CodeLowTopicFit}, false, false},
		{"unsafe", unsafe, casinoToo, TierMicro, []string{CodeBrandSafety}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Assess(tt.profile, tt.campaign, DefaultThresholds())
			requireSane(t, r)
			require.Equal(t, tt.tier, r.Tier)
			require.Equal(t, orEmpty(tt.flags), flagCodes(r), r.Explanation)
			require.Equal(t, tt.critical, r.critical())
			require.Equal(t, tt.clean, r.Clean, r.Explanation)
			require.Equal(t, 12, r.PostsAnalyzed)
		})
	}
}

// The lesson of the product: engagement and fit beat follower count.
func TestEngagedMicroOutscoresMega(t *testing.T) {
	th := DefaultThresholds()
	micro := Assess(cleanMicro, running, th)
	mega := Assess(cleanMega, running, th)
	passive := Assess(passiveMega, running, th)
	bought := Assess(boughtFollowers, running, th)

	require.Greater(t, micro.Score, mega.Score, "micro %s\nmega %s", micro.Explanation, mega.Explanation)
	require.Greater(t, mega.Score, passive.Score)
	require.Greater(t, micro.Score, passive.Score+30, "not a photo finish")
	require.Less(t, bought.Score, micro.Score)

	// Without keywords, topic fit drops out but the ordering holds.
	none := Campaign{}
	require.Greater(t, Assess(cleanMicro, none, th).Score, Assess(passiveMega, none, th).Score)
}

func TestBoughtFollowersFigures(t *testing.T) {
	r := Assess(boughtFollowers, running, DefaultThresholds())
	require.InDelta(t, 0.0001, r.EngagementRate, 1e-9) // (28+2)/300,000
	require.InDelta(t, 0.0175, r.TierTypicalEngagement, 1e-12)
	require.InDelta(t, 0.0001/0.0175, r.EngagementVsTier, 1e-9)
	require.Equal(t, SeverityCritical, r.Flags[0].Severity)
	require.Contains(t, r.Explanation, "Needs review")
}

func TestCleanMicroFigures(t *testing.T) {
	r := Assess(cleanMicro, running, DefaultThresholds())
	require.InDelta(t, 0.045, r.EngagementRate, 1e-12)
	require.InDelta(t, 1.8, r.EngagementVsTier, 1e-9)
	require.Equal(t, 1.0, r.TopicFit)
	require.Equal(t, []string{"running", "trail running", "#marathon"}, r.MatchedKeywords)
	require.Empty(t, r.BrandSafetyTerms)
	require.Contains(t, r.Explanation, "@trailjess is a micro creator on instagram with 25,000 followers.")
	require.Contains(t, r.Explanation, "4.5% of followers, 1.8 times the 2.5% typical for micro accounts")
	require.Contains(t, r.Explanation, "clean")
}

func TestUnsafeTermsAreReported(t *testing.T) {
	c := running
	c.BrandSafetyTerms = []string{"casino", "  ", "NSFW"} // blanks and duplicates are ignored
	r := Assess(unsafe, c, DefaultThresholds())
	require.Equal(t, []string{"nsfw", "casino"}, r.BrandSafetyTerms)
	require.Contains(t, r.Flags[0].Message, "nsfw, casino")
}

func TestTopicFitIsShareOfPosts(t *testing.T) {
	r := Assess(cleanMega, running, DefaultThresholds())
	require.InDelta(t, 0.75, r.TopicFit, 1e-12) // 3 of every 4 captions

	r = Assess(cleanMicro, Campaign{Keywords: []string{"marathon"}}, DefaultThresholds())
	require.InDelta(t, 1.0/3, r.TopicFit, 1e-12)
	require.Equal(t, []string{"marathon"}, r.MatchedKeywords)
}

func TestNoKeywordsLeavesTopicOut(t *testing.T) {
	r := Assess(cook, Campaign{}, DefaultThresholds())
	require.Equal(t, 0.0, r.TopicFit)
	require.Empty(t, r.MatchedKeywords)
	require.Empty(t, flagCodes(r))
	require.True(t, r.Clean, r.Explanation)
	require.Contains(t, r.Explanation, "not assessed")
}

func TestOnlyNewestPostsAreAnalysed(t *testing.T) {
	// 20 posts: the 12 newest are engaged and on topic, the 8 oldest dead and off topic.
	media := append(feed(12, 1_050, 75, onTopic...), feed(8, 1, 0, offTopic...)...)
	for i := 12; i < 20; i++ {
		media[i].Timestamp = newest.Add(-time.Duration(i) * 24 * time.Hour)
	}
	// A provider that returns oldest first must not change the result.
	reversed := make([]providers.Media, len(media))
	for i, m := range media {
		reversed[len(media)-1-i] = m
	}
	want := Assess(account("trailjess", 25_000, 800, media), running, DefaultThresholds())
	got := Assess(account("trailjess", 25_000, 800, reversed), running, DefaultThresholds())
	require.Equal(t, want, got)
	require.Equal(t, 12, got.PostsAnalyzed)
	require.Equal(t, 1.0, got.TopicFit)
	require.True(t, got.Clean)
}

func TestStaleAccount(t *testing.T) {
	c := running
	c.AsOf = newest.Add(90 * 24 * time.Hour)
	r := Assess(cleanMicro, c, DefaultThresholds())
	require.Equal(t, []string{CodeNoRecentPosts}, flagCodes(r))
	require.Equal(t, SeverityWarning, r.Flags[0].Severity)
	require.Contains(t, r.Flags[0].Message, "90 days")

	c.AsOf = newest.Add(30 * 24 * time.Hour)
	require.Empty(t, flagCodes(Assess(cleanMicro, c, DefaultThresholds())))
}

func TestEdgeCases(t *testing.T) {
	zeroThresholds := Thresholds{}
	tests := []struct {
		name       string
		profile    providers.Profile
		thresholds Thresholds
		flags      []string
	}{
		{"empty profile", providers.Profile{}, DefaultThresholds(),
			[]string{CodeNoRecentPosts, CodeNoFollowers}},
		{"no posts", account("quiet", 40_000, 100, nil), DefaultThresholds(),
			[]string{CodeNoRecentPosts}},
		{"zero followers with posts", account("new", 0, 10, feed(5, 10, 1, onTopic...)), DefaultThresholds(),
			[]string{CodeNoFollowers}},
		{"negative counts", account("broken", -5, -5, feed(3, -10, -1, onTopic...)), DefaultThresholds(),
			[]string{CodeNoFollowers}},
		{"huge counts", account("huge", math.MaxInt64, math.MaxInt64, feed(3, math.MaxInt64, math.MaxInt64, onTopic...)),
			DefaultThresholds(), []string{CodeCommentLikeRatioAnomaly}},
		{"zero thresholds", cleanMicro, zeroThresholds, nil},
		{"NaN thresholds", cleanMicro, Thresholds{MicroEngagement: math.NaN(), MinTopicFit: math.NaN()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Assess(tt.profile, running, tt.thresholds)
			requireSane(t, r)
			require.Equal(t, orEmpty(tt.flags), flagCodes(r), r.Explanation)
			if tt.profile.FollowersCount <= 0 || len(tt.profile.Media) == 0 {
				require.False(t, r.Clean)
				require.Zero(t, r.EngagementRate)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	raw, err := json.Marshal(Assess(providers.Profile{}, Campaign{}, DefaultThresholds()))
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(raw, &fields))
	for _, k := range []string{"platform", "handle", "followers", "following", "tier", "posts_analyzed",
		"engagement_rate", "tier_typical_engagement", "engagement_vs_tier", "flags", "topic_fit",
		"matched_keywords", "brand_safety_terms", "score", "clean", "explanation"} {
		require.Contains(t, fields, k)
	}
	require.Len(t, fields, 16)
	require.Equal(t, []any{}, fields["matched_keywords"], "empty lists encode as [], not null")
}

// requireSane checks what every report must satisfy whatever the input.
func requireSane(t *testing.T, r Report) {
	t.Helper()
	for name, x := range map[string]float64{
		"engagement_rate": r.EngagementRate, "tier_typical_engagement": r.TierTypicalEngagement,
		"engagement_vs_tier": r.EngagementVsTier, "topic_fit": r.TopicFit,
	} {
		require.False(t, math.IsNaN(x) || math.IsInf(x, 0), "%s is %v", name, x)
		require.GreaterOrEqual(t, x, 0.0, name)
	}
	require.LessOrEqual(t, r.TopicFit, 1.0)
	require.True(t, r.Score >= 0 && r.Score <= 100, "score %d", r.Score)
	require.NotNil(t, r.Flags)
	require.NotNil(t, r.MatchedKeywords)
	require.NotNil(t, r.BrandSafetyTerms)
	require.NotEmpty(t, r.Explanation)
	for _, f := range r.Flags {
		require.Contains(t, []string{SeverityWarning, SeverityCritical}, f.Severity)
		require.NotEmpty(t, f.Message)
	}
	if r.Clean {
		require.False(t, r.critical())
	}
	_, err := json.Marshal(r)
	require.NoError(t, err)
}

func flagCodes(r Report) []string {
	out := []string{}
	for _, f := range r.Flags {
		out = append(out, f.Code)
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestExplanationCountsPostsInEnglish: one analysed post is "the last post", not "the last 1
// posts"; more are counted in the plural.
func TestExplanationCountsPostsInEnglish(t *testing.T) {
	r := Assess(account("newbie", 25_000, 800, feed(1, 1_050, 75, onTopic...)), running, DefaultThresholds())
	require.Equal(t, 1, r.PostsAnalyzed)
	require.Contains(t, r.Explanation, " On the last post, engagement was 4.5% of followers,")
	require.Contains(t, r.Explanation, " 1 of 1 recent post (100%) mentions the campaign's topics")
	require.NotContains(t, r.Explanation, "1 posts")

	r = Assess(cleanMicro, running, DefaultThresholds())
	require.Contains(t, r.Explanation, " Across the last 12 posts, engagement averaged 4.5% of followers,")
	require.Contains(t, r.Explanation, " 12 of 12 recent posts (100%) mention the campaign's topics")
}
