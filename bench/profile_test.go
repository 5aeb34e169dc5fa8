package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"
)

// cpuProfile writes a CPU profile with samples of fn, each worth nanos of CPU.
func cpuProfile(t *testing.T, path string, samples map[string]int64) {
	t.Helper()
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	for i, name := range []string{"go.temporal.io/server/service/history.(*Handler).RecordWorkflowTaskStarted",
		"github.com/partnerflow/partnerflow/api.(*Server).negotiate"} {
		fn := &profile.Function{ID: uint64(i + 1), Name: name}
		loc := &profile.Location{ID: uint64(i + 1), Line: []profile.Line{{Function: fn}}}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, loc)
		if n := samples[name]; n > 0 {
			p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{loc}, Value: []int64{n / 10_000_000, n}})
		}
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, p.Write(f))
	require.NoError(t, f.Close())
}

// The rounds of one side merge into one profile whose split adds the rounds up.
func TestMergeProfilesAddsTheRoundsUp(t *testing.T) {
	dir := t.TempDir()
	server := "go.temporal.io/server/service/history.(*Handler).RecordWorkflowTaskStarted"
	app := "github.com/partnerflow/partnerflow/api.(*Server).negotiate"
	cpuProfile(t, filepath.Join(dir, "1.pprof"), map[string]int64{server: 3e9, app: 1e9})
	cpuProfile(t, filepath.Join(dir, "2.pprof"), map[string]int64{server: 1e9, app: 1e9})
	out := filepath.Join(dir, "side.pprof")
	require.NoError(t, MergeProfiles(out, filepath.Join(dir, "1.pprof"), filepath.Join(dir, "2.pprof")))

	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	shares, err := AttributeCPU(f)
	require.NoError(t, err)
	got := map[string]float64{}
	for _, s := range shares {
		got[s.Owner] = s.Seconds
	}
	require.InDelta(t, 4.0, got[OwnerServer], 1e-9)
	require.InDelta(t, 2.0, got[OwnerApp], 1e-9)
	require.Error(t, MergeProfiles(out, filepath.Join(dir, "missing.pprof")))
}
