package monitoring

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/promtest"
)

// promtool returns the path of the promtool binary. A missing promtool fails
// the test rather than skipping it, so CI cannot pass without the checks.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("find promtool: %v; %s", err, promtest.InstallHint)
	}
	return path
}

func runPromtool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool %v reported a problem:\n%s", args, output)
	return string(output)
}

func TestPromtoolCheckRules(t *testing.T) {
	output := runPromtool(t, "check", "rules", filepath.Join(deployDir, "alerts.rules.yml"))
	assert.Contains(t, output, "SUCCESS")
}

func TestPromtoolTestRules(t *testing.T) {
	tests, err := filepath.Glob(filepath.Join(deployDir, "tests", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, tests, "no promtool tests in %s/tests", deployDir)

	output := runPromtool(t, append([]string{"test", "rules"}, tests...)...)
	assert.NotContains(t, output, "FAILED")
}

// TestPromtoolTestsCoverEveryAlert checks that each alert appears in a
// promtool test case that expects it to fire.
func TestPromtoolTestsCoverEveryAlert(t *testing.T) {
	tests, err := filepath.Glob(filepath.Join(deployDir, "tests", "*.yml"))
	require.NoError(t, err)
	fired := map[string]bool{}
	for _, path := range tests {
		for _, name := range alertsExpectedToFire(t, path) {
			fired[name] = true
		}
	}
	for _, name := range alertNames(t) {
		assert.True(t, fired[name], "no promtool test expects %s to fire", name)
	}
}
