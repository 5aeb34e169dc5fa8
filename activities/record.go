package activities

import (
	"context"
	"encoding/json"
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
	return a.Store.ApplyTransition(ctx, t)
}
