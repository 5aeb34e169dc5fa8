package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// CycleRow is the whole summary of one finished cycle of an ambassador partnership
// (migration 10, cyclesMigration): written once, with the hand-over to the next cycle's run, and never
// changed.
type CycleRow struct {
	PartnershipID string `gorm:"primaryKey"`
	Cycle         int    `gorm:"primaryKey"`
	Summary       JSON
}

// TableName names the table.
func (CycleRow) TableName() string { return "partnership_cycles" }

// compactDeliverables is how a compact cycle summary (partnership.CycleSummary.Compact) shows
// in a state document: encoding/json writes no space after the colon, PostgreSQL's jsonb one.
var compactDeliverables = [][]byte{[]byte(`"deliverables":null`), []byte(`"deliverables": null`)}

// WithCycles completes a partnership's state document: each compact summary of a finished
// cycle is replaced by the whole one in partnership_cycles, so the document reads as API.md
// shows it whatever its workflow carries. A document without compact summaries (every
// partnership but an ambassador's after its first cycle, and those closed before the workflow
// compacted them) is returned as it is, without a query; so is a compact summary whose row
// is missing, which cannot happen while the hand-over writes both in one transaction.
func (s *Store) WithCycles(ctx context.Context, partnershipID string, doc JSON) (JSON, error) {
	if !hasCompactCycles(doc) {
		return doc, nil
	}
	var rows []CycleRow
	if err := s.db.WithContext(ctx).Where("partnership_id = ?", partnershipID).Order("cycle").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	whole := make(map[int]json.RawMessage, len(rows))
	for _, r := range rows {
		whole[r.Cycle] = json.RawMessage(r.Summary)
	}
	out, err := completeCycles(doc, whole)
	if err != nil {
		return nil, fmt.Errorf("state of partnership %s: %w", partnershipID, err)
	}
	return out, nil
}

// hasCompactCycles is a cheap test for a document that may hold a compact summary.
func hasCompactCycles(doc []byte) bool {
	return bytes.Contains(doc, compactDeliverables[0]) || bytes.Contains(doc, compactDeliverables[1])
}

// completeCycles replaces each compact summary in a state document's cycles by the whole
// one in whole, by cycle number; a document with nothing to replace is returned as it is.
func completeCycles(doc []byte, whole map[int]json.RawMessage) ([]byte, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(doc, &state); err != nil {
		return nil, err
	}
	var cycles []json.RawMessage
	if raw, ok := state["cycles"]; !ok || json.Unmarshal(raw, &cycles) != nil {
		return doc, nil
	}
	replaced := 0
	for i, raw := range cycles {
		var c struct {
			Cycle        int             `json:"cycle"`
			Deliverables json.RawMessage `json:"deliverables"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("cycle summary: %w", err)
		}
		if w, ok := whole[c.Cycle]; ok && (c.Deliverables == nil || string(c.Deliverables) == "null") {
			cycles[i] = w
			replaced++
		}
	}
	if replaced == 0 {
		return doc, nil
	}
	all, err := json.Marshal(cycles)
	if err != nil {
		return nil, err
	}
	state["cycles"] = all
	return json.Marshal(state)
}
