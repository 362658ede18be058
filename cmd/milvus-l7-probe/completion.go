package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
)

const completionExample = `  # Load completions into the current bash shell
  source <(milvus-l7-probe completion bash)

  # Install them for every new bash shell (Debian, Ubuntu)
  milvus-l7-probe completion bash > /etc/bash_completion.d/milvus-l7-probe

  # zsh: write the script into a directory of your $fpath
  milvus-l7-probe completion zsh > "${fpath[1]}/_milvus-l7-probe"

  # fish
  milvus-l7-probe completion fish > ~/.config/fish/completions/milvus-l7-probe.fish`

// newCompletionCommand replaces cobra's default completion command, whose
// help has no example, with one for the three shells the project supports.
func newCompletionCommand(io streams) *cobra.Command {
	return &cobra.Command{
		Use:                   "completion bash|zsh|fish",
		Short:                 "Print the shell completion script for bash, zsh or fish",
		Example:               completionExample,
		Args:                  shellArg,
		ValidArgs:             []string{"bash", "zsh", "fish"},
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(io.Out, true)
			case "zsh":
				return root.GenZshCompletion(io.Out)
			default:
				return root.GenFishCompletion(io.Out, true)
			}
		},
	}
}

// shellArg accepts exactly one argument naming a supported shell.
func shellArg(cmd *cobra.Command, args []string) error {
	const choose = "choose a shell: bash, zsh or fish, e.g. milvus-l7-probe completion bash"
	switch {
	case len(args) == 0:
		return errors.New(choose)
	case len(args) > 1:
		return fmt.Errorf("completion takes one shell, got %d arguments; %s", len(args), choose)
	case !slices.Contains(cmd.ValidArgs, args[0]):
		return fmt.Errorf("shell %q is not supported; %s", args[0], choose)
	}
	return nil
}
