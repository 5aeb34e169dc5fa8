package bench

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
)

func TestPercentileNearestRank(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	require.Equal(t, 5.0, Percentile(xs, 50))
	require.Equal(t, 10.0, Percentile(xs, 99))
	require.Equal(t, 9.0, Percentile(xs, 90))
	require.Equal(t, 1.0, Percentile(xs, 0))
	require.Equal(t, 0.0, Percentile(nil, 50))
	require.Equal(t, []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}, xs, "the input is not reordered")
}

func TestMedian(t *testing.T) {
	require.Equal(t, 3.0, Median([]float64{9, 1, 3}))
	require.Equal(t, 2.5, Median([]float64{4, 1, 3, 2}))
	require.Equal(t, 0.0, Median(nil))
}

func TestBar(t *testing.T) {
	require.Equal(t, "[#####.....] 5/10  50%", Bar(5, 10, 10))
	require.Equal(t, "[##########] 10/10 100%", Bar(12, 10, 10), "done is capped at total")
	require.Equal(t, "[..........] 0/10   0%", Bar(0, 10, 10))
}

func TestParseRSS(t *testing.T) {
	status := "Name:\tpartnerflow\nVmPeak:\t 2000000 kB\nVmHWM:\t  512000 kB\nVmRSS:\t  256000 kB\nThreads:\t12\n"
	rss, peak, err := parseRSS(strings.NewReader(status))
	require.NoError(t, err)
	require.Equal(t, 250.0, rss)
	require.Equal(t, 500.0, peak)
	_, _, err = parseRSS(strings.NewReader("Name:\tx\n"))
	require.Error(t, err)
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.3: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 130: 200, 501: 1000} {
		require.InDelta(t, want, niceCeil(in), 1e-9, "niceCeil(%v)", in)
	}
}

func TestWriteSVGDrawsEverySeries(t *testing.T) {
	var b bytes.Buffer
	err := WriteSVG(&b, Chart{Title: "T <&>", XLabel: "clients", Panels: []Panel{
		{Title: "rate", YLabel: "per s", Series: []Series{{Name: "a", Points: []Point{{16, 30}, {1, 10}, {4, 20}}}}},
		{Title: "latency", YLabel: "ms", Series: []Series{
			{Name: "p50", Points: []Point{{1, 5}, {4, 6}, {16, 9}}},
			{Name: "p99", Points: []Point{{1, 8}, {4, 12}, {16, 40}}},
		}},
	}})
	require.NoError(t, err)
	// Well-formed XML, one polyline per series, one circle per point, the title escaped.
	var doc struct {
		Polylines []struct {
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Circles []struct{} `xml:"circle"`
		Texts   []string   `xml:"text"`
	}
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	require.Len(t, doc.Polylines, 3)
	require.Len(t, doc.Circles, 9)
	require.Contains(t, doc.Texts, "T <&>")
	// Points are drawn in x order and the largest y (30 → axis top 50) sits highest.
	pts := strings.Fields(doc.Polylines[0].Points)
	require.Len(t, pts, 3)
	var xs []string
	for _, p := range pts {
		xs = append(xs, strings.Split(p, ",")[0])
	}
	require.Equal(t, []string{"74.0", "244.0", "414.0"}, xs)
	for _, tick := range []string{"1", "4", "16", "50"} {
		require.Contains(t, doc.Texts, tick)
	}
}

func TestOwnerOf(t *testing.T) {
	cases := []struct {
		stack []string
		want  string
	}{
		{[]string{"runtime.mallocgc", "encoding/json.Marshal", "github.com/partnerflow/partnerflow/api.(*Server).act"}, OwnerApp},
		{[]string{"modernc.org/sqlite/lib.X", "database/sql.(*DB).Exec", "go.temporal.io/server/common/persistence/sql.(*x).y"}, OwnerServerDB},
		{[]string{"modernc.org/sqlite/lib.X", "gorm.io/gorm.(*DB).Create", "github.com/partnerflow/partnerflow/store.(*Store).ApplyTransition"}, OwnerAppDB},
		{[]string{"google.golang.org/grpc.(*Server).handle", "go.temporal.io/server/service/history.(*x).y"}, OwnerServer},
		{[]string{"google.golang.org/protobuf/proto.Marshal", "go.temporal.io/sdk/internal.(*workflowTaskPoller).poll"}, OwnerSDK},
		{[]string{"github.com/partnerflow/partnerflow/bench.(*restDriver).lifecycle"}, OwnerBench},
		{[]string{"github.com/partnerflow/partnerflow/sandbox.(*Sandbox).commitLocked"}, OwnerSandbox},
		{[]string{"runtime.gcBgMarkWorker"}, OwnerRuntime},
	}
	for _, c := range cases {
		require.Equal(t, c.want, ownerOf(c.stack), "%v", c.stack)
	}
}

func TestFootprintCountsAndComparison(t *testing.T) {
	f := Footprint{ByType: map[string]int{}}
	for _, e := range []enumspb.EventType{
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_TIMER_STARTED, enumspb.EVENT_TYPE_TIMER_STARTED,
		enumspb.EVENT_TYPE_MARKER_RECORDED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
	} {
		f.add(e)
	}
	require.Equal(t, 10, f.Events)
	require.Equal(t, Footprint{Events: 10, Starts: 1, Updates: 1, Signals: 1, Activities: 1, Timers: 2, Markers: 1, WorkflowTasks: 1, ByType: f.ByType}, f)
	require.Equal(t, 2, f.ByType["TimerStarted"])

	g := f
	g.Markers, g.Events = 0, 9 // local activities are not Temporal work the baseline must match
	require.NoError(t, SameTemporalWork(f, g))
	g.Timers = 1
	require.ErrorContains(t, SameTemporalWork(f, g), "timers differ: 2 vs 1")
}

// The slices of a level add up to exactly the requested actions, spread as evenly as they go,
// and perClient bounds what any one client does (the Partnerflow side parks partnerships for
// it).
func TestPlanSlices(t *testing.T) {
	for _, tc := range []struct{ c, requests, slices int }{
		{1, 1000, 4}, {4, 1000, 4}, {16, 1000, 2}, {64, 1000, 1}, {2, 12, 1}, {3, 301, 4}, {7, 1000, 4},
	} {
		p := planSlices(tc.c, tc.requests)
		if p.slices != tc.slices {
			t.Errorf("C=%d, %d requests: %d slices, want %d", tc.c, tc.requests, p.slices, tc.slices)
		}
		total, most := 0, 0
		for client := range tc.c {
			mine := 1 // the warm-up
			for i := range p.slices {
				q := p.quota(i)(client)
				total += q
				mine += q
			}
			most = max(most, mine)
		}
		if total != tc.requests {
			t.Errorf("C=%d, %d requests: the slices hold %d actions", tc.c, tc.requests, total)
		}
		if p.perClient() != most {
			t.Errorf("C=%d, %d requests: perClient %d, but a client does %d", tc.c, tc.requests, p.perClient(), most)
		}
		if got, want := p.setUp(10), tc.c*((most+9)/10); got != want {
			t.Errorf("C=%d: %d partnerships set up, want %d", tc.c, got, want)
		}
	}
}
