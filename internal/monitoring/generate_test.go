package monitoring

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the generated files in deploy/monitoring")

// deployDir holds the generated files shipped in the repository.
const deployDir = "../../deploy/monitoring"

// The release and namespace of the manifests shipped in deploy/monitoring,
// the same defaults as the other rendered manifests in deploy/.
const (
	defaultNamespace = "default"
	defaultRelease   = "my-release"
)

// generatedFiles returns every file of deploy/monitoring that this package
// writes, by file name.
func generatedFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Manifests(defaultNamespace, defaultRelease)
	require.NoError(t, err)
	files["alerts.rules.yml"] = Rules()
	files["grafana-dashboard.json"] = Dashboard()
	return files
}

func TestGeneratedFilesUpToDate(t *testing.T) {
	for name, want := range generatedFiles(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(deployDir, name)
			if *update {
				require.NoError(t, os.MkdirAll(deployDir, 0o755))
				require.NoError(t, os.WriteFile(path, want, 0o644))
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err, "run: go test ./internal/monitoring -update")
			assert.Equal(t, string(want), string(got),
				"%s differs from its source; run: go test ./internal/monitoring -update", path)
		})
	}
}

// alertNames returns the name of every alert in the rules.
func alertNames(t *testing.T) []string {
	t.Helper()
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
			} `json:"rules"`
		} `json:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(Rules(), &file))
	var names []string
	for _, group := range file.Groups {
		for _, rule := range group.Rules {
			names = append(names, rule.Alert)
		}
	}
	return names
}

// alertsExpectedToFire returns the alert names a promtool test file expects
// to fire in at least one evaluation.
func alertsExpectedToFire(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(data, &file), path)
	var names []string
	for _, test := range file.Tests {
		for _, ruleTest := range test.AlertRuleTest {
			if len(ruleTest.ExpAlerts) > 0 {
				names = append(names, ruleTest.Alertname)
			}
		}
	}
	return names
}
