package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	sdkclient "go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/devserver"
	"github.com/partnerflow/partnerflow/devstack"
	"github.com/partnerflow/partnerflow/internal/testdb"
	"github.com/partnerflow/partnerflow/partnership"
)

// buildProductionBinary builds partnerflow the way deploy/Dockerfile does: static
// (CGO_ENABLED=0) and without the dev stack (-tags nodev), so no Temporal server inside.
func buildProductionBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "partnerflow")
	cmd := exec.Command("go", "build", "-tags", "nodev", "-trimpath", "-o", bin, "../cmd/partnerflow")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build -tags nodev: %s", out)
	return bin
}

// envList turns PARTNERFLOW_* settings into a process environment holding nothing else, so
// a process that works here is configured by those variables alone.
func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// runToEnd runs a sub-command that is expected to exit, and returns its exit code and output.
func runToEnd(t *testing.T, bin string, environ map[string]string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = envList(environ)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("%s %v: %v: %s", bin, args, err, out)
	return -1, ""
}

// process is one long-running production process; its log goes to dir/dev-prod-<name>.log,
// where dumpLogs and requireNoPanics find it.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited; err is then its Wait result
	err  error
}

func startProcess(t *testing.T, bin, dir, name string, environ map[string]string) *process {
	t.Helper()
	logFile, err := os.Create(filepath.Join(dir, "dev-prod-"+name+".log"))
	require.NoError(t, err)
	cmd := exec.Command(bin, name)
	cmd.Env = envList(environ)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// stop sends SIGTERM, as Docker and Kubernetes do, and requires a clean exit.
func (p *process) stop(t *testing.T, name string) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
		require.NoError(t, p.err, "%s exits 0 on SIGTERM", name)
	case <-time.After(45 * time.Second):
		t.Fatalf("%s did not stop within 45 s of SIGTERM", name)
	}
}

