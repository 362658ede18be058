package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompletionScripts(t *testing.T) {
	tests := []struct {
		shell string
		want  []string
	}{
		{"bash", []string{
			"# bash completion V2 for milvus-l7-probe",
			"complete -o default -F __start_milvus-l7-probe milvus-l7-probe",
		}},
		{"zsh", []string{
			"#compdef milvus-l7-probe",
			"compdef _milvus-l7-probe milvus-l7-probe",
		}},
		{"fish", []string{
			"# fish completion for milvus-l7-probe",
			"complete -c milvus-l7-probe",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.shell, func(t *testing.T) {
			code, out, errOut := runCommand(t, "completion", tc.shell)

			require.Equal(t, 0, code, errOut)
			assert.True(t, strings.HasPrefix(out, tc.want[0]), "first line: %.80q", out)
			for _, w := range tc.want[1:] {
				assert.Contains(t, out, w)
			}
		})
	}
}

func TestCompletionRejectsShell(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "pwsh"}, {"completion", "bash", "zsh"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := runCommand(t, args...)

			assert.Equal(t, 1, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, "choose a shell: bash, zsh or fish")
		})
	}
}

// TestCompletionBashCompletes loads the bash script into a real bash and
// requests the completions of "milvus-l7-probe ver", as a shell does on Tab.
// The script calls the binary back through its hidden __complete command.
// It needs _get_comp_words_by_ref from the bash-completion package, which
// the test defines in a minimal form so it runs on a bare machine, and
// compopt, a builtin that works only inside a real completion, is a no-op.
func TestCompletionBashCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "bash is needed to run the completion script")
	code, script, _ := runCommand(t, "completion", "bash")
	require.Equal(t, 0, code)

	dir := t.TempDir()
	self, err := os.Executable()
	require.NoError(t, err)
	require.NoError(t, os.Symlink(self, filepath.Join(dir, "milvus-l7-probe")))
	scriptPath := filepath.Join(dir, "completion.bash")
	require.NoError(t, os.WriteFile(scriptPath, []byte(script), 0o600))

	const complete = `_get_comp_words_by_ref() {
  cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
  words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
}
compopt() { :; }
source "$1"
COMP_WORDS=(milvus-l7-probe ver); COMP_CWORD=1
COMP_LINE="milvus-l7-probe ver"; COMP_POINT=${#COMP_LINE}
__start_milvus-l7-probe
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", complete, "bash", scriptPath)
	cmd.Env = append(os.Environ(), runAsMainEnv+"=1", "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "version\n", string(out))
}
