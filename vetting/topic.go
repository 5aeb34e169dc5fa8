package vetting

import (
	"fmt"
	"math"
	"strings"

	"github.com/partnerflow/partnerflow/providers"
)

// captionWords splits each post's caption once for all the term searches.
func captionWords(posts []providers.Media) [][]word {
	out := make([][]word, len(posts))
	for i, p := range posts {
		out[i] = splitWords(p.Caption)
	}
	return out
}

// topicFit returns the share of posts that mention at least one keyword, and the keywords
// found anywhere, in campaign order.
func topicFit(posts [][]word, keywords []term) (float64, []string) {
	matched := []string{}
	if len(posts) == 0 || len(keywords) == 0 {
		return 0, matched
	}
	found := make([]bool, len(keywords))
	fitting := 0
	for _, words := range posts {
		fits := false
		for k, kw := range keywords {
			if kw.in(words) {
				fits, found[k] = true, true
			}
		}
		if fits {
			fitting++
		}
	}
	for k, kw := range keywords {
		if found[k] {
			matched = append(matched, kw.label)
		}
	}
	return float64(fitting) / float64(len(posts)), matched
}

// topicFlag warns when too few posts are about the campaign's niche.
func topicFlag(r *Report, keywords []term, t Thresholds) (Flag, bool) {
	// Written as !(fit < min) so that a NaN threshold switches the check off.
	if len(keywords) == 0 || r.PostsAnalyzed == 0 || !(r.TopicFit < t.MinTopicFit) {
		return Flag{}, false
	}
	fitting := int(math.Round(r.TopicFit * float64(r.PostsAnalyzed)))
	some := fmt.Sprintf("Only %d of %d", fitting, r.PostsAnalyzed)
	if fitting == 0 {
		some = fmt.Sprintf("None of the %d", r.PostsAnalyzed)
	}
	return warning(CodeLowTopicFit, fmt.Sprintf(
		"%s recent posts mention the campaign's topics (%s), so the audience did not follow this creator for them.",
		some, labels(keywords))), true
}

// unsafeTerms returns the terms that occur in any post, in list order.
func unsafeTerms(posts [][]word, terms []term) []string {
	found := []string{}
	for _, t := range terms {
		for _, words := range posts {
			if t.in(words) {
				found = append(found, t.label)
				break
			}
		}
	}
	return found
}

func safetyFlag(found []string) (Flag, bool) {
	if len(found) == 0 {
		return Flag{}, false
	}
	return critical(CodeBrandSafety, fmt.Sprintf(
		"Recent captions contain terms unsafe for brands: %s.", strings.Join(found, ", "))), true
}

func labels(terms []term) string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = t.label
	}
	return strings.Join(out, ", ")
}
