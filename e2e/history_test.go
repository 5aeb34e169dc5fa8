package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	sdkclient "go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/workflows"
)

// HistoriesEnv names the directory where lifecycle tests write their workflow histories.
// workflows/replay_test.go replays the committed ones (workflows/testdata/histories) on every
// run; regenerate them with
//
//	PARTNERFLOW_WRITE_HISTORIES=$PWD/workflows/testdata/histories ./scripts/test
//
// after a deliberate, versioned change (see workflows/REPLAY.md).
const HistoriesEnv = "PARTNERFLOW_WRITE_HISTORIES"

// saveHistory checks that the latest run of the partnership's workflow recorded one version
// marker (requireOneVersionMarker) and writes its history as JSON when HistoriesEnv is set.
func saveHistory(t *testing.T, pid, name string) {
	t.Helper()
	saveRunHistory(t, pid, "", name)
}

// saveHistoryAsIs writes the history without the marker check, for a path that asks a change
// id of its own.
func saveHistoryAsIs(t *testing.T, pid, name string) {
	t.Helper()
	writeHistory(t, pid, "", name)
}

// runID returns the partnership's current workflow run.
func runID(t *testing.T, pid string) string {
	t.Helper()
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: stack.TemporalAddress, Namespace: devstack.Namespace})
	require.NoError(t, err)
	defer c.Close()
	d, err := c.DescribeWorkflowExecution(context.Background(), partnership.WorkflowID(pid), "")
	require.NoError(t, err)
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// saveRunHistory is saveHistory for one run ("" = the latest).
func saveRunHistory(t *testing.T, pid, run, name string) {
	t.Helper()
	requireOneVersionMarker(t, pid, run)
	writeHistory(t, pid, run, name)
}

// writeHistory writes one run's history ("" = the latest) when HistoriesEnv is set.
func writeHistory(t *testing.T, pid, run, name string) {
	t.Helper()
	writeWorkflowHistory(t, partnership.WorkflowID(pid), run, name)
}

// writeWorkflowHistory is writeHistory for any workflow id (a late-payment workflow's, say).
func writeWorkflowHistory(t *testing.T, workflowID, run, name string) {
	t.Helper()
	dir := os.Getenv(HistoriesEnv)
	if dir == "" {
		return
	}
	raw, err := protojson.MarshalOptions{Indent: "  "}.Marshal(workflowHistory(t, workflowID, run))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), raw, 0o644))
}

// history reads one run of the partnership's workflow ("" = the latest) from the server.
func history(t *testing.T, pid, run string) *historypb.History {
	t.Helper()
	return workflowHistory(t, partnership.WorkflowID(pid), run)
}

// workflowHistory is history for any workflow id.
func workflowHistory(t *testing.T, workflowID, run string) *historypb.History {
	t.Helper()
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: stack.TemporalAddress, Namespace: devstack.Namespace})
	require.NoError(t, err)
	defer c.Close()
	it := c.GetWorkflowHistory(context.Background(), workflowID, run, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	return h
}

// requireOneVersionMarker checks that a run ("" = the latest) started on this code recorded a single
// version marker, record-once-per-task's at BaseVersion, and a single search-attribute upsert with it: every
// other behaviour change is folded into that version (workflows/versions.go), and each marker
// more would cost the server a visibility write on every lifecycle.
func requireOneVersionMarker(t *testing.T, pid, run string) {
	t.Helper()
	var changes []string
	upserts := 0
	for _, ev := range history(t, pid, run).GetEvents() {
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if a := ev.GetMarkerRecordedEventAttributes(); a.GetMarkerName() == "Version" {
				changes = append(changes, string(a.GetDetails()["change-id"].GetPayloads()[0].GetData())+"="+
					string(a.GetDetails()["version"].GetPayloads()[0].GetData()))
			}
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			upserts++
		}
	}
	require.Equal(t, []string{fmt.Sprintf(`"record-once-per-task"=%d`, workflows.BaseVersion)}, changes, "version markers in the history")
	require.Equal(t, 1, upserts, "search-attribute upserts in the history")
}
