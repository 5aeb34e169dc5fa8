package vetting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// thresholdOverrides is the configuration form of Thresholds: snake_case keys, durations in
// seconds, every field optional (absent keeps the default).
type thresholdOverrides struct {
	NanoEngagement          *float64 `json:"nano_engagement"`
	MicroEngagement         *float64 `json:"micro_engagement"`
	MidEngagement           *float64 `json:"mid_engagement"`
	MacroEngagement         *float64 `json:"macro_engagement"`
	MegaEngagement          *float64 `json:"mega_engagement"`
	EngagementCritical      *float64 `json:"engagement_critical"`
	EngagementWarning       *float64 `json:"engagement_warning"`
	FollowRatioMax          *float64 `json:"follow_ratio_max"`
	FollowRatioMinFollowing *int64   `json:"follow_ratio_min_following"`
	CommentLikeMax          *float64 `json:"comment_like_max"`
	CommentLikeMin          *float64 `json:"comment_like_min"`
	CommentLikeMinLikes     *int64   `json:"comment_like_min_likes"`
	MinTopicFit             *float64 `json:"min_topic_fit"`
	MaxPosts                *int     `json:"max_posts"`
	MaxPostAgeSeconds       *int64   `json:"max_post_age_seconds"`
	CleanScore              *int     `json:"clean_score"`
	SpikeGrowth             *float64 `json:"spike_growth"`
	SpikeWindowSeconds      *int64   `json:"spike_window_seconds"`
	SpikeMinFollowers       *int64   `json:"spike_min_followers"`
}

// ParseThresholds applies a JSON object of overrides (PARTNERFLOW_VETTING_THRESHOLDS, e.g.
// {"clean_score": 70, "spike_growth": 0.5}) to DefaultThresholds. Empty keeps the defaults;
// unknown keys and out-of-range values are errors, so a typo fails at start, not silently.
func ParseThresholds(s string) (Thresholds, error) {
	t := DefaultThresholds()
	if s == "" {
		return t, nil
	}
	var o thresholdOverrides
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return t, fmt.Errorf("vetting thresholds: %w", err)
	}
	var errs []error
	frac := func(name string, dst *float64, v *float64, max float64) {
		if v == nil {
			return
		}
		if *v < 0 || *v > max {
			errs = append(errs, fmt.Errorf("%s must be between 0 and %g", name, max))
			return
		}
		*dst = *v
	}
	count := func(name string, dst *int64, v *int64) {
		if v == nil {
			return
		}
		if *v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", name))
			return
		}
		*dst = *v
	}
	frac("nano_engagement", &t.NanoEngagement, o.NanoEngagement, 1)
	frac("micro_engagement", &t.MicroEngagement, o.MicroEngagement, 1)
	frac("mid_engagement", &t.MidEngagement, o.MidEngagement, 1)
	frac("macro_engagement", &t.MacroEngagement, o.MacroEngagement, 1)
	frac("mega_engagement", &t.MegaEngagement, o.MegaEngagement, 1)
	frac("engagement_critical", &t.EngagementCritical, o.EngagementCritical, 1)
	frac("engagement_warning", &t.EngagementWarning, o.EngagementWarning, 1)
	frac("follow_ratio_max", &t.FollowRatioMax, o.FollowRatioMax, 1000)
	count("follow_ratio_min_following", &t.FollowRatioMinFollowing, o.FollowRatioMinFollowing)
	frac("comment_like_max", &t.CommentLikeMax, o.CommentLikeMax, 100)
	frac("comment_like_min", &t.CommentLikeMin, o.CommentLikeMin, 1)
	count("comment_like_min_likes", &t.CommentLikeMinLikes, o.CommentLikeMinLikes)
	frac("min_topic_fit", &t.MinTopicFit, o.MinTopicFit, 1)
	frac("spike_growth", &t.SpikeGrowth, o.SpikeGrowth, 100)
	count("spike_min_followers", &t.SpikeMinFollowers, o.SpikeMinFollowers)
	if o.MaxPosts != nil {
		if *o.MaxPosts < 0 {
			errs = append(errs, errors.New("max_posts must not be negative"))
		} else {
			t.MaxPosts = *o.MaxPosts
		}
	}
	if o.CleanScore != nil {
		if *o.CleanScore < 0 || *o.CleanScore > 100 {
			errs = append(errs, errors.New("clean_score must be between 0 and 100"))
		} else {
			t.CleanScore = *o.CleanScore
		}
	}
	var secs int64
	count("max_post_age_seconds", &secs, o.MaxPostAgeSeconds)
	if o.MaxPostAgeSeconds != nil && secs >= 0 {
		t.MaxPostAge = time.Duration(secs) * time.Second
	}
	secs = 0
	count("spike_window_seconds", &secs, o.SpikeWindowSeconds)
	if o.SpikeWindowSeconds != nil && secs >= 0 {
		t.SpikeWindow = time.Duration(secs) * time.Second
	}
	if t.EngagementCritical > t.EngagementWarning {
		errs = append(errs, errors.New("engagement_critical must not exceed engagement_warning"))
	}
	if err := errors.Join(errs...); err != nil {
		return DefaultThresholds(), fmt.Errorf("vetting thresholds: %w", err)
	}
	return t, nil
}
