package store

import (
	"reflect"
	"sync"
	"time"
)

// childCache remembers, per partnership, the child rows this process last wrote and the
// snapshot version they came from. Most transitions change the partnership row and add audit
// events but leave its deliverables, drafts and payouts as they were; when the version written
// is the one right after the remembered one, no other writer can have come in between
// (versions are assigned by the partnership's workflow, one after another), so the rows that
// equal the remembered ones are skipped instead of rewritten. Anything else (a cold cache, a
// gap in versions after another worker wrote, a row that changed) writes as before. Rows left
// alone keep their updated_at: the time the row last changed.
type childCache struct {
	mu sync.Mutex
	m  map[string]childSet
}

type childSet struct {
	version      int64
	deliverables []DeliverableRow
	drafts       []DraftRow
	payouts      []PayoutRow
}

// childCacheMax bounds the memory: past it the cache starts over (a miss only costs a write).
const childCacheMax = 10_000

// childSetOf is t's child rows as the cache compares and keeps them.
func childSetOf(t Transition) childSet {
	return childSet{version: t.Version, deliverables: normDeliverables(t.Deliverables),
		drafts: append([]DraftRow(nil), t.Drafts...), payouts: normPayouts(t.Payouts)}
}

// sameChildren says which kinds of child rows need no write.
type sameChildren struct{ deliverables, drafts, payouts bool }

// unchanged returns which of set's child rows equal those written for the version before.
func (c *childCache) unchanged(partnershipID string, set childSet) sameChildren {
	c.mu.Lock()
	prev, ok := c.m[partnershipID]
	c.mu.Unlock()
	if !ok || prev.version != set.version-1 {
		return sameChildren{}
	}
	return sameChildren{
		deliverables: reflect.DeepEqual(prev.deliverables, set.deliverables),
		drafts:       reflect.DeepEqual(prev.drafts, set.drafts),
		payouts:      reflect.DeepEqual(prev.payouts, set.payouts),
	}
}

// remember records the child rows of a committed transition.
func (c *childCache) remember(partnershipID string, set childSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= childCacheMax {
		c.m = map[string]childSet{}
	}
	c.m[partnershipID] = set
}

// forget drops what the cache holds of a partnership, whose rows another writer changed.
func (c *childCache) forget(partnershipID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, partnershipID)
}

// normDeliverables and normPayouts drop the write timestamps, which every snapshot carries
// anew, so that rows compare by content.
func normDeliverables(rows []DeliverableRow) []DeliverableRow {
	out := make([]DeliverableRow, len(rows))
	for i, r := range rows {
		r.UpdatedAt = time.Time{}
		out[i] = r
	}
	return out
}

func normPayouts(rows []PayoutRow) []PayoutRow {
	out := make([]PayoutRow, len(rows))
	for i, r := range rows {
		r.CreatedAt, r.UpdatedAt = time.Time{}, time.Time{}
		out[i] = r
	}
	return out
}
