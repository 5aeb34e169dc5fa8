package bench

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// CPU-time owners a profile is split into.
const (
	OwnerServer   = "Temporal server"
	OwnerSDK      = "Temporal SDK (worker, client)"
	OwnerApp      = "Partnerflow (API, workflows, activities, store)"
	OwnerServerDB = "SQLite under the Temporal server"
	OwnerAppDB    = "database under Partnerflow (SQLite/PostgreSQL driver, GORM)"
	OwnerSandbox  = "provider sandbox"
	OwnerBench    = "benchmark drivers and baseline"
	OwnerRuntime  = "Go runtime (GC, scheduler) and unattributed"
)

// Share is one owner's part of the CPU samples.
type Share struct {
	Owner   string
	Seconds float64
	Percent float64
}

// AttributeCPU splits a CPU profile by who the time was spent for. Each sample goes to the
// innermost frame that belongs to an owner; shared libraries (gRPC, protobuf, encoding/json,
// net/http, the runtime's allocator) count for whoever called them. Database frames count as
// the server's SQLite when a Temporal server frame is further up the stack, the app's
// database otherwise. Samples with no owner at all (GC workers, the scheduler) stay "runtime".
func AttributeCPU(r io.Reader) ([]Share, error) {
	p, err := profile.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parse CPU profile: %w", err)
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("not a CPU profile")
	}
	by := map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[idx]
		total += v
		var funcs []string
		for _, loc := range s.Location {
			for _, ln := range loc.Line { // innermost first within a location, too
				if ln.Function != nil {
					funcs = append(funcs, ln.Function.Name)
				}
			}
		}
		by[ownerOf(funcs)] += v
	}
	var out []Share
	for owner, v := range by {
		out = append(out, Share{Owner: owner, Seconds: float64(v) / 1e9, Percent: 100 * float64(v) / float64(max(total, 1))})
	}
	slices.SortFunc(out, func(a, b Share) int { return int(b.Seconds*1e6) - int(a.Seconds*1e6) })
	return out, nil
}

// ownerOf classifies a stack given innermost first.
func ownerOf(stack []string) string {
	for i, fn := range stack {
		switch {
		case isDB(fn):
			for _, up := range stack[i+1:] {
				if strings.HasPrefix(up, "go.temporal.io/server/") {
					return OwnerServerDB
				}
			}
			return OwnerAppDB
		case strings.HasPrefix(fn, "go.temporal.io/server/"):
			return OwnerServer
		case strings.HasPrefix(fn, "go.temporal.io/sdk/"):
			return OwnerSDK
		case strings.HasPrefix(fn, "github.com/partnerflow/partnerflow/bench."):
			return OwnerBench
		case strings.HasPrefix(fn, "github.com/partnerflow/partnerflow/sandbox."):
			return OwnerSandbox
		case strings.HasPrefix(fn, "github.com/partnerflow/partnerflow/"),
			strings.HasPrefix(fn, "github.com/labstack/echo"), strings.HasPrefix(fn, "github.com/golang-jwt/"),
			strings.HasPrefix(fn, "github.com/go-playground/validator"), strings.HasPrefix(fn, "github.com/hashicorp/go-retryablehttp"):
			return OwnerApp
		}
	}
	return OwnerRuntime
}

func isDB(fn string) bool {
	for _, p := range []string{"modernc.org/sqlite", "modernc.org/libc", "gorm.io/", "database/sql.", "github.com/jackc/pgx", "github.com/mattn/go-sqlite3"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// MergeProfiles merges profiles of the same binary (the rounds of one side) into one file.
func MergeProfiles(out string, paths ...string) error {
	var ps []*profile.Profile
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		p, err := profile.Parse(f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		ps = append(ps, p)
	}
	merged, err := profile.Merge(ps)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := merged.Write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
