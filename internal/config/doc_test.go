package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArchitectureDocListsEveryKey fails when a config key is added
// without a row in the key table of docs/architecture.md, and checks that
// each row names the flag and the variable that bind the key.
func TestArchitectureDocListsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../docs/architecture.md")
	require.NoError(t, err)
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(data), "\n") {
		if key, ok := strings.CutPrefix(line, "| `"); ok {
			rows[strings.SplitN(key, "`", 2)[0]] = line
		}
	}

	for _, key := range knownKeys() {
		row, ok := rows[key]
		if !assert.True(t, ok, "docs/architecture.md has no row for config key %q", key) || key == "targets" {
			continue
		}
		assert.Contains(t, row, "`"+EnvName(key)+"`", key)
	}
	for _, tf := range targetFlags {
		assert.Contains(t, rows[tf.key], "`--"+tf.name+"`", tf.key)
	}
}
