// Package deploy holds the deployment files (Dockerfile, Compose overlay, Kubernetes
// manifests, Temporal Helm values); its tests check them, since no Docker engine or cluster
// runs where the tests do.
package deploy

import (
	"context"
	"encoding/base64"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/config"
)

const (
	baseFile = "../docker-compose.yml"
	prodFile = "compose.prod.yml"
)

// runtimeEnv are the variables of the process-runtime half of issue 9 (Temporal TLS and API
// key, payload encryption, tracing, worker metrics), implemented in config/ on another
// branch. Once that branch is merged they are fields of config.Config as well, and
// TestRuntimeEnvIsRead below holds every name to it.
var runtimeEnv = []string{
	"PARTNERFLOW_TEMPORAL_TLS", "PARTNERFLOW_TEMPORAL_TLS_CA_FILE", "PARTNERFLOW_TEMPORAL_TLS_CERT_FILE",
	"PARTNERFLOW_TEMPORAL_TLS_KEY_FILE", "PARTNERFLOW_TEMPORAL_TLS_SERVER_NAME", "PARTNERFLOW_TEMPORAL_API_KEY",
	"PARTNERFLOW_PAYLOAD_KEYS", "PARTNERFLOW_OTEL_ENDPOINT", "PARTNERFLOW_METRICS_ADDR",
}

var (
	oneShots     = []string{"temporal-schema", "temporal-namespace", "migrate"}
	appServices  = []string{"migrate", "sandbox", "api", "worker"}
	allServices  = []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "sandbox", "api", "worker"}
	requiredProd = []string{
		"POSTGRES_PASSWORD", "PARTNERFLOW_IMAGE", "PARTNERFLOW_JWT_SECRET", "PARTNERFLOW_ESIGN_WEBHOOK_SECRET",
		"PARTNERFLOW_PAYMENTS_WEBHOOK_SECRET", "PARTNERFLOW_PAYLOAD_KEYS",
		"PARTNERFLOW_SOCIAL_URL", "PARTNERFLOW_ESIGN_URL", "PARTNERFLOW_PAYMENTS_URL", "PARTNERFLOW_COMMERCE_URL", "PARTNERFLOW_EMAIL_URL",
		"PARTNERFLOW_SOCIAL_API_KEY", "PARTNERFLOW_ESIGN_API_KEY", "PARTNERFLOW_PAYMENTS_API_KEY", "PARTNERFLOW_COMMERCE_API_KEY", "PARTNERFLOW_EMAIL_API_KEY",
	}
)

