package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository root, relative to this package's directory,
// where go test runs.
const repoRoot = "../.."

// stampEnv gives the build stamps fixed values, so the go build lines of
// the Makefile and the Dockerfile expand to comparable words.
var stampEnv = []string{"VERSION=v9.9.9-test", "COMMIT=c0ffee", "DATE=2026-01-02T03:04:05Z"}

func parseDockerfile(t *testing.T) []instructions.Stage {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	defer f.Close()

	ast, err := parser.Parse(f)
	require.NoError(t, err)
	stages, _, err := instructions.Parse(ast.AST, nil)
	require.NoError(t, err)
	require.Len(t, stages, 2, "a build stage and a runtime stage")
	return stages
}

func TestDockerfileBuildStage(t *testing.T) {
	build := parseDockerfile(t)[0]

	assert.Equal(t, "build", build.Name)
	assert.Equal(t, "golang:"+goModMinor(t), build.BaseName,
		"the builder's Go minor version matches the go directive in go.mod")

	var args []string
	for _, c := range build.Commands {
		if a, ok := c.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				args = append(args, kv.Key)
			}
		}
		if r, ok := c.(*instructions.RunCommand); ok && isGoBuild(r.CmdLine) {
			break
		}
	}
	assert.Subset(t, args, []string{"VERSION", "COMMIT", "DATE"},
		"the stamps are declared before the go build that uses them")
}

func TestDockerfileRuntimeStage(t *testing.T) {
	final := parseDockerfile(t)[1]
	assert.Equal(t, "gcr.io/distroless/static-debian12:nonroot", final.BaseName)

	user := ""
	var entrypoint *instructions.EntrypointCommand
	var exposed []string
	var copied []*instructions.CopyCommand
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.EntrypointCommand:
			entrypoint = c
		case *instructions.ExposeCommand:
			exposed = append(exposed, c.Ports...)
		case *instructions.CopyCommand:
			copied = append(copied, c)
		}
	}

	assert.NotEmpty(t, user, "USER is set")
	uid, _, _ := strings.Cut(user, ":")
	assert.NotContains(t, []string{"", "0", "root"}, uid, "runs as non-root")
	require.NotNil(t, entrypoint, "ENTRYPOINT is set")
	assert.False(t, entrypoint.PrependShell, "exec form, so signals reach the binary")
	assert.Equal(t, []string{"/milvus-l7-probe"}, entrypoint.CmdLine)
	assert.Contains(t, exposed, "9469")
	require.Len(t, copied, 1)
	assert.Equal(t, "build", copied[0].From)
	assert.Equal(t, []string{dockerfileOutput(t)}, copied[0].SourcePaths, "copies what go build wrote")
	assert.Equal(t, "/milvus-l7-probe", copied[0].DestPath)
}

// TestDockerfileMatchesMakefile compares the two go build lines word by
// word, after expanding the stamps, with only the output path differing.
func TestDockerfileMatchesMakefile(t *testing.T) {
	docker := withoutOutput(dockerfileGoBuild(t))
	fromMake := withoutOutput(makefileGoBuild(t))

	assert.Equal(t, fromMake, docker)
	assert.Contains(t, docker, "CGO_ENABLED=0")
	assert.Contains(t, docker, "-trimpath")
	assert.Contains(t, docker, "./cmd/milvus-l7-probe")
	assert.Contains(t, docker, "-s -w -X main.version=v9.9.9-test -X main.commit=c0ffee -X main.date=2026-01-02T03:04:05Z")
}

// TestMakefileLDFlagsStampVersion builds the binary with the Makefile's
// -ldflags and checks that `version` prints the stamps, which fails when a
// -X names a variable that does not exist. It leaves out -trimpath and
// CGO_ENABLED=0, which TestDockerfileMatchesMakefile compares, because
// with them every dependency is compiled anew: minutes on a cold cache
// instead of seconds after go vet.
func TestMakefileLDFlagsStampVersion(t *testing.T) {
	words := makefileGoBuild(t)
	i := slices.Index(words, "-ldflags")
	require.GreaterOrEqual(t, i, 0, "the Makefile's go build has -ldflags")
	require.Less(t, i+1, len(words))
	binary := filepath.Join(t.TempDir(), "milvus-l7-probe")

	build := exec.Command("go", "build", "-ldflags", words[i+1], "-o", binary, words[len(words)-1])
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	out, err = exec.Command(binary, "version", "--output", "json").Output()
	require.NoError(t, err)
	var info buildInfo
	require.NoError(t, json.Unmarshal(out, &info))
	assert.Equal(t, "v9.9.9-test", info.Version)
	assert.Equal(t, "c0ffee", info.Commit)
	assert.Equal(t, "2026-01-02T03:04:05Z", info.Date)
}

