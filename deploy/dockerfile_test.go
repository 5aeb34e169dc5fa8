package deploy

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stage is one FROM … AS … block of the Dockerfile.
type stage struct {
	from, name string
	lines      []string
}

func dockerStages(t *testing.T) []stage {
	t.Helper()
	raw, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	var out []stage
	// Join continuation lines, drop comments.
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Fields(line); strings.EqualFold(f[0], "FROM") {
			s := stage{from: f[1]}
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				s.name = f[3]
			}
			out = append(out, s)
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].lines = append(out[len(out)-1].lines, line)
		}
	}
	return out
}

// TestDockerfile: a multi-stage build whose final image is the static, CGO-free binary built
// without the dev server, on distroless as a numeric non-root user, with Go from go.mod.
func TestDockerfile(t *testing.T) {
	stages := dockerStages(t)
	require.GreaterOrEqual(t, len(stages), 2, "multi-stage")
	final := stages[len(stages)-1]
	require.Equal(t, "gcr.io/distroless/static-debian12:nonroot", final.from)

	build := strings.Join(stages[0].lines, "\n")
	require.Regexp(t, `CGO_ENABLED=0`, build)
	goBuild := regexp.MustCompile(`go build [^\n]*`).FindString(build)
	require.Contains(t, goBuild, "-tags nodev", "the production binary leaves the Temporal server out")
	require.Contains(t, goBuild, "./cmd/partnerflow")

	raw, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindStringSubmatch(string(raw))[1]
	args := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)`).FindStringSubmatch(mustRead(t, "Dockerfile"))
	require.NotNil(t, args)
	require.Equal(t, goVersion, args[1], "the image builds with go.mod's Go")
	require.Equal(t, "golang:${GO_VERSION}", stages[0].from)

	finalText := strings.Join(final.lines, "\n")
	require.Contains(t, finalText, "USER 65532:65532", "numeric non-root user (runAsNonRoot can check it)")
	require.Contains(t, finalText, `ENTRYPOINT ["/usr/local/bin/partnerflow"]`)
	require.Contains(t, finalText, "--chown=65532:65532 /out/data /data", "the sandbox's volume is writable by the user")

	ignore := mustRead(t, "../.dockerignore")
	for _, p := range []string{".git", ".partnerflow"} {
		require.Contains(t, strings.Fields(ignore), p)
	}
}

// TestNodevBuildHasNoTemporalServer checks what the Dockerfile relies on: with -tags nodev
// the binary links no package of go.temporal.io/server, yet keeps every production command.
func TestNodevBuildHasNoTemporalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-tags", "nodev", "../cmd/partnerflow").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/partnerflow/partnerflow/sandbox")
	require.Contains(t, deps, "github.com/partnerflow/partnerflow/service")
	for _, d := range deps {
		require.False(t, strings.HasPrefix(d, "go.temporal.io/server/"), "the nodev build links %s", d)
		require.NotEqual(t, "github.com/partnerflow/partnerflow/devserver", d)
	}
	full, err := exec.Command("go", "list", "-deps", "../cmd/partnerflow").CombinedOutput()
	require.NoError(t, err, "%s", full)
	require.Contains(t, strings.Fields(string(full)), "github.com/partnerflow/partnerflow/devserver",
		"the default build keeps `partnerflow dev` (so this test can tell the difference)")
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(raw)
}
