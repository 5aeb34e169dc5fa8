package vetting

import "math"

// Scoring weights, out of 100. Engagement against the tier and topic fit carry 85 points and
// reach 15, so that a 10k-follower creator with a real, on-topic audience outscores a million
// passive followers; reach only separates creators who are otherwise alike.
const (
	weightEngagement = 50.0
	weightTopic      = 35.0
	weightReach      = 15.0

	// fullEngagement is the engagement-vs-tier ratio that earns all engagement points:
	// clearly above the median, not merely at it, so that a typical account does not tie
	// with an exceptional one.
	fullEngagement = 1.5

	// Reach is credited on a log scale from 1,000 (10^3) to 10,000,000 (10^7) followers,
	// because each tier is roughly ten times the audience of the one below.
	reachFloorLog10 = 3.0
	reachSpanLog10  = 4.0

	// Each flag costs points so that flagged creators rank below clean ones; critical flags
	// also keep the report from being clean whatever the score.
	penaltyCritical = 25.0
	penaltyWarning  = 10.0
)

// score computes Report.Score. Without campaign keywords topic fit is unknown rather than
// zero, so engagement and reach are rescaled to the full 100.
func score(r *Report, topicAssessed bool) int {
	engagement := clamp01(r.EngagementVsTier / fullEngagement)
	reach := 0.0
	if r.Followers > 0 {
		reach = clamp01((math.Log10(float64(r.Followers)) - reachFloorLog10) / reachSpanLog10)
	}
	var s float64
	if topicAssessed {
		s = weightEngagement*engagement + weightTopic*clamp01(r.TopicFit) + weightReach*reach
	} else {
		s = (weightEngagement*engagement + weightReach*reach) * 100 / (weightEngagement + weightReach)
	}
	for _, f := range r.Flags {
		if f.Severity == SeverityCritical {
			s -= penaltyCritical
		} else {
			s -= penaltyWarning
		}
	}
	return int(math.Round(100 * clamp01(s/100)))
}

// clamp01 limits x to [0, 1], mapping NaN to 0.
func clamp01(x float64) float64 {
	switch {
	case x > 1:
		return 1
	case x > 0:
		return x
	}
	return 0 // also NaN
}

// finite returns x, or 0 when x is NaN or infinite, so the report always encodes as JSON.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}
