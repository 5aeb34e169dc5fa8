package bench

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Footprint is what one workflow execution cost Temporal, counted from its history.
type Footprint struct {
	Events        int            `json:"events"`
	Starts        int            `json:"starts"`
	Updates       int            `json:"updates"`
	Signals       int            `json:"signals"`
	Activities    int            `json:"activities"`
	Timers        int            `json:"timers"`
	Markers       int            `json:"markers"` // local activities (read-model writes, disclosure checks)
	WorkflowTasks int            `json:"workflow_tasks"`
	ByType        map[string]int `json:"by_type"`
}

// HistoryFootprint reads a workflow's whole history (latest run) and counts its events.
func HistoryFootprint(ctx context.Context, tc client.Client, workflowID string) (Footprint, error) {
	f := Footprint{ByType: map[string]int{}}
	it := tc.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return f, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		f.add(ev.GetEventType())
	}
	return f, nil
}

func (f *Footprint) add(t enumspb.EventType) {
	f.Events++
	f.ByType[t.String()]++
	switch t {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
		f.Starts++
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
		f.Updates++
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
		f.Signals++
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		f.Activities++
	case enumspb.EVENT_TYPE_TIMER_STARTED:
		f.Timers++
	case enumspb.EVENT_TYPE_MARKER_RECORDED:
		f.Markers++
	case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
		f.WorkflowTasks++
	}
}

// SameTemporalWork reports whether two footprints have the same starts, updates, signals,
// activities and timers — what the baseline must match; it explains the first difference.
func SameTemporalWork(a, b Footprint) error {
	for _, c := range []struct {
		name string
		x, y int
	}{
		{"starts", a.Starts, b.Starts}, {"updates", a.Updates, b.Updates}, {"signals", a.Signals, b.Signals},
		{"activities", a.Activities, b.Activities}, {"timers", a.Timers, b.Timers},
	} {
		if c.x != c.y {
			return fmt.Errorf("%s differ: %d vs %d", c.name, c.x, c.y)
		}
	}
	return nil
}
