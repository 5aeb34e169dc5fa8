// Package deploy holds the deployment files (Dockerfile, and later Kubernetes manifests);
// its tests check them, since no Docker engine runs where the tests do.
package deploy

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/partnerflow/partnerflow/config"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// TestComposeFile parses docker-compose.yml and checks that it runs every process the README
// names, that dependencies point at defined services, and that every PARTNERFLOW_* variable
// it sets is one the binary reads.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	var cf composeFile
	require.NoError(t, yaml.Unmarshal(raw, &cf))

	for _, svc := range []string{"postgres", "temporal", "migrate", "api", "worker", "sandbox"} {
		require.Contains(t, cf.Services, svc)
	}
	require.NotNil(t, cf.Services["postgres"].Healthcheck, "postgres needs a healthcheck for depends_on")
	require.Equal(t, "service_completed_successfully", cf.Services["api"].DependsOn["migrate"].Condition)

	known := knownEnv()
	for name, svc := range cf.Services {
		for dep := range svc.DependsOn {
			require.Contains(t, cf.Services, dep, "%s depends on an undefined service", name)
		}
		if svc.Build != nil {
			require.NotEmpty(t, svc.Command, "%s must name the partnerflow sub-command", name)
			require.Contains(t, []string{"api", "worker", "migrate", "sandbox"}, svc.Command[0])
		}
		for k := range svc.Environment {
			if strings.HasPrefix(k, "PARTNERFLOW_") {
				require.Contains(t, known, k, "%s sets %s, which the binary does not read", name, k)
			}
		}
	}
	api := cf.Services["api"].Environment
	for _, required := range []string{"PARTNERFLOW_DATABASE_URL", "PARTNERFLOW_TEMPORAL_ADDRESS", "PARTNERFLOW_JWT_SECRET"} {
		require.Contains(t, api, required)
	}
}

// knownEnv lists the variables config.Config reads.
func knownEnv() map[string]bool {
	out := map[string]bool{}
	typ := reflect.TypeOf(config.Config{})
	for i := 0; i < typ.NumField(); i++ {
		if tag := typ.Field(i).Tag.Get("env"); tag != "" {
			out["PARTNERFLOW_"+tag] = true
		}
	}
	return out
}

// TestDockerfileBuildsTheBinary checks the image builds the one binary, static and non-root.
func TestDockerfileBuildsTheBinary(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	df := string(raw)
	require.Contains(t, df, "CGO_ENABLED=0")
	require.Contains(t, df, "./cmd/partnerflow")
	require.Contains(t, df, "USER nonroot")
}
