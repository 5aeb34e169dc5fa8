package workflows

import "sort"

// FoldedChanges lists the change ids foldedAt takes without asking, for the external tests.
func FoldedChanges() []string {
	ids := make([]string, 0, len(foldedAt))
	for id := range foldedAt {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
