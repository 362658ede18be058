package metrics

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocsListEveryMetric keeps docs/metrics.md in step with the code:
// every metric the Recorder describes must have a row there.
func TestDocsListEveryMetric(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	require.NoError(t, err)

	names := Names()
	assert.Len(t, names, 23, "the metric contract has 23 metrics")
	for _, name := range names {
		require.NotEmpty(t, name)
		assert.Contains(t, string(docs), "| `"+name+"` |", "docs/metrics.md has no row for %s", name)
	}
}
