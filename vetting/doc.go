// Package vetting assesses whether a creator is worth partnering with, from their profile and
// recent posts as the social provider returns them (stage 1 of PRODUCT.md).
//
// The lesson the report is built around: engagement and topic fit beat follower count. A
// 10k-follower creator whose audience reacts to every post about the campaign's niche is a
// better partner than a million followers who never engage, so the score weighs engagement
// relative to the creator's tier and topic fit far above reach, and authenticity problems
// (audiences that look bought, engagement pods, follow-for-follow growth) are flagged.
//
// Follower spikes need a follower-count time series. When the provider returns one
// (providers.Profile.FollowerHistory, from accounts that share audience insights), a sudden
// jump raises follower_spike; without one, the bought-audience pattern Assess can still see —
// many followers, almost no engagement — is engagement_far_below_tier.
//
// A partnership uses the creator's account on every platform of its deliverables, and each is
// assessed on its own; Combine merges those reports into the partnership's, in which any
// account's critical flag keeps the whole report from being clean. An account that cannot be
// read at all is a Missing report with a critical account_not_found flag, or an Unavailable
// one with account_unavailable when the provider refuses to show it. An account another
// creator registered too gets a critical account_shared flag (Shared), whatever its figures:
// someone may be using another's account to be paid for their posts.
//
// Assess is a pure function: it reads no clock and no network, so its report is reproducible
// and it is safe to call from workflow code.
package vetting
