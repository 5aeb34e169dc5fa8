package deploy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// manifests are the decoded objects of deploy/k8s, by kind.
type manifests struct {
	deployments map[string]*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	jobs        []*batchv1.Job
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	netpols     []*networkingv1.NetworkPolicy
}

// kustomization is the part of kustomize's file these manifests use; strict decoding
// rejects anything else, so a typo cannot hide.
type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels"`
	Resources []string `json:"resources"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// decodeInto decodes one YAML document strictly (unknown fields are errors) into the
// typed Kubernetes object.
func decodeInto(t *testing.T, file string, doc []byte, into any) {
	t.Helper()
	require.NoError(t, yaml.UnmarshalStrict(doc, into), "%s", file)
}

func loadManifests(t *testing.T, dir string, files []string, m *manifests) {
	t.Helper()
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(doc, "")) == "" {
				continue
			}
			var tm metav1.TypeMeta
			require.NoError(t, yaml.Unmarshal([]byte(doc), &tm), f)
			var meta struct {
				Metadata metav1.ObjectMeta `json:"metadata"`
			}
			require.NoError(t, yaml.Unmarshal([]byte(doc), &meta), f)
			require.Empty(t, meta.Metadata.Namespace, "%s: manifests are namespace-less", f)
			switch tm.APIVersion + " " + tm.Kind {
			case "apps/v1 Deployment":
				o := &appsv1.Deployment{}
				decodeInto(t, f, []byte(doc), o)
				m.deployments[o.Name] = o
			case "v1 Service":
				o := &corev1.Service{}
				decodeInto(t, f, []byte(doc), o)
				m.services = append(m.services, o)
			case "policy/v1 PodDisruptionBudget":
				o := &policyv1.PodDisruptionBudget{}
				decodeInto(t, f, []byte(doc), o)
				m.pdbs = append(m.pdbs, o)
			case "autoscaling/v2 HorizontalPodAutoscaler":
				o := &autoscalingv2.HorizontalPodAutoscaler{}
				decodeInto(t, f, []byte(doc), o)
				m.hpas = append(m.hpas, o)
			case "batch/v1 Job":
				o := &batchv1.Job{}
				decodeInto(t, f, []byte(doc), o)
				m.jobs = append(m.jobs, o)
			case "v1 ConfigMap":
				o := &corev1.ConfigMap{}
				decodeInto(t, f, []byte(doc), o)
				m.configMaps[o.Name] = o
			case "v1 Secret":
				o := &corev1.Secret{}
				decodeInto(t, f, []byte(doc), o)
				m.secrets[o.Name] = o
			case "networking.k8s.io/v1 NetworkPolicy":
				o := &networkingv1.NetworkPolicy{}
				decodeInto(t, f, []byte(doc), o)
				m.netpols = append(m.netpols, o)
			default:
				t.Fatalf("%s: unexpected %s %s", f, tm.APIVersion, tm.Kind)
			}
		}
	}
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	require.NoError(t, err)
	var k kustomization
	require.NoError(t, yaml.UnmarshalStrict(raw, &k))
	require.Equal(t, "kustomize.config.k8s.io/v1beta1", k.APIVersion)
	require.Equal(t, "Kustomization", k.Kind)
	require.Len(t, k.Images, 1)
	require.Equal(t, "partnerflow", k.Images[0].Name, "the manifests' image placeholder is rewritten here")
	return k
}

func allManifests(t *testing.T) (*manifests, kustomization, kustomization) {
	t.Helper()
	m := &manifests{deployments: map[string]*appsv1.Deployment{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}}
	app, mig := readKustomization(t, "k8s"), readKustomization(t, "k8s/migrate")
	require.Equal(t, app.Images, mig.Images, "both kustomizations deploy the same release")
	loadManifests(t, "k8s", app.Resources, m)
	loadManifests(t, "k8s/migrate", mig.Resources, m)
	require.NotContains(t, app.Resources, "secret.example.yaml", "placeholder secrets must never be applied")
	loadManifests(t, "k8s", []string{"secret.example.yaml"}, m)

	// Every YAML file in the directories is either listed or the example.
	for _, dir := range []string{"k8s", "k8s/migrate"} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		listed := app.Resources
		if dir == "k8s/migrate" {
			listed = mig.Resources
		}
		for _, e := range entries {
			if e.IsDir() || e.Name() == "kustomization.yaml" || e.Name() == "secret.example.yaml" {
				continue
			}
			require.Contains(t, listed, e.Name(), "%s/%s is not in its kustomization", dir, e.Name())
		}
	}
	return m, app, mig
}

// TestKubernetesManifests decodes every manifest into its k8s.io/api type (strictly) and
// checks what a production rollout depends on: probes on real ports, resources, a locked-down
// security context, selectors that match, an autoscaler and disruption budgets on the right
// Deployments, and configuration the binary accepts.
func TestKubernetesManifests(t *testing.T) {
	m, _, _ := allManifests(t)
	require.Contains(t, m.deployments, "partnerflow-api")
	require.Contains(t, m.deployments, "partnerflow-worker")
	require.Len(t, m.jobs, 1)

	for name, d := range m.deployments {
		podLabels := labels.Set(d.Spec.Template.Labels)
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		require.NoError(t, err)
		require.True(t, sel.Matches(podLabels), "%s: selector does not match its pods", name)
		require.Zero(t, d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue(), "%s rolls without losing capacity", name)
		checkPodSpec(t, name, &d.Spec.Template.Spec)

		c := d.Spec.Template.Spec.Containers[0]
		require.Len(t, c.Args, 1)
		require.Equal(t, map[string]string{"partnerflow-api": "api", "partnerflow-worker": "worker"}[name], c.Args[0])
		for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
			require.NotNil(t, p, "%s: readiness and liveness probes", name)
			require.NotNil(t, p.HTTPGet, name)
			require.True(t, hasPort(c, p.HTTPGet.Port.String()), "%s probes port %s, which the container does not declare", name, p.HTTPGet.Port.String())
		}
		require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, name)
		if name == "partnerflow-api" {
			require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
		}
		require.NotNil(t, d.Spec.Template.Spec.TerminationGracePeriodSeconds, name)
		require.GreaterOrEqual(t, *d.Spec.Template.Spec.TerminationGracePeriodSeconds, int64(30), "%s: time to finish in-flight work", name)

		// Configuration: from the ConfigMap and the Secret, both of which exist.
		var cm, sec bool
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil {
				require.Contains(t, m.configMaps, ef.ConfigMapRef.Name)
				cm = true
			}
			if ef.SecretRef != nil {
				require.Contains(t, m.secrets, ef.SecretRef.Name, "the example documents the Secret %s", ef.SecretRef.Name)
				sec = true
			}
		}
		require.True(t, cm && sec, "%s takes its settings from a ConfigMap and a Secret", name)
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Secret != nil {
				require.Contains(t, m.secrets, v.Secret.SecretName)
			}
		}

		// Disruption budget on exactly this Deployment's pods.
		var budgets int
		for _, pdb := range m.pdbs {
			s, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			require.NoError(t, err)
			if s.Matches(podLabels) {
				budgets++
			}
		}
		require.Equal(t, 1, budgets, "%s has one PodDisruptionBudget", name)
	}

	// The Service reaches the API pods on a port they declare.
	require.Len(t, m.services, 1)
	svc, api := m.services[0], m.deployments["partnerflow-api"]
	require.True(t, labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(api.Spec.Template.Labels)))
	require.True(t, hasPort(api.Spec.Template.Spec.Containers[0], svc.Spec.Ports[0].TargetPort.String()))

	// The autoscaler drives the workers, within sane bounds.
	require.Len(t, m.hpas, 1)
	hpa := m.hpas[0]
	require.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "partnerflow-worker"}, hpa.Spec.ScaleTargetRef)
	require.NotNil(t, hpa.Spec.MinReplicas)
	require.GreaterOrEqual(t, *hpa.Spec.MinReplicas, int32(2), "one worker down must not stop progress")
	require.Greater(t, hpa.Spec.MaxReplicas, *hpa.Spec.MinReplicas)
	require.NotEmpty(t, hpa.Spec.Metrics)

	// Network policies select existing pods and open only declared ports.
	for _, np := range m.netpols {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		require.NoError(t, err)
		var target *appsv1.Deployment
		for _, d := range m.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				target = d
			}
		}
		require.NotNil(t, target, "NetworkPolicy %s selects no pods", np.Name)
		for _, rule := range np.Spec.Ingress {
			for _, p := range rule.Ports {
				require.True(t, hasPort(target.Spec.Template.Spec.Containers[0], p.Port.String()), "%s opens %s", np.Name, p.Port.String())
			}
		}
	}

	// The migrate Job runs once to completion with the database URL from the Secret.
	job := m.jobs[0]
	require.Equal(t, corev1.RestartPolicyNever, job.Spec.Template.Spec.RestartPolicy)
	require.Equal(t, []string{"migrate"}, job.Spec.Template.Spec.Containers[0].Args)
	checkPodSpec(t, job.Name, &job.Spec.Template.Spec)
	var dbFromSecret bool
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "PARTNERFLOW_DATABASE_URL" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			require.Contains(t, m.secrets[ref.Name].StringData, ref.Key)
			dbFromSecret = true
		}
	}
	require.True(t, dbFromSecret)

	checkK8sConfig(t, m)
}

// checkPodSpec: non-root, read-only root filesystem, no privilege escalation, no
// capabilities, no service account token, and requests plus a memory limit.
func checkPodSpec(t *testing.T, name string, spec *corev1.PodSpec) {
	t.Helper()
	require.NotNil(t, spec.SecurityContext, name)
	require.Equal(t, ptrTo(true), spec.SecurityContext.RunAsNonRoot, name)
	require.Equal(t, ptrTo(int64(65532)), spec.SecurityContext.RunAsUser, "%s runs as the image's user", name)
	require.Equal(t, ptrTo(false), spec.AutomountServiceAccountToken, name)
	require.Len(t, spec.Containers, 1, name)
	c := spec.Containers[0]
	require.Equal(t, "partnerflow", c.Image, "%s: the image is set by kustomization.yaml", name)
	sc := c.SecurityContext
	require.NotNil(t, sc, name)
	require.Equal(t, ptrTo(true), sc.ReadOnlyRootFilesystem, name)
	require.Equal(t, ptrTo(false), sc.AllowPrivilegeEscalation, name)
	require.NotNil(t, sc.Capabilities, name)
	require.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, name)
	require.False(t, c.Resources.Requests.Cpu().IsZero(), "%s: CPU request", name)
	require.False(t, c.Resources.Requests.Memory().IsZero(), "%s: memory request", name)
	require.False(t, c.Resources.Limits.Memory().IsZero(), "%s: memory limit", name)
}

// checkK8sConfig: ConfigMap plus example Secret make a configuration that `partnerflow api`
// and `partnerflow worker` accept; every key is a variable the binary reads; nothing secret
// sits in the ConfigMap.
func checkK8sConfig(t *testing.T, m *manifests) {
	t.Helper()
	cm := m.configMaps["partnerflow-config"]
	sec := m.secrets["partnerflow-secrets"]
	require.NotNil(t, cm)
	require.NotNil(t, sec)
	merged := map[string]string{}
	known := knownEnv()
	for k, v := range cm.Data {
		require.True(t, known[k], "the ConfigMap sets %s, which the binary does not read", k)
		require.NotRegexp(t, `SECRET|_KEY$|PASSWORD|DATABASE_URL|PAYLOAD_KEYS`, k, "%s belongs in the Secret", k)
		merged[k] = v
	}
	for k, v := range sec.StringData {
		require.True(t, known[k], "the Secret holds %s, which the binary does not read", k)
		merged[k] = v
	}
	for k := range sec.StringData {
		if k != "PARTNERFLOW_PAYLOAD_KEYS" {
			require.Contains(t, sec.StringData[k], "REPLACE_ME", "%s in the example Secret is an obvious placeholder", k)
		}
	}
	requirePayloadKeys(t, sec.StringData["PARTNERFLOW_PAYLOAD_KEYS"])
	// The Temporal client certificate is a Secret volume in the cluster; here the same file
	// names are served from a directory holding a freshly made pair, so validation reads and
	// matches real PEM files.
	tlsDir := writeClientPair(t)
	for _, k := range []string{"PARTNERFLOW_TEMPORAL_TLS_CA_FILE", "PARTNERFLOW_TEMPORAL_TLS_CERT_FILE", "PARTNERFLOW_TEMPORAL_TLS_KEY_FILE"} {
		if v, ok := merged[k]; ok {
			require.True(t, strings.HasPrefix(v, "/etc/partnerflow/"), "%s points into the mounted Secret volume", k)
			merged[k] = filepath.Join(tlsDir, filepath.Base(v))
		}
	}
	c := configFrom(t, merged)
	require.NoError(t, c.ValidateAPI())
	require.NoError(t, c.ValidateWorker())
	for _, v := range runtimeEnv {
		_, inCM := cm.Data[v]
		_, inSecret := sec.StringData[v]
		require.True(t, inCM || inSecret, "%s is configured for the cluster", v)
	}
	require.Equal(t, "partnerflow", cm.Data["PARTNERFLOW_TEMPORAL_NAMESPACE"], "the namespace temporal-values.yaml creates")
	require.Equal(t, port(t, cm.Data["PARTNERFLOW_HTTP_ADDR"]), "8080")
	require.Equal(t, port(t, cm.Data["PARTNERFLOW_METRICS_ADDR"]), "9090")
	for _, f := range []string{"CA", "CERT", "KEY"} {
		require.True(t, strings.HasPrefix(cm.Data["PARTNERFLOW_TEMPORAL_TLS_"+f+"_FILE"], "/etc/partnerflow/temporal-tls/"),
			"the TLS files are where the Secret is mounted")
	}
}

func hasPort(c corev1.Container, p string) bool {
	for _, cp := range c.Ports {
		if cp.Name == p || p == strconv.Itoa(int(cp.ContainerPort)) {
			return true
		}
	}
	return false
}

func ptrTo[T any](v T) *T { return &v }

// writeClientPair writes a self-signed certificate as ca.crt and tls.crt and its key as tls.key,
// the file names of a kubernetes.io/tls Secret with a CA.
func writeClientPair(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "partnerflow"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.crt"), certPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return dir
}
