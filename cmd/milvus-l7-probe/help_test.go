package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
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
