package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryCommandHasExample walks the whole command tree, so a command
// added later without an Example fails here.
func TestEveryCommandHasExample(t *testing.T) {
	root := newRootCommand(streams{})
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.Hidden {
			return
		}
		t.Run(cmd.CommandPath(), func(t *testing.T) {
			example := strings.TrimSpace(cmd.Example)
			assert.NotEmpty(t, example, "%q has no Example", cmd.CommandPath())
			assert.Contains(t, example, "milvus-l7-probe", "an example runs the command")
		})
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	assert.NotEmpty(t, root.Commands(), "the root has subcommands to walk")
}

// TestEveryFlagHasHelp fails on a flag without help text, because the
// help is the only place a user learns what a flag sets and its unit.
func TestEveryFlagHasHelp(t *testing.T) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			assert.NotEmpty(t, strings.TrimSpace(f.Usage), "%s --%s has no help", cmd.CommandPath(), f.Name)
		})
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand(streams{}))
}

// TestCheckHelpListsExitCodes pins every nonzero exit code of check to its
// help text, so a code added to the probe package is also documented.
func TestCheckHelpListsExitCodes(t *testing.T) {
	code, out, _ := runCommand(t, "check", "--help")
	require.Equal(t, 0, code)
	help := strings.Join(strings.Fields(out), " ")

	for _, want := range []string{
		"1 invalid flags or config", "2 connect", "3 RPC", "4 unhealthy", "5 TLS", "6 ALPN",
		"7 /healthz", "8 canary failed", "10 internal error",
	} {
		assert.Contains(t, help, want)
	}
}