// TestProductionProcesses runs `partnerflow migrate`, `sandbox`, `api` and `worker`, built
// as in the production image, as four separate processes configured only by PARTNERFLOW_*
// variables, against a fresh PostgreSQL database and a Temporal server none of them embeds
// (its own server in this test process, with its own namespace). One partnership goes from
// creation to payment through the API process's REST API.
func TestProductionProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the production binary")
	}
	start := time.Now()
	bin := buildProductionBinary(t)
	dir := t.TempDir()
	t.Logf("built the nodev binary in %s", time.Since(start).Round(time.Millisecond))

	// Refused at start, with the variable named, before touching anything.
	code, out := runToEnd(t, bin, nil, "api")
	require.NotZero(t, code)
	require.Contains(t, out, "PARTNERFLOW_DATABASE_URL")
	require.Contains(t, out, "PARTNERFLOW_JWT_SECRET")
	code, out = runToEnd(t, bin, nil, "worker")
	require.NotZero(t, code)
	require.Contains(t, out, "PARTNERFLOW_DATABASE_URL")
	require.Contains(t, out, "PARTNERFLOW_SOCIAL_URL")
	code, out = runToEnd(t, bin, nil, "migrate")
	require.NotZero(t, code)
	require.Contains(t, out, "PARTNERFLOW_DATABASE_URL")
	code, out = runToEnd(t, bin, nil, "dev")
	require.NotZero(t, code)
	require.Contains(t, out, "built without the dev stack", "the production binary has no embedded Temporal server")

	temporal, err := devserver.Start(devserver.Options{
		DatabaseFile: filepath.Join(dir, "temporal.db"), Namespace: "partnerflow-prod",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LogLevel: slog.LevelError,
	})
	require.NoError(t, err)
	t.Cleanup(temporal.Stop)
	dbURL := testdb.PostgresURL(t)
	apiAddr, sandboxAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	apiURL, sandboxURL := "http://"+apiAddr, "http://"+sandboxAddr
	jwtSecret := "prod-test-jwt-secret-0123456789abcdef"
	t.Cleanup(func() {
		if t.Failed() {
			dumpLogs(t, dir)
		}
	})

	shared := map[string]string{
		"PARTNERFLOW_LOG_FORMAT":         "json",
		"PARTNERFLOW_LOG_LEVEL":          "warn",
		"PARTNERFLOW_DATABASE_URL":       dbURL,
		"PARTNERFLOW_TEMPORAL_ADDRESS":   temporal.Address(),
		"PARTNERFLOW_TEMPORAL_NAMESPACE": "partnerflow-prod",
		// Read once the runtime half of issue 9 is in (encrypting codec): the API encrypts
		// what the worker must decrypt, across processes.
		"PARTNERFLOW_PAYLOAD_KEYS": "k1:cHJvZC10ZXN0LXBheWxvYWQta2V5LTMyLWJ5dGVzISE=",
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range shared {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	webhookSecrets := map[string]string{
		"PARTNERFLOW_ESIGN_WEBHOOK_SECRET":    "prod-test-esign-webhook-secret",
		"PARTNERFLOW_PAYMENTS_WEBHOOK_SECRET": "prod-test-payments-webhook-secret",
	}

	// A secret too short is named too.
	short := with(webhookSecrets)
	short["PARTNERFLOW_JWT_SECRET"], short["PARTNERFLOW_HTTP_ADDR"] = "short", apiAddr
	code, out = runToEnd(t, bin, short, "api")
	require.NotZero(t, code)
	require.Contains(t, out, "PARTNERFLOW_JWT_SECRET must be set to at least 32 characters")

	// Migrations: a one-shot that exits 0, and again 0 when there is nothing to do (every
	// deploy runs it).
	for range 2 {
		code, out = runToEnd(t, bin, map[string]string{"PARTNERFLOW_DATABASE_URL": dbURL, "PARTNERFLOW_LOG_FORMAT": "json"}, "migrate")
		require.Zero(t, code, out)
		require.Contains(t, out, "database schema at version")
	}

	sandboxEnv := map[string]string{
		"PARTNERFLOW_LOG_FORMAT": "json", "PARTNERFLOW_LOG_LEVEL": "warn",
		"PARTNERFLOW_SANDBOX_ADDR": sandboxAddr, "PARTNERFLOW_DATA_DIR": filepath.Join(dir, "sandbox"),
		"PARTNERFLOW_SANDBOX_WEBHOOK_URL": apiURL, "PARTNERFLOW_SANDBOX_SETTLE_DELAY": "300ms",
	}
	for k, v := range webhookSecrets {
		sandboxEnv[k] = v
	}
	startProcess(t, bin, dir, "sandbox", sandboxEnv)

	apiEnv := with(webhookSecrets)
	apiEnv["PARTNERFLOW_HTTP_ADDR"], apiEnv["PARTNERFLOW_JWT_SECRET"] = apiAddr, jwtSecret
	api := startProcess(t, bin, dir, "api", apiEnv)

	workerEnv := with(map[string]string{
		"PARTNERFLOW_SOCIAL_URL": sandboxURL + "/social", "PARTNERFLOW_ESIGN_URL": sandboxURL + "/esign",
		"PARTNERFLOW_PAYMENTS_URL": sandboxURL + "/payments", "PARTNERFLOW_COMMERCE_URL": sandboxURL + "/commerce",
		"PARTNERFLOW_EMAIL_URL": sandboxURL + "/email", "PARTNERFLOW_PROVIDER_API_KEY": "sandbox",
		// Read once the runtime half of issue 9 is in (worker /metrics).
		"PARTNERFLOW_METRICS_ADDR": fmt.Sprintf("127.0.0.1:%d", freePort(t)),
	})
	worker := startProcess(t, bin, dir, "worker", workerEnv)

	// Ready as the compose healthchecks see it: through `partnerflow healthcheck`.
	for _, u := range []string{sandboxURL + "/sandbox/healthz", apiURL + "/readyz"} {
		eventually(t, u, func() bool {
			code, _ := runToEnd(t, bin, nil, "healthcheck", "--url", u, "--timeout", "2s")
			return code == 0
		})
	}
	code, _ = runToEnd(t, bin, nil, "healthcheck", "--url", fmt.Sprintf("http://127.0.0.1:%d/readyz", freePort(t)))
	require.Equal(t, 1, code, "unreachable is 'unhealthy' (1) for Docker")

	t.Logf("migrated and started sandbox, api and worker at %s", time.Since(start).Round(time.Millisecond))

	// Drive the package helpers at these processes.
	saved := stack
	stack.APIURL, stack.SandboxURL, stack.Secrets.JWTSecret = apiURL, sandboxURL, jwtSecret
	t.Cleanup(func() { stack = saved })

	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(30000)
	st := w.toContent(pid)
	discount := path(st, "tracking", "discount_code").(string)
	w.publish(pid, "#ad My new @acme running shoes, code "+discount)
	w.waitStage(pid, "payout")
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st = w.waitStage(pid, "completed")
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))

	evs := events(t, w.bm, pid)
	for i, e := range evs {
		require.EqualValues(t, i+1, e["seq"], "audit trail is contiguous")
	}
	require.Equal(t, "completed", evs[len(evs)-1]["type"])
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	t.Logf("lifecycle completed at %s", time.Since(start).Round(time.Millisecond))
	logReadModelSize(t, dbURL, pid)

	// The workflow ran on the external server, in the configured namespace (it stays open
	// after completion for the usage-rights reminder); the e2e suite's own in-process server
	// never heard of it.
	ctx := context.Background()
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: temporal.Address(), Namespace: "partnerflow-prod"})
	require.NoError(t, err)
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, partnership.WorkflowID(pid), "")
	require.NoError(t, err)
	require.Equal(t, partnership.WorkflowType, desc.GetWorkflowExecutionInfo().GetType().GetName())
	require.Contains(t, []enumspb.WorkflowExecutionStatus{enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED},
		desc.GetWorkflowExecutionInfo().GetStatus())
	other, err := sdkclient.Dial(sdkclient.Options{HostPort: saved.TemporalAddress, Namespace: devstack.Namespace})
	require.NoError(t, err)
	defer other.Close()
	_, err = other.DescribeWorkflowExecution(ctx, partnership.WorkflowID(pid), "")
	var notFound *serviceerror.NotFound
	require.ErrorAs(t, err, &notFound)

	res, err := http.Get(apiURL + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.True(t, strings.Contains(string(body), `partnerflow_echo_request_duration_seconds_count{code="201",`),
		"the API process exports its request metrics")

	// SIGTERM, as a rolling deploy sends it: both stop cleanly.
	worker.stop(t, "worker")
	api.stop(t, "api")
	requireNoPanics(t, dir)
	for _, name := range []string{"api", "worker"} {
		raw, err := os.ReadFile(filepath.Join(dir, "dev-prod-"+name+".log"))
		require.NoError(t, err)
		require.False(t, strings.Contains(string(raw), jwtSecret), "%s logs no secret", name)
	}
}

// logReadModelSize reports what one finished partnership occupies in the app database (the
// capacity figures in docs/operations.md start from it).
func logReadModelSize(t *testing.T, dbURL, pid string) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	require.NoError(t, err)
	defer func() { _ = db.Close() }()
	var state, events, n int64
	require.NoError(t, db.QueryRow(`SELECT pg_column_size(p.*) FROM partnerships p WHERE id = $1`, pid).Scan(&state))
	require.NoError(t, db.QueryRow(`SELECT count(*), coalesce(sum(pg_column_size(e.*)), 0) FROM partnership_events e WHERE partnership_id = $1`, pid).Scan(&n, &events))
	t.Logf("read model for one completed partnership: row %d B, %d audit events %d B", state, n, events)
}
