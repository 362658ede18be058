package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const lintFixtures = "../../testdata/lint"

// want is the part of a finding that a fixture pins down.
type want struct {
	rule     string
	severity Severity
	object   string
	path     string
	value    string
}

func lintFixture(t *testing.T, name string) []Finding {
	t.Helper()
	f, err := os.Open(filepath.Join(lintFixtures, name))
	require.NoError(t, err)
	defer f.Close()
	var m Manifests
	require.NoError(t, m.ReadManifests(f, name))
	return Lint(&m)
}

func TestLintFixtures(t *testing.T) {
	const svc = "Service/default/my-release-milvus"
	const ing = "Ingress/default/my-release-milvus"
	const bc = "BackendConfig/default/my-release-milvus-backendconfig"
	appProtocols := `metadata.annotations["cloud.google.com/app-protocols"]`
	backendConfig := `metadata.annotations["cloud.google.com/backend-config"]`
	managedCerts := `metadata.annotations["networking.gke.io/managed-certificates"]`
	cases := []struct {
		fixture string
		want    []want
	}{
		{"clean.yaml", nil},
		{"values-rest-port-moved.yaml", nil},
		{"values-rest-disabled.yaml", nil},
		{"backendconfig-health-check.yaml", []want{
			{"backendconfig-health-check", SeverityError, bc, "spec.healthCheck.port", "19530"},
			{"backendconfig-health-check", SeverityError, bc, "spec.healthCheck.requestPath", "/"},
			{"backendconfig-health-check", SeverityError, bc, "spec.healthCheck.type", "HTTP2"},
		}},
		{"backendconfig-no-health-check.yaml", []want{
			{"backendconfig-health-check", SeverityError, bc, "spec.healthCheck", "<unset>"},
		}},
		{"service-annotation-missing.yaml", []want{
			{"service-annotation-missing", SeverityError, svc, appProtocols, "<unset>"},
			{"service-annotation-missing", SeverityError, svc, backendConfig, "<unset>"},
			{"service-annotation-missing", SeverityError, svc, `metadata.annotations["cloud.google.com/neg"]`, "<unset>"},
		}},
		{"service-app-protocols-json.yaml", []want{
			{"service-app-protocols-json", SeverityError, svc, appProtocols, "{milvus: HTTP2}"},
		}},
		{"service-app-protocols-port.yaml", []want{
			{"service-app-protocols-port", SeverityError, svc, appProtocols, `{"grpc":"HTTP2"}`},
		}},
		{"service-app-protocols-http2.yaml", []want{
			{"service-app-protocols-http2", SeverityError, svc, appProtocols, `{"milvus":"HTTPS"}`},
		}},
		{"service-backend-config-json.yaml", []want{
			{"service-backend-config-json", SeverityError, svc, backendConfig, "my-release-milvus-backendconfig"},
		}},
		{"service-backend-config-missing.yaml", []want{
			{"service-backend-config-missing", SeverityWarning, svc, backendConfig, `{"default":"my-release-milvus-backendconfig"}`},
		}},
		{"ingress-backend-port.yaml", []want{
			{"ingress-backend-port", SeverityError, ing, "spec.rules[0].http.paths[0].backend.service.port", "9091"},
		}},
		{"ingress-tls-secret-missing.yaml", []want{
			{"ingress-tls-secret-missing", SeverityWarning, ing, "spec.tls[0].secretName", "my-release-milvus-tls"},
		}},
		{"ingress-managed-cert-missing.yaml", []want{
			{"ingress-managed-cert-missing", SeverityWarning, ing, managedCerts, "my-release-milvus-cert"},
		}},
		{"ingress-managed-cert-domain.yaml", []want{
			{"ingress-managed-cert-domain", SeverityError, ing, managedCerts, "my-release-milvus-cert (domains: milvus.example.com)"},
		}},
		{"values-tlsmode-top-level.yaml", []want{
			{"values-tlsmode-top-level", SeverityError, "HelmValues/values-tlsmode-top-level.yaml#1", "common.security.tlsMode", "1"},
		}},
		{"values-tlsmode-mutual.yaml", []want{
			{"values-tlsmode-mutual", SeverityError, "HelmValues/values-tlsmode-mutual.yaml#1", "extraConfigFiles.user.yaml: common.security.tlsMode", "2"},
		}},
		{"values-tlsmode-off.yaml", []want{
			{"values-tlsmode-off", SeverityError, "HelmValues/values-tlsmode-off.yaml#1", "extraConfigFiles.user.yaml: common.security.tlsMode", "0"},
		}},
		{"values-rest-port-shared.yaml", []want{
			{"values-rest-port-shared", SeverityError, "HelmValues/values-rest-port-shared.yaml#1", "extraConfigFiles.user.yaml: proxy.http.port", "<unset> (shares 19530), image.all.tag v2.6.4"},
		}},
		{"values-user-yaml-invalid.yaml", []want{
			{"values-user-yaml-invalid", SeverityError, "HelmValues/values-user-yaml-invalid.yaml#1", "extraConfigFiles.user.yaml", "- common.security.tlsMode=1"},
		}},
		{"values-split-files.yaml", []want{
			{"values-rest-port-shared", SeverityError, "HelmValues/values-split-files.yaml#2", "extraConfigFiles.user.yaml: proxy.http.port", "<unset> (shares 19530), image.all.tag v2.6.1"},
		}},
		{"kubectl-list.yaml", []want{
			{"backendconfig-health-check", SeverityError, bc, "spec.healthCheck.port", "19530"},
		}},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.fixture, ".yaml"), func(t *testing.T) {
			findings := lintFixture(t, c.fixture)
			var got []want
			for _, f := range findings {
				got = append(got, want{f.Rule, f.Severity, f.Object, f.Path, f.Value})
				assert.NotEmpty(t, f.Message, "finding %s has no message", f.Rule)
				assert.NotEmpty(t, f.Fix, "finding %s has no fix", f.Rule)
				assert.True(t, strings.HasPrefix(f.Source, c.fixture), "source %q", f.Source)
			}
			assert.ElementsMatch(t, c.want, got)
		})
	}
}