func dockerfileGoBuild(t *testing.T) []string {
	t.Helper()
	for _, c := range parseDockerfile(t)[0].Commands {
		r, ok := c.(*instructions.RunCommand)
		if !ok || !isGoBuild(r.CmdLine) {
			continue
		}
		require.True(t, r.PrependShell, "the go build RUN uses the shell form")
		return expandWords(t, strings.Join(r.CmdLine, " "))
	}
	require.FailNow(t, "the build stage has no RUN with go build")
	return nil
}

// dockerfileOutput returns the path that the Dockerfile's go build writes.
func dockerfileOutput(t *testing.T) string {
	words := dockerfileGoBuild(t)
	i := slices.Index(words, "-o")
	require.GreaterOrEqual(t, i, 0, "go build has -o")
	require.Less(t, i+1, len(words))
	return words[i+1]
}

// makefileGoBuild returns the words of the build target's go build line,
// with the Makefile's own variables expanded and the stamps from stampEnv.
func makefileGoBuild(t *testing.T) []string {
	t.Helper()
	vars, recipe := readMakefile(t, "build")
	for _, line := range recipe {
		if words := expandWords(t, expandMake(line, vars)); isGoBuild(words) {
			return words
		}
	}
	require.FailNow(t, "the Makefile's build target has no go build line")
	return nil
}

var (
	makeAssign = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|=)\s*(.*)$`)
	makeRef    = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
)

// readMakefile returns the Makefile's simple variable assignments and the
// recipe lines of target.
func readMakefile(t *testing.T, target string) (map[string]string, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "Makefile"))
	require.NoError(t, err)
	defer f.Close()

	vars := map[string]string{}
	var recipe []string
	inTarget := false
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case strings.HasPrefix(line, "\t"):
			if inTarget {
				recipe = append(recipe, strings.TrimSpace(line))
			}
		case makeAssign.MatchString(line):
			m := makeAssign.FindStringSubmatch(line)
			vars[m[1]] = m[2]
		default:
			inTarget = strings.HasPrefix(line, target+":")
		}
	}
	require.NoError(t, scanner.Err())
	require.NotEmpty(t, recipe, "the Makefile has a %s target", target)
	return vars, recipe
}

// expandMake expands $(NAME) references the way make does before the
// shell sees the line: the build stamps from stampEnv, every other name
// from the Makefile's own assignments.
func expandMake(s string, vars map[string]string) string {
	stamps := map[string]string{}
	for _, kv := range stampEnv {
		name, value, _ := strings.Cut(kv, "=")
		stamps[name] = value
	}
	for range 10 {
		next := makeRef.ReplaceAllStringFunc(s, func(ref string) string {
			name := makeRef.FindStringSubmatch(ref)[1]
			if value, ok := stamps[name]; ok {
				return value
			}
			return vars[name]
		})
		if next == s {
			break
		}
		s = next
	}
	return strings.ReplaceAll(s, "$$", "$")
}

// expandWords splits a shell command line into words as a POSIX shell
// would, using the Dockerfile shell lexer.
func expandWords(t *testing.T, line string) []string {
	t.Helper()
	words, err := shell.NewLex('\\').ProcessWords(line, shell.EnvsFromSlice(stampEnv))
	require.NoError(t, err)
	return words
}

func isGoBuild(words []string) bool {
	line := " " + strings.Join(words, " ") + " "
	return strings.Contains(line, " go build ")
}

func withoutOutput(words []string) []string {
	i := slices.Index(words, "-o")
	if i < 0 || i+1 >= len(words) {
		return words
	}
	return slices.Concat(words[:i], words[i+2:])
}

// goModMinor returns the Go major.minor version of go.mod's go directive.
func goModMinor(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(data)
	require.NotNil(t, m, "go.mod has a go directive")
	return string(m[1])
}

func TestMakeImageWithoutEngine(t *testing.T) {
	makePath, err := exec.LookPath("make")
	require.NoError(t, err, "make is needed to run the Makefile")

	tests := []struct {
		name   string
		engine string
		want   string
	}{
		{"no engine", "", "make image: no container engine found (looked for docker and podman)"},
		{"engine not running", "false", "make image: false is installed but its engine is not running"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(makePath, "--no-print-directory", "image", "CONTAINER_ENGINE="+tc.engine)
			cmd.Dir = repoRoot
			out, err := cmd.CombinedOutput()

			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr, string(out))
			assert.NotEqual(t, 0, exitErr.ExitCode())
			assert.Contains(t, string(out), tc.want)
			assert.NotContains(t, string(out), " build ", "no build was started")
		})
	}
}
