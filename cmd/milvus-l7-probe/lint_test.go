package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/render"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

const fixtures = "../../testdata/lint/"

func TestLintCleanExitsZero(t *testing.T) {
	code, out, errOut := runCLI(t, "", "lint", fixtures+"clean.yaml")
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, "no findings\n", out)
}

func TestLintWarningsExitZero(t *testing.T) {
	code, out, _ := runCLI(t, "", "lint", fixtures+"ingress-tls-secret-missing.yaml")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "ingress-tls-secret-missing")
	assert.Contains(t, out, "0 errors, 1 warning\n")
	assert.Contains(t, out, "fix: create it in the Ingress's namespace with milvus-l7-probe cert --domain HOST --secret-out secret.yaml "+
		"--secret-name my-release-milvus-tls --namespace default, then kubectl apply -f secret.yaml")
}

func TestPluralCounts(t *testing.T) {
	assert.Equal(t, "0 errors", plural(0, "error"))
	assert.Equal(t, "1 error", plural(1, "error"))
	assert.Equal(t, "2 warnings", plural(2, "warning"))
}

func TestLintErrorsExitNine(t *testing.T) {
	code, out, errOut := runCLI(t, "", "lint", fixtures+"backendconfig-health-check.yaml")
	assert.Equal(t, exitLintErrors, code)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "BackendConfig/default/my-release-milvus-backendconfig")
	assert.Contains(t, out, "spec.healthCheck.port")
	assert.Contains(t, out, "fix: set spec.healthCheck.port: 9091")
	assert.Contains(t, out, "3 errors, 0 warnings")
}

func TestLintJSONOutput(t *testing.T) {
	code, out, _ := runCLI(t, "", "lint", "--output", "json", fixtures+"values-tlsmode-mutual.yaml")
	assert.Equal(t, exitLintErrors, code)
	var report struct {
		Findings []render.Finding `json:"findings"`
		Errors   int              `json:"errors"`
		Warnings int              `json:"warnings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	require.Len(t, report.Findings, 1)
	assert.Equal(t, "values-tlsmode-mutual", report.Findings[0].Rule)
	assert.Equal(t, "2", report.Findings[0].Value)
	assert.Equal(t, 1, report.Errors)
}

func TestLintStdinList(t *testing.T) {
	list, err := os.ReadFile(fixtures + "kubectl-list.yaml")
	require.NoError(t, err)
	code, out, _ := runCLI(t, string(list), "lint", "-")
	assert.Equal(t, exitLintErrors, code)
	assert.Contains(t, out, "stdin#1 items[1]")
}

func TestLintFolderRecurses(t *testing.T) {
	dir := t.TempDir()
	nested := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(nested, 0o755))
	bad, err := os.ReadFile(fixtures + "values-tlsmode-top-level.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(nested, "values.yml"), bad, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not: [yaml"), 0o644))

	code, out, errOut := runCLI(t, "", "lint", dir)
	assert.Equal(t, exitLintErrors, code, errOut)
	assert.Contains(t, out, "values-tlsmode-top-level")
}

func TestLintRejectsInvalidInput(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("kind: Service\nmetadata: [unclosed\n"), 0o644))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no paths", nil, "no input: name files or folders, or - for standard input"},
		{"output format", []string{"--output", "yaml", fixtures + "clean.yaml"}, `--output "yaml" is invalid: use table or json`},
		{"missing file", []string{filepath.Join(dir, "absent.yaml")}, "absent.yaml: no such file"},
		{"invalid yaml", []string{broken}, "broken.yaml: document 1 is not valid YAML"},
		{"stdin twice", []string{"-", "-"}, "- (standard input) is named more than once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", append([]string{"lint"}, c.args...)...)
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, c.want)
		})
	}
}

func TestLintCapsInputSize(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(maxLintInput+1)) // sparse: reads as NUL bytes
	require.NoError(t, f.Close())

	t.Run("file", func(t *testing.T) {
		code, _, errOut := runCLI(t, "", "lint", big)
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "big.yaml: input exceeds 16 MiB; lint takes manifests")
	})
	t.Run("stdin", func(t *testing.T) {
		code, _, errOut := runCLI(t, string(make([]byte, maxLintInput+1)), "lint", "-")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "stdin: input exceeds 16 MiB; lint takes manifests")
	})
}

func TestLintStdinStopsWhenInterrupted(t *testing.T) {
	stdin, writer := io.Pipe() // no write ever comes, like an idle terminal
	defer writer.Close()       // ends the reading goroutine for goleak
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	var out, errOut bytes.Buffer
	root := newRootCommand(streams{In: stdin, Out: &out, Err: &errOut})
	root.SetArgs([]string{"lint", "-"})
	err := root.ExecuteContext(ctx)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "read stdin: interrupted before the input ended")
	assert.Empty(t, out.String())
	assert.Equal(t, probe.ExitInterrupted, exitCode(streams{Err: &errOut}, err))
}

func TestLintRejectsInputWithoutObjects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	emptyDir := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(emptyDir, 0o755))
	cases := []struct {
		name  string
		stdin string
		path  string
		want  string
	}{
		{"text file", "", write("notes.txt", "just some words\n"), "no Kubernetes objects or Helm values found in " + dir + "/notes.txt"},
		{"empty file", "", write("empty.yaml", ""), "no Kubernetes objects or Helm values found in " + dir + "/empty.yaml"},
		{"empty folder", "", emptyDir, "no Kubernetes objects or Helm values found in " + emptyDir},
		{"nul bytes", "\x00\x00\x00\x00", "-", "stdin: document 1 is not valid YAML"},
		{"empty list", "apiVersion: v1\nkind: List\nitems: []\n", "-", "no Kubernetes objects or Helm values found in stdin"},
		{"unrelated keys", "", write("probe-config.yaml", "address: a.example.com:443\n"), "no Kubernetes objects or Helm values found in"},
		{"pem", "", write("tls.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "tls.crt is PEM (a certificate or key), not YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.stdin, "lint", c.path)
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, c.want)
			assert.Empty(t, out)
		})
	}
}

func TestLintAcceptsObjectsNoRuleChecks(t *testing.T) {
	code, out, errOut := runCLI(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "lint", "-")
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, "no findings\n", out)
}
