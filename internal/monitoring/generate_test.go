package monitoring

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the generated files in deploy/monitoring")

// deployDir holds the generated files shipped in the repository.
const deployDir = "../../deploy/monitoring"

// The defaults of the shipped manifests: the release and namespace of the
// Milvus Helm chart's own examples.
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
