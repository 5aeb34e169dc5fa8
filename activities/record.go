package activities

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// AuditEvent is one audit-trail entry produced by the workflow.
type AuditEvent struct {
	Seq   int64           `json:"seq"`
	Type  string          `json:"type"`
	Actor string          `json:"actor"`
	Role  string          `json:"role"`
	At    time.Time       `json:"at"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// RecordInput is a state snapshot and the events since the previous one.
type RecordInput struct {
	Version int64             `json:"version"`
	State   partnership.State `json:"state"`
	Events  []AuditEvent      `json:"events"`
}

// RecordTransition writes the snapshot to the read model and appends the events to the audit
// trail. Runs as a local activity; idempotent by version and event seq.
func (a *Activities) RecordTransition(ctx context.Context, in RecordInput) error {
	in.State = in.State.ForReadModel()
	stateJSON, err := json.Marshal(in.State)
	if err != nil {
		return err
	}
	t := store.Transition{
		PartnershipID: in.State.ID,
		Version:       in.Version,
		Stage:         string(in.State.Stage),
		Outcome:       in.State.Outcome,
		EnvelopeID:    in.State.Contract.EnvelopeID,
		State:         stateJSON,
		UpdatedAt:     in.State.UpdatedAt,
	}
	if na := in.State.NextAction; na != nil {
		t.NextActionRole, t.NextAction, t.DueAt = na.Role, na.Action, na.DueAt
		if na.OverdueSince != nil {
			// Late since then: the lists' overdue filter and due order see the missed
			// deadline, not the restarted clock.
			t.DueAt = na.OverdueSince
		}
	}
	for _, e := range in.Events {
		data := e.Data
		if len(data) == 0 {
			data = json.RawMessage("{}")
		}
		t.Events = append(t.Events, store.Event{
			PartnershipID: in.State.ID, Seq: e.Seq, Type: e.Type, Actor: e.Actor, Role: e.Role, At: e.At, Data: store.JSON(data),
		})
	}
	t.Deliverables, t.Drafts, t.Payouts = childRows(in.State)
	if t.Cycles, err = cycleRows(in); err != nil {
		return err
	}
	return a.Store.ApplyTransition(ctx, t)
}

// cycleRows are the whole summaries of the finished cycles, written with the hand-over that
// closes a cycle (the write with its cycle_completed event): after it the workflow carries
// them compact (partnership.CycleSummary.Compact). Every whole summary in the snapshot is
// written, not only the cycle just closed, so that a partnership that ran its earlier cycles
// before the workflow compacted them keeps them too; rows already written stay as they are.
func cycleRows(in RecordInput) ([]store.CycleRow, error) {
	if !slices.ContainsFunc(in.Events, func(e AuditEvent) bool { return e.Type == partnership.EventCycleCompleted }) {
		return nil, nil
	}
	var rows []store.CycleRow
	for _, c := range in.State.Cycles {
		if c.IsCompact() {
			continue
		}
		summary, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		rows = append(rows, store.CycleRow{PartnershipID: in.State.ID, Cycle: c.Cycle, Summary: summary})
	}
	return rows, nil
}

// childRows projects the snapshot's current cycle into deliverable, draft and payout rows.
func childRows(st partnership.State) ([]store.DeliverableRow, []store.DraftRow, []store.PayoutRow) {
	cycle := max(st.Cycle, 1)
	var dels []store.DeliverableRow
	var drafts []store.DraftRow
	for _, d := range st.Deliverables {
		row := store.DeliverableRow{PartnershipID: st.ID, Cycle: cycle, ID: d.ID, Platform: d.Platform, Format: d.Format,
			Status: d.Status, DueAt: d.DueAt, UpdatedAt: st.UpdatedAt}
		if p := d.Publication; p != nil {
			row.PostURL, row.PublicationStatus = p.URL, p.Status
		}
		dels = append(dels, row)
		for _, dr := range d.Drafts {
			r := store.DraftRow{PartnershipID: st.ID, Cycle: cycle, DeliverableID: d.ID, Version: dr.Version,
				Caption: dr.Caption, Compliant: draftCompliant(dr), SubmittedAt: dr.SubmittedAt}
			if rv := dr.Review; rv != nil {
				at := rv.At
				r.ReviewDecision, r.ReviewedBy, r.ReviewedAt = rv.Decision, rv.By, &at
			}
			drafts = append(drafts, r)
		}
	}
	var pays []store.PayoutRow
	for _, p := range st.Payouts {
		pays = append(pays, store.PayoutRow{PartnershipID: st.ID, ID: p.ID, BrandID: st.BrandID, CampaignID: st.CampaignID,
			CreatorID: st.CreatorID, Cycle: cycle, Kind: p.Kind, AmountMinor: p.Amount.AmountMinor, Currency: p.Amount.Currency,
			Status: p.Status, TriggeredBy: p.TriggeredBy, ApprovedBy: p.ApprovedBy, TransferID: p.TransferID,
			FailureCode: p.FailureCode, PaidAt: p.PaidAt, ConflictingReport: p.ConflictingReport, CreatedAt: st.UpdatedAt, UpdatedAt: st.UpdatedAt})
	}
	return dels, drafts, pays
}

// draftCompliant reads the verdict from the draft's disclosure report: the snapshot arrives
// through the data converter, and the workflow keeps the verdict field out of the JSON.
func draftCompliant(d partnership.Draft) bool {
	var r struct {
		Compliant bool `json:"compliant"`
	}
	return json.Unmarshal(d.Disclosure, &r) == nil && r.Compliant
}
