package deploy

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// helmValues is the part of the official Temporal chart's values this file sets.
type helmValues struct {
	Server struct {
		Image  struct{ Repository, Tag string } `json:"image"`
		Config struct {
			Persistence struct {
				DefaultStore     string `json:"defaultStore"`
				VisibilityStore  string `json:"visibilityStore"`
				NumHistoryShards int    `json:"numHistoryShards"`
				Datastores       map[string]struct {
					SQL map[string]any `json:"sql"`
				} `json:"datastores"`
			} `json:"persistence"`
			Namespaces struct {
				Create    bool `json:"create"`
				Namespace []struct {
					Name, Retention string
				} `json:"namespace"`
			} `json:"namespaces"`
		} `json:"config"`
	} `json:"server"`
	Admintools struct {
		Image struct{ Repository, Tag string } `json:"image"`
	} `json:"admintools"`
	Web struct {
		Image struct{ Repository, Tag string } `json:"image"`
	} `json:"web"`
}

// TestTemporalHelmValues: the chart runs the same Temporal release as docker-compose.yml, on
// PostgreSQL with schema management, creates the namespace the app is configured for, and
// holds no password.
func TestTemporalHelmValues(t *testing.T) {
	raw, err := os.ReadFile("helm/temporal-values.yaml")
	require.NoError(t, err)
	var v helmValues
	require.NoError(t, yaml.Unmarshal(raw, &v))
	require.NotContains(t, string(raw), "password:", "passwords come from existingSecret")

	p := mustLoad(t, nil, nil, baseFile)
	require.Equal(t, p.Services["temporal"].Image, v.Server.Image.Repository+":"+v.Server.Image.Tag)
	require.Equal(t, p.Services["temporal-schema"].Image, v.Admintools.Image.Repository+":"+v.Admintools.Image.Tag)
	require.Equal(t, p.Services["temporal-ui"].Image, v.Web.Image.Repository+":"+v.Web.Image.Tag)

	ps := v.Server.Config.Persistence
	require.GreaterOrEqual(t, ps.NumHistoryShards, 512)
	for _, store := range []string{ps.DefaultStore, ps.VisibilityStore} {
		sql := ps.Datastores[store].SQL
		require.NotNil(t, sql, store)
		require.True(t, strings.HasPrefix(sql["pluginName"].(string), "postgres12"), store)
		require.NotEmpty(t, sql["existingSecret"], store)
		require.Equal(t, true, sql["manageSchema"], "%s: the chart's job migrates the schema on upgrade", store)
	}

	m, _, _ := allManifests(t)
	ns := m.configMaps["partnerflow-config"].Data["PARTNERFLOW_TEMPORAL_NAMESPACE"]
	require.True(t, v.Server.Config.Namespaces.Create)
	var found bool
	for _, n := range v.Server.Config.Namespaces.Namespace {
		found = found || n.Name == ns
	}
	require.True(t, found, "the chart creates the namespace %q the app uses", ns)
}
