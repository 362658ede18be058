package render

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in deploy/ from the current code")

// deployDir holds the rendered defaults, one folder per certificate mode.
const deployDir = "../../deploy"

func renderMode(t *testing.T, mode CertMode) []File {
	t.Helper()
	files, err := Render(Options{CertMode: mode})
	require.NoError(t, err)
	return files
}

func TestRenderMatchesDeployFolder(t *testing.T) {
	for _, mode := range []CertMode{CertSelfManaged, CertGoogleManaged} {
		t.Run(string(mode), func(t *testing.T) {
			files := renderMode(t, mode)
			dir := filepath.Join(deployDir, string(mode))
			if *update {
				require.NoError(t, os.RemoveAll(dir))
				require.NoError(t, WriteDir(dir, files))
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err, "run go test ./internal/render -update to create %s", dir)
			var onDisk []string
			for _, e := range entries {
				onDisk = append(onDisk, e.Name())
			}
			var rendered []string
			for _, f := range files {
				rendered = append(rendered, f.Name)
				want, err := os.ReadFile(filepath.Join(dir, f.Name))
				require.NoError(t, err)
				assert.Equal(t, string(want), string(f.Content), "%s/%s differs from render; run go test ./internal/render -update", dir, f.Name)
			}
			assert.ElementsMatch(t, rendered, onDisk, "files in %s", dir)
		})
	}
}

// splitDocuments returns the non-empty documents of a YAML stream.
func splitDocuments(t *testing.T, data []byte) [][]byte {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err)
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// decodeStrict decodes doc into the upstream Go type of its kind and fails
// on any field that type does not have.
func decodeStrict(t *testing.T, name string, doc []byte) string {
	t.Helper()
	var header typeHeader
	require.NoError(t, yaml.Unmarshal(doc, &header))
	targets := map[string]any{
		"Service":            &corev1.Service{},
		"ConfigMap":          &corev1.ConfigMap{},
		"Secret":             &corev1.Secret{},
		"Deployment":         &appsv1.Deployment{},
		"CronJob":            &batchv1.CronJob{},
		"Ingress":            &networkingv1.Ingress{},
		"BackendConfig":      &BackendConfig{},
		"ManagedCertificate": &ManagedCertificate{},
		"PrometheusRule":     &monitoringv1.PrometheusRule{},
		"ServiceMonitor":     &monitoringv1.ServiceMonitor{},
		"PodMonitor":         &monitoringv1.PodMonitor{},
	}
	target, ok := targets[header.Kind]
	switch {
	case name == FileProbeConfig:
		target, ok = &ProbeConfig{}, true
	case name == FileValues:
		target, ok = &map[string]any{}, true
	}
	require.True(t, ok, "%s: no Go type for kind %q", name, header.Kind)
	require.NoError(t, yaml.UnmarshalStrict(doc, target), "%s: kind %s", name, header.Kind)
	return header.Kind
}

func TestRenderDecodesStrictly(t *testing.T) {
	for _, mode := range []CertMode{CertSelfManaged, CertGoogleManaged} {
		t.Run(string(mode), func(t *testing.T) {
			kinds := map[string]int{}
			for _, f := range renderMode(t, mode) {
				if f.Name == FilePlan {
					continue
				}
				for _, doc := range splitDocuments(t, f.Content) {
					kinds[decodeStrict(t, f.Name, doc)]++
				}
			}
			assert.Equal(t, 3, kinds["ConfigMap"], "the probe's and the sidecar's config, and the dashboard")
			assert.Equal(t, 1, kinds["PrometheusRule"])
			assert.Equal(t, 1, kinds["ServiceMonitor"])
			assert.Equal(t, 1, kinds["PodMonitor"])
			assert.Equal(t, 2, kinds["Service"], "the probe Service and the Milvus Service patch")
			assert.Equal(t, 2, kinds["Deployment"], "probe Deployment and sidecar patch")
			assert.Equal(t, 1, kinds["CronJob"])
			assert.Equal(t, 1, kinds["Ingress"])
			assert.Equal(t, 1, kinds["BackendConfig"])
			wantMC := 0
			if mode == CertGoogleManaged {
				wantMC = 1
			}
			assert.Equal(t, wantMC, kinds["ManagedCertificate"])
		})
	}
}

func TestRenderLintsClean(t *testing.T) {
	for _, mode := range []CertMode{CertSelfManaged, CertGoogleManaged} {
		t.Run(string(mode), func(t *testing.T) {
			files := renderMode(t, mode)
			var m Manifests
			for _, f := range files {
				if f.Name == FilePlan || f.Name == FileProbeConfig {
					continue
				}
				require.NoError(t, m.ReadManifests(bytes.NewReader(f.Content), f.Name))
			}
			require.Len(t, m.Values, 1)
			require.Len(t, m.Ingresses, 1)
			require.Len(t, m.BackendConfigs, 1)
			findings := Lint(&m)
			// The Secret comes from the cert command, not from render, so a
			// self-managed rendering names a Secret that is not in the input.
			for _, f := range findings {
				assert.Equal(t, "ingress-tls-secret-missing", f.Rule, "unexpected finding: %+v", f)
			}
			assert.False(t, HasErrors(findings))
		})
	}
}

