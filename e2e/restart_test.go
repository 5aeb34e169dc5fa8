package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devdata"
	"github.com/partnerflow/partnerflow/devserver"
)

// devProcess is `partnerflow dev` running as its own process on embedded defaults (SQLite
// app database), so it can be killed with SIGKILL.
type devProcess struct {
	cmd                *exec.Cmd
	apiURL, sandboxURL string
	dataDir            string
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds the partnerflow binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "partnerflow-bin-*")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "partnerflow")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/partnerflow").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// freePort is a port for a process this test starts: below the ephemeral range, so none of
// the suite's own connections takes it before that process binds it.
func freePort(t *testing.T) int {
	p, err := devserver.FreePort("127.0.0.1")
	require.NoError(t, err)
	return p
}

func startDev(t *testing.T, bin, dataDir string, apiPort, sbPort, temporalPort int, extra ...string) *devProcess {
	t.Helper()
	args := append([]string{"dev", "--data-dir", dataDir,
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", apiPort), "--sandbox-addr", fmt.Sprintf("127.0.0.1:%d", sbPort),
		"--temporal-port", fmt.Sprint(temporalPort), "--settle-delay", "300ms"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PARTNERFLOW_LOG_LEVEL=warn")
	logFile, err := os.Create(filepath.Join(dataDir, fmt.Sprintf("dev-%d.log", time.Now().UnixNano())))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	p := &devProcess{cmd: cmd, apiURL: fmt.Sprintf("http://127.0.0.1:%d", apiPort),
		sandboxURL: fmt.Sprintf("http://127.0.0.1:%d", sbPort), dataDir: dataDir}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			dumpLogs(t, dataDir)
		}
	})
	eventually(t, "partnerflow dev /readyz", func() bool {
		res, err := http.Get(p.apiURL + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return p
}

func (p *devProcess) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_, _ = p.cmd.Process.Wait()
	}
}

// TestKillDevAndResume kills `partnerflow dev` with SIGKILL in the middle of a lifecycle and
// starts it again on the same data dir: the partnership is where it was, continues to
// completion, and no audit event is lost or doubled.
func TestKillDevAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	apiPort, sbPort, tPort := freePort(t), freePort(t), freePort(t)
	dev := startDev(t, bin, dataDir, apiPort, sbPort, tPort)

	secrets, err := devdata.LoadSecrets(dataDir)
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dataDir, "secrets.json"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the JWT secret file is private")
	// Bind the package helpers to this process's addresses.
	saved := stack
	stack.APIURL, stack.SandboxURL, stack.Secrets.JWTSecret = dev.apiURL, dev.sandboxURL, secrets.JWTSecret
	t.Cleanup(func() { stack = saved })

	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(25000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	must(t, sandbox(t).post(w.creatorSigningURL(pid), map[string]any{}), http.StatusOK)

	// Kill mid-contracting: one signature in, the envelope waiting for the brand.
	dev.kill()
	before := st

	dev = startDev(t, bin, dataDir, apiPort, sbPort, tPort)
	st = w.state(pid)
	require.Equal(t, "contracting", st["stage"], "resumed at the same stage")
	require.Equal(t, path(before, "contract", "envelope_id"), path(st, "contract", "envelope_id"))

	must(t, sandbox(t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	st = w.waitStage(pid, "content")
	code := path(st, "tracking", "discount_code").(string)
	caption := "#ad My @acme running shoes, code " + code
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/drafts", map[string]any{"caption": caption}), http.StatusCreated)

	// Kill again with a draft in review, restart, finish the lifecycle.
	dev.kill()
	dev = startDev(t, bin, dataDir, apiPort, sbPort, tPort)
	st = w.state(pid)
	require.Equal(t, "content", st["stage"])
	require.Equal(t, "in_review", path(st, "deliverables", 0, "status"))
	must(t, w.bm.post("/v1/partnerships/"+pid+"/deliverables/d1/review", map[string]any{"version": 1, "decision": "approve"}), http.StatusOK)
	post := must(t, sandbox(t).post("/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": w.handle, "caption": caption}), http.StatusCreated)
	must(t, w.creator.post("/v1/partnerships/"+pid+"/deliverables/d1/publication", map[string]any{"url": post["url"]}), http.StatusAccepted)
	w.waitStage(pid, "payout")
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	w.waitStage(pid, "completed")

	evs := events(t, w.bm, pid)
	seen := map[string]int{}
	for i, e := range evs {
		require.EqualValues(t, i+1, e["seq"], "no event lost: seq is contiguous")
		seen[e["type"].(string)]++
	}
	for _, once := range []string{"partnership_created", "contract_sent", "contract_signed", "draft_submitted", "payout_paid", "completed"} {
		require.Equal(t, 1, seen[once], "event %s recorded exactly once: %v", once, seen)
	}
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1)
	requireNoPanics(t, dataDir)
}

func requireNoPanics(t *testing.T, dataDir string) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dataDir, "dev-*.log"))
	for _, l := range logs {
		f, err := os.Open(l)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			require.False(t, strings.Contains(sc.Text(), "Workflow panic"), "%s: %s", l, sc.Text())
		}
		_ = f.Close()
	}
}

// startWorker runs `partnerflow worker --data-dir` as its own process, joining a dev stack.
func startWorker(t *testing.T, bin, dataDir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "worker", "--data-dir", dataDir)
	logFile, err := os.Create(filepath.Join(dataDir, fmt.Sprintf("dev-worker-%d.log", time.Now().UnixNano())))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_, _ = cmd.Process.Wait()
		}
	})
	return cmd
}

// TestSeparateWorkerProcess runs `partnerflow dev --worker=false` and the worker as its own
// process on the same data dir: nothing moves without the worker, everything moves with it,
// and a worker killed with SIGKILL and restarted picks up where the last one stopped.
func TestSeparateWorkerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	dev := startDev(t, bin, dataDir, freePort(t), freePort(t), freePort(t), "--worker=false")
	secrets, err := devdata.LoadSecrets(dataDir)
	require.NoError(t, err)
	saved := stack
	stack.APIURL, stack.SandboxURL, stack.Secrets.JWTSecret = dev.apiURL, dev.sandboxURL, secrets.JWTSecret
	t.Cleanup(func() { stack = saved })

	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(15000)
	time.Sleep(2 * time.Second)
	require.Equal(t, "vetting", w.state(pid)["stage"], "no worker, no progress")

	worker := startWorker(t, bin, dataDir)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	creatorURL := w.creatorSigningURL(pid)

	require.NoError(t, worker.Process.Signal(syscall.SIGKILL))
	_, _ = worker.Process.Wait()
	must(t, sandbox(t).post(creatorURL, map[string]any{}), http.StatusOK)
	must(t, sandbox(t).post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	startWorker(t, bin, dataDir)
	st = w.waitStage(pid, "content")
	require.NotEmpty(t, path(st, "tracking", "discount_code"), "the signed webhook sent while no worker ran was not lost")
	require.Len(t, sandboxItems(t, "/sandbox/esign/envelopes", pid), 1)
	requireNoPanics(t, dataDir)
}

// dumpLogs prints the processes' logs when a test failed, so CI shows why.
func dumpLogs(t *testing.T, dataDir string) {
	logs, _ := filepath.Glob(filepath.Join(dataDir, "dev-*.log"))
	for _, l := range logs {
		raw, _ := os.ReadFile(l)
		lines := strings.Split(string(raw), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		t.Logf("--- %s (last lines)\n%s", filepath.Base(l), strings.Join(lines, "\n"))
	}
}
