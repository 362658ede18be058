package metrics

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fqNamePattern = regexp.MustCompile(`fqName: "([^"]+)"`)

// TestDocsListEveryMetric keeps docs/metrics.md in step with the code:
// every metric the Recorder describes must have a row there.
func TestDocsListEveryMetric(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	require.NoError(t, err)
	rec, _ := newTestRecorder(t)

	descs := make(chan *prometheus.Desc, 64)
	go func() {
		rec.Describe(descs)
		close(descs)
	}()
	var names []string
	for d := range descs {
		m := fqNamePattern.FindStringSubmatch(d.String())
		require.Len(t, m, 2, "desc %s", d)
		names = append(names, m[1])
	}

	assert.Len(t, names, 23, "the metric contract has 23 metrics")
	for _, name := range names {
		assert.Contains(t, string(docs), "| `"+name+"` |", "docs/metrics.md has no row for %s", name)
	}
}