func TestLintEveryFixtureIsTested(t *testing.T) {
	entries, err := os.ReadDir(lintFixtures)
	require.NoError(t, err)
	assert.Len(t, entries, 22, "add a case to TestLintFixtures for each new fixture")
}

func readFixtures(t *testing.T, names ...string) *Manifests {
	t.Helper()
	var m Manifests
	for _, name := range names {
		f, err := os.Open(filepath.Join(lintFixtures, name))
		require.NoError(t, err)
		require.NoError(t, m.ReadManifests(f, name))
		require.NoError(t, f.Close())
	}
	return &m
}

func TestLintOrdersErrorsFirst(t *testing.T) {
	findings := Lint(readFixtures(t, "service-backend-config-missing.yaml", "values-tlsmode-mutual.yaml"))
	require.Len(t, findings, 2)
	assert.Equal(t, SeverityError, findings[0].Severity)
	assert.Equal(t, "values-tlsmode-mutual", findings[0].Rule)
	assert.Equal(t, SeverityWarning, findings[1].Severity)
	assert.True(t, HasErrors(findings))
	assert.False(t, HasErrors(findings[1:]))
}

func TestLintResolvesAcrossFiles(t *testing.T) {
	findings := Lint(readFixtures(t, "service-backend-config-missing.yaml", "backendconfig-no-health-check.yaml"))
	require.Len(t, findings, 1, "the BackendConfig of the second file satisfies the first file's reference")
	assert.Equal(t, "backendconfig-health-check", findings[0].Rule)
}

func TestLintRejectsInvalidYAML(t *testing.T) {
	var m Manifests
	err := m.ReadManifests(strings.NewReader("kind: Service\nmetadata: [unclosed\n"), "bad.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.yaml")
}

func TestLintSkipsUnrelatedDocuments(t *testing.T) {
	var m Manifests
	doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n---\nfoo: bar\n---\n# only a comment\n"
	require.NoError(t, m.ReadManifests(strings.NewReader(doc), "other.yaml"))
	assert.Empty(t, Lint(&m))
	assert.Empty(t, m.Values, "a map without chart keys is not Helm values")
}