// load parses compose files the way `docker compose` does (interpolation, merge of overlays,
// profiles, normalization), with exactly the environment given: neither this process's
// environment nor a .env file leaks in.
func load(t *testing.T, environ map[string]string, profiles []string, files ...string) (*types.Project, error) {
	t.Helper()
	var kv []string
	for k, v := range environ {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions(files, cli.WithEnv(kv), cli.WithWorkingDirectory(".."),
		cli.WithProfiles(profiles), cli.WithResolvedPaths(true))
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

func mustLoad(t *testing.T, environ map[string]string, profiles []string, files ...string) *types.Project {
	t.Helper()
	p, err := load(t, environ, profiles, files...)
	require.NoError(t, err)
	return p
}

func envOf(svc types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// configFrom reads a service's environment the way the binary does (config.FromEnv).
func configFrom(t *testing.T, m map[string]string) config.Config {
	t.Helper()
	var c config.Config
	require.NoError(t, env.ParseWithOptions(&c, env.Options{Prefix: "PARTNERFLOW_", Environment: m}))
	return c
}

// knownEnv lists the variables config.Config reads, plus the runtime half's.
func knownEnv() map[string]bool {
	out := map[string]bool{}
	typ := reflect.TypeOf(config.Config{})
	for i := 0; i < typ.NumField(); i++ {
		if tag := typ.Field(i).Tag.Get("env"); tag != "" {
			out["PARTNERFLOW_"+strings.Split(tag, ",")[0]] = true
		}
	}
	for _, v := range runtimeEnv {
		out[v] = true
	}
	return out
}

func port(t *testing.T, hostport string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(hostport)
	require.NoError(t, err, hostport)
	return p
}

// TestComposeLocal loads docker-compose.yml with an empty environment, as on a clean machine:
// it must start with safe local defaults, every process configured completely.
func TestComposeLocal(t *testing.T) {
	p := mustLoad(t, nil, nil, baseFile)
	require.ElementsMatch(t, allServices, p.ServiceNames())

	for name, svc := range p.Services {
		// Images: official, pinned, never latest.
		repo, tag, ok := strings.Cut(svc.Image, ":")
		require.True(t, ok && tag != "" && tag != "latest", "%s: image %q must be pinned", name, svc.Image)
		switch {
		case strings.HasPrefix(name, "temporal"):
			require.Contains(t, []string{"temporalio/server", "temporalio/admin-tools", "temporalio/ui"}, repo, name)
		case name == "postgres":
			require.Equal(t, "postgres:16", svc.Image)
		default:
			require.Contains(t, appServices, name)
			require.NotNil(t, svc.Build, "%s builds the Partnerflow image", name)
			require.Equal(t, "deploy/Dockerfile", svc.Build.Dockerfile)
			require.Equal(t, p.Services["api"].Image, svc.Image, "one image for every Partnerflow process")
			require.NotEmpty(t, svc.Command, name)
			require.Equal(t, name, svc.Command[0], "service %s runs `partnerflow %s`", name, name)
		}

		// One-shots run once; everything else restarts and has a healthcheck, except the UI,
		// which nothing depends on (its image's tools are not documented).
		if slices.Contains(oneShots, name) {
			require.Equal(t, "no", svc.Restart, name)
			require.Nil(t, svc.HealthCheck, name)
		} else {
			require.Equal(t, "unless-stopped", svc.Restart, name)
			if name != "temporal-ui" {
				require.NotNil(t, svc.HealthCheck, "%s needs a healthcheck", name)
				require.False(t, svc.HealthCheck.Disable, name)
				require.NotEmpty(t, svc.HealthCheck.Test, name)
			}
		}

		// Dependencies wait for health or for successful completion, never just a start.
		for dep, d := range svc.DependsOn {
			require.Contains(t, p.Services, dep, "%s depends on an undefined service", name)
			want := "service_healthy"
			if slices.Contains(oneShots, dep) {
				want = "service_completed_successfully"
			}
			require.Equal(t, want, d.Condition, "%s → %s", name, dep)
			require.NotEqual(t, "temporal-ui", dep, "nothing may wait on the UI: it has no healthcheck")
		}

		// Every PARTNERFLOW_* variable set is one the binary reads.
		for k := range svc.Environment {
			if strings.HasPrefix(k, "PARTNERFLOW_") {
				require.True(t, knownEnv()[k], "%s sets %s, which the binary does not read", name, k)
			}
		}
	}

	// Ordering: schema before server, server before namespace, and the app only after the
	// migrations and the namespace.
	require.Contains(t, p.Services["temporal"].DependsOn, "temporal-schema")
	require.Contains(t, p.Services["temporal-namespace"].DependsOn, "temporal")
	for _, s := range []string{"api", "worker"} {
		require.Contains(t, p.Services[s].DependsOn, "migrate", s)
		require.Contains(t, p.Services[s].DependsOn, "temporal-namespace", s)
	}

	// The worker scales: no fixed name, no host port.
	require.Empty(t, p.Services["worker"].ContainerName)
	require.Empty(t, p.Services["worker"].Ports)

	// Temporal: one release for server and schema tools, the same minor as the server module
	// the tests run against; the namespace the app uses is the one created.
	srv, tools := p.Services["temporal"].Image, p.Services["temporal-schema"].Image
	require.Equal(t, strings.TrimPrefix(srv, "temporalio/server:"), strings.TrimPrefix(tools, "temporalio/admin-tools:"))
	require.Equal(t, tools, p.Services["temporal-namespace"].Image)
	require.True(t, strings.HasPrefix(strings.TrimPrefix(srv, "temporalio/server:"), temporalServerMinor(t)+"."),
		"compose runs %s, go.mod has go.temporal.io/server v%s.x", srv, temporalServerMinor(t))
	require.True(t, strings.HasPrefix(p.Services["temporal-ui"].Image, "temporalio/ui:2."))

	checkAppEnv(t, p)
	checkMounts(t, p)
}

// checkAppEnv: each process's environment passes the binary's own validation, and the
// services agree with each other on passwords, secrets, addresses and the namespace.
func checkAppEnv(t *testing.T, p *types.Project) {
	t.Helper()
	api, worker, migrate := envOf(p.Services["api"]), envOf(p.Services["worker"]), envOf(p.Services["migrate"])
	require.NoError(t, configFrom(t, api).ValidateAPI())
	require.NoError(t, configFrom(t, worker).ValidateWorker())
	require.NotEmpty(t, migrate["PARTNERFLOW_DATABASE_URL"])
	for _, v := range runtimeEnv {
		if v != "PARTNERFLOW_METRICS_ADDR" {
			require.Contains(t, api, v, "the API passes %s through", v)
		}
		require.Contains(t, worker, v, "the worker passes %s through", v)
	}

	pg := envOf(p.Services["postgres"])
	for _, m := range []map[string]string{api, worker, migrate} {
		u, err := url.Parse(m["PARTNERFLOW_DATABASE_URL"])
		require.NoError(t, err)
		pw, _ := u.User.Password()
		require.Equal(t, pg["POSTGRES_PASSWORD"], pw)
		require.Equal(t, pg["POSTGRES_USER"], u.User.Username())
		require.Equal(t, "postgres:5432", u.Host)
		require.Equal(t, "/"+pg["POSTGRES_DB"], u.Path)
	}
	require.Equal(t, pg["POSTGRES_PASSWORD"], envOf(p.Services["temporal"])["POSTGRES_PWD"])
	require.Equal(t, pg["POSTGRES_PASSWORD"], envOf(p.Services["temporal-schema"])["SQL_PASSWORD"])

	require.Equal(t, "temporal:7233", api["PARTNERFLOW_TEMPORAL_ADDRESS"])
	require.Equal(t, api["PARTNERFLOW_TEMPORAL_NAMESPACE"], envOf(p.Services["temporal-namespace"])["NAMESPACE"])
	require.Equal(t, api["PARTNERFLOW_TEMPORAL_NAMESPACE"], worker["PARTNERFLOW_TEMPORAL_NAMESPACE"])
	require.Equal(t, api["PARTNERFLOW_PAYLOAD_KEYS"], worker["PARTNERFLOW_PAYLOAD_KEYS"], "what the API encrypts the worker must decrypt")
	requirePayloadKeys(t, api["PARTNERFLOW_PAYLOAD_KEYS"])

	// Healthchecks probe the port each process listens on.
	hc := func(svc string) string { return strings.Join(p.Services[svc].HealthCheck.Test, " ") }
	require.Contains(t, hc("api"), "partnerflow healthcheck --url http://127.0.0.1:"+port(t, api["PARTNERFLOW_HTTP_ADDR"])+"/readyz")
	require.Contains(t, hc("worker"), "partnerflow healthcheck --url http://127.0.0.1:"+port(t, worker["PARTNERFLOW_METRICS_ADDR"])+"/healthz")

	// The sandbox stands in for the providers, in both directions.
	if sb, ok := p.Services["sandbox"]; ok {
		sbEnv := envOf(sb)
		sbPort := port(t, sbEnv["PARTNERFLOW_SANDBOX_ADDR"])
		require.Contains(t, hc("sandbox"), "partnerflow healthcheck --url http://127.0.0.1:"+sbPort+"/sandbox/healthz")
		for _, k := range []string{"SOCIAL", "ESIGN", "PAYMENTS", "COMMERCE", "EMAIL"} {
			require.True(t, strings.HasPrefix(worker["PARTNERFLOW_"+k+"_URL"], "http://sandbox:"+sbPort+"/"), k)
		}
		require.Equal(t, "http://api:"+port(t, api["PARTNERFLOW_HTTP_ADDR"]), sbEnv["PARTNERFLOW_SANDBOX_WEBHOOK_URL"])
		require.Equal(t, api["PARTNERFLOW_ESIGN_WEBHOOK_SECRET"], sbEnv["PARTNERFLOW_ESIGN_WEBHOOK_SECRET"])
		require.Equal(t, api["PARTNERFLOW_PAYMENTS_WEBHOOK_SECRET"], sbEnv["PARTNERFLOW_PAYMENTS_WEBHOOK_SECRET"])
		require.Equal(t, "/data", sbEnv["PARTNERFLOW_DATA_DIR"])
	}
}

// checkMounts: state lives in named volumes, and every file bind-mounted into a container is
// in the repository.
func checkMounts(t *testing.T, p *types.Project) {
	t.Helper()
	pgVol := p.Services["postgres"].Volumes
	require.Len(t, pgVol, 1)
	require.Equal(t, "volume", pgVol[0].Type)
	require.Equal(t, "/var/lib/postgresql/data", pgVol[0].Target)
	require.Contains(t, p.Volumes, pgVol[0].Source)

	for name, svc := range p.Services {
		for _, v := range svc.Volumes {
			if v.Type != "bind" {
				continue
			}
			require.True(t, v.ReadOnly, "%s mounts %s read-only", name, v.Source)
			st, err := os.Stat(v.Source)
			require.NoError(t, err, "%s mounts %s", name, v.Source)
			if len(svc.Entrypoint) == 2 && st.IsDir() && strings.HasPrefix(svc.Entrypoint[1], v.Target+"/") {
				script := filepath.Join(v.Source, strings.TrimPrefix(svc.Entrypoint[1], v.Target+"/"))
				_, err := os.Stat(script)
				require.NoError(t, err, "%s runs %s", name, script)
			}
		}
	}
	require.FileExists(t, "temporal/dynamicconfig/docker.yaml", "the Temporal server does not start without it")
}

// prodEnv sets every variable the production overlay requires, each to a distinct value.
func prodEnv() map[string]string {
	m := map[string]string{}
	for _, k := range requiredProd {
		m[k] = "prod-" + strings.ToLower(k) + "-0123456789abcdef0123456789abcdef"
	}
	m["PARTNERFLOW_IMAGE"] = "registry.example.com/partnerflow:1.0.0"
	m["POSTGRES_PASSWORD"] = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	for _, k := range []string{"SOCIAL", "ESIGN", "PAYMENTS", "COMMERCE", "EMAIL"} {
		m["PARTNERFLOW_"+k+"_URL"] = "https://" + strings.ToLower(k) + ".provider.example.com/api"
	}
	m["PARTNERFLOW_PAYLOAD_KEYS"] = "k2026:Y29tcG9zZS1wcm9kLXRlc3QtcGF5bG9hZC1rZXktMzI=" // 32 bytes
	return m
}

// TestComposeProduction loads docker-compose.yml with deploy/compose.prod.yml: no secret keeps
// its local default, the real providers replace the sandbox, and the released image replaces
// the local build.
func TestComposeProduction(t *testing.T) {
	want := prodEnv()
	local := mustLoad(t, nil, nil, baseFile)
	p := mustLoad(t, want, nil, baseFile, prodFile)

	require.NotContains(t, p.Services, "sandbox", "the sandbox is not started in production")
	require.Contains(t, p.DisabledServices, "sandbox")
	for name, svc := range p.Services {
		for dep := range svc.DependsOn {
			require.Contains(t, p.Services, dep, "%s depends on %s, which production does not start", name, dep)
		}
	}
	for _, s := range []string{"migrate", "api", "worker"} {
		require.Nil(t, p.Services[s].Build, "%s runs the released image", s)
		require.Equal(t, want["PARTNERFLOW_IMAGE"], p.Services[s].Image)
	}

	// No secret keeps a local default: every value that looks like a credential differs from
	// what the local file would have used, and the named ones are exactly what was given.
	secretish := regexp.MustCompile(`SECRET|KEY|PASSWORD|PWD|DATABASE_URL`)
	for name, svc := range p.Services {
		prod, dev := envOf(svc), envOf(local.Services[name])
		for k, v := range prod {
			if secretish.MatchString(k) && dev[k] != "" {
				require.NotEqual(t, dev[k], v, "%s: %s keeps its local default in production", name, k)
			}
		}
	}
	api, worker := envOf(p.Services["api"]), envOf(p.Services["worker"])
	for _, k := range []string{"PARTNERFLOW_JWT_SECRET", "PARTNERFLOW_ESIGN_WEBHOOK_SECRET", "PARTNERFLOW_PAYMENTS_WEBHOOK_SECRET", "PARTNERFLOW_PAYLOAD_KEYS"} {
		require.Equal(t, want[k], api[k], k)
	}
	for _, k := range []string{"SOCIAL", "ESIGN", "PAYMENTS", "COMMERCE", "EMAIL"} {
		require.Equal(t, want["PARTNERFLOW_"+k+"_URL"], worker["PARTNERFLOW_"+k+"_URL"])
		require.Equal(t, want["PARTNERFLOW_"+k+"_API_KEY"], worker["PARTNERFLOW_"+k+"_API_KEY"])
	}
	require.Empty(t, worker["PARTNERFLOW_PROVIDER_API_KEY"], "no shared provider credential in production")
	require.Equal(t, want["PARTNERFLOW_PAYLOAD_KEYS"], worker["PARTNERFLOW_PAYLOAD_KEYS"])
	require.Contains(t, api["PARTNERFLOW_DATABASE_URL"], ":"+want["POSTGRES_PASSWORD"]+"@")
	require.Equal(t, "512", envOf(p.Services["temporal"])["NUM_HISTORY_SHARDS"])
	require.NoError(t, configFrom(t, api).ValidateAPI())
	require.NoError(t, configFrom(t, worker).ValidateWorker())

	// A staging host can still bring the sandbox in on purpose.
	staged := mustLoad(t, want, []string{"sandbox"}, baseFile, prodFile)
	require.Contains(t, staged.Services, "sandbox")
}

// TestComposeProductionRequiresEverySecret: leave out any one required variable and Compose
// refuses to load, naming it.
func TestComposeProductionRequiresEverySecret(t *testing.T) {
	raw, err := os.ReadFile(prodFile)
	require.NoError(t, err)
	required := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+):\?`).FindAllStringSubmatch(string(raw), -1) {
		required[m[1]] = true
	}
	for _, k := range requiredProd {
		require.True(t, required[k], "compose.prod.yml must require %s", k)
	}
	for k := range required {
		environ := prodEnv()
		delete(environ, k)
		_, err := load(t, environ, nil, baseFile, prodFile)
		require.Error(t, err, "loading without %s must fail", k)
		require.Contains(t, err.Error(), k)
	}
}

// temporalServerMinor is the major.minor of go.temporal.io/server in go.mod.
func temporalServerMinor(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`go\.temporal\.io/server v(\d+\.\d+)\.\d+`).FindStringSubmatch(string(raw))
	require.NotNil(t, m, "go.mod requires go.temporal.io/server")
	return m[1]
}

// TestRuntimeEnvIsRead: the runtime variables compose and Kubernetes pass are read by the
// binary once the runtime half is merged; until then this reports which are still missing.
func TestRuntimeEnvIsRead(t *testing.T) {
	known := map[string]bool{}
	typ := reflect.TypeOf(config.Config{})
	for i := 0; i < typ.NumField(); i++ {
		if tag := typ.Field(i).Tag.Get("env"); tag != "" {
			known["PARTNERFLOW_"+strings.Split(tag, ",")[0]] = true
		}
	}
	var missing []string
	for _, v := range runtimeEnv {
		if !known[v] {
			missing = append(missing, v)
		}
	}
	if len(missing) == len(runtimeEnv) {
		t.Skipf("the runtime half of issue 9 is not merged yet: config.Config reads none of %v", runtimeEnv)
	}
	require.Empty(t, missing, "config.Config reads some runtime variables but not these, which compose and Kubernetes set")
}

// requirePayloadKeys checks the PARTNERFLOW_PAYLOAD_KEYS format: comma-separated
// id:base64(32 bytes), ids unique.
func requirePayloadKeys(t *testing.T, v string) {
	t.Helper()
	require.NotEmpty(t, v)
	ids := map[string]bool{}
	for _, k := range strings.Split(v, ",") {
		id, b64, ok := strings.Cut(k, ":")
		require.True(t, ok && id != "", "payload key %q is not id:base64", k)
		require.False(t, ids[id], "payload key id %s twice", id)
		ids[id] = true
		raw, err := base64.StdEncoding.DecodeString(b64)
		require.NoError(t, err, k)
		require.Len(t, raw, 32, "payload key %s is not 32 bytes", id)
	}
}

// TestTemporalScripts: the one-shot scripts Compose runs in the admin-tools image parse as
// POSIX shell, are executable, and stop on the first error.
func TestTemporalScripts(t *testing.T) {
	scripts, err := filepath.Glob("temporal/*.sh")
	require.NoError(t, err)
	require.Len(t, scripts, 2)
	for _, s := range scripts {
		out, err := exec.Command("sh", "-n", s).CombinedOutput()
		require.NoError(t, err, "%s: %s", s, out)
		st, err := os.Stat(s)
		require.NoError(t, err)
		require.NotZero(t, st.Mode()&0o111, "%s is executable", s)
		require.Contains(t, mustRead(t, s), "set -eu", s)
	}
}