func TestRenderStreamIsApplyable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteStream(&out, renderMode(t, CertGoogleManaged)))
	var kinds []string
	for _, doc := range splitDocuments(t, out.Bytes()) {
		var header typeHeader
		require.NoError(t, yaml.Unmarshal(doc, &header))
		if header.Kind == "" {
			// The leading comment block decodes to nothing.
			continue
		}
		kinds = append(kinds, header.Kind)
	}
	assert.Equal(t, []string{"BackendConfig", "ManagedCertificate", "Ingress", "ConfigMap", "ConfigMap", "Deployment", "Service", "CronJob"}, kinds)
	assert.Contains(t, out.String(), "# ==== PLAN.md ====")
	assert.Contains(t, out.String(), "tlsMode: 1")
}

func TestRenderVariants(t *testing.T) {
	self := renderMode(t, CertSelfManaged)
	google := renderMode(t, CertGoogleManaged)
	content := func(files []File, name string) string {
		for _, f := range files {
			if f.Name == name {
				return string(f.Content)
			}
		}
		return ""
	}
	t.Run("self-managed ingress has spec.tls", func(t *testing.T) {
		ing := content(self, FileIngress)
		assert.Contains(t, ing, "secretName: my-release-milvus-tls")
		assert.NotContains(t, ing, AnnotationManagedCerts)
		assert.Empty(t, content(self, FileManagedCert))
	})
	t.Run("google-managed ingress has annotation", func(t *testing.T) {
		ing := content(google, FileIngress)
		assert.Contains(t, ing, AnnotationManagedCerts+": my-release-milvus-cert")
		assert.NotContains(t, ing, "secretName")
		assert.Contains(t, content(google, FileManagedCert), "- my-release.milvus.io")
	})
	t.Run("probe config trust", func(t *testing.T) {
		assert.Contains(t, content(self, FileProbeConfig), "server_pem: /etc/milvus-l7-probe/tls/tls.crt")
		assert.NotContains(t, content(google, FileProbeConfig), "server_pem")
		assert.Contains(t, content(google, FileProbeConfig), "server_name: my-release.milvus.io")
		assert.Contains(t, content(google, FileProbeConfig), "healthz_url: http://127.0.0.1:9091/healthz")
	})
	t.Run("patches contain no null", func(t *testing.T) {
		assert.NotContains(t, content(self, FileSidecarPatch), "null")
		assert.NotContains(t, content(self, FileServicePatch), "null")
	})
	t.Run("sidecar never mounts the key", func(t *testing.T) {
		assert.NotContains(t, content(self, FileSidecarPatch), "tls.key")
		assert.NotContains(t, content(self, FileProbe), "tls.key")
	})
}

func TestRenderOptionsRejected(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"cert mode", Options{CertMode: "foo"}, `--cert-mode "foo" is invalid`},
		{"domain without dot", Options{Domain: "milvus"}, `--domain: domain "milvus" is invalid`},
		{"domain with space", Options{Domain: "my release.io"}, `domain "my release.io" is invalid`},
		{"release upper case", Options{Release: "My", Domain: "a.example.com"}, `--release "My" is invalid`},
		{"address without port", Options{Address: "10.0.0.1"}, `--address: address "10.0.0.1": missing port`},
		{"address ipv6 without brackets", Options{Address: "::1:443"}, `--address: address "::1:443": an IPv6 literal must be in brackets`},
		{"address port out of range", Options{Address: "a.example.com:70000"}, `port "70000" is invalid`},
		{"image upper case", Options{ProbeImage: "UPPER CASE:tag"}, `--probe-image "UPPER CASE:tag" is invalid`},
		{"image upper-case repository", Options{ProbeImage: "ghcr.io/Org/probe:v1"}, `--probe-image "ghcr.io/Org/probe:v1" is invalid`},
		{"image empty tag", Options{ProbeImage: "probe:"}, `--probe-image "probe:" is invalid`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render(c.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestRenderAcceptsImageReferences(t *testing.T) {
	for _, image := range []string{
		DefaultProbeImage,
		"milvus-l7-probe",
		"localhost:5000/team/milvus_l7__probe:v1.2.3-rc.1",
		"Registry.Example.com/probe:latest",
		"[::1]:5000/probe",
		"europe-docker.pkg.dev/p/r/probe@sha256:" + strings.Repeat("ab", 32),
	} {
		t.Run(image, func(t *testing.T) {
			_, err := Render(Options{ProbeImage: image})
			assert.NoError(t, err)
		})
	}
}

func TestRenderCustomNames(t *testing.T) {
	files, err := Render(Options{Release: "prod", Namespace: "vector", Domain: "milvus.example.com",
		ServiceName: "milvus-gw", SecretName: "milvus-front"})
	require.NoError(t, err)
	var all strings.Builder
	for _, f := range files {
		all.Write(f.Content)
	}
	assert.Contains(t, all.String(), "name: milvus-gw")
	assert.Contains(t, all.String(), "namespace: vector")
	assert.Contains(t, all.String(), "secretName: milvus-front")
	assert.Contains(t, all.String(), "--secret-out secret.yaml --secret-name milvus-front")
	assert.Contains(t, all.String(), "host: milvus.example.com")
	assert.NotContains(t, all.String(), "my-release")
}

func TestBackendConfigStrictRejectsUnknownField(t *testing.T) {
	doc := []byte("apiVersion: cloud.google.com/v1\nkind: BackendConfig\nspec:\n  healthCheck:\n    requestPath: /healthz\n    path: /x\n")
	err := yaml.UnmarshalStrict(doc, &BackendConfig{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown field "path"`)
}
