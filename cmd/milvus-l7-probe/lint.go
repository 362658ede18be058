package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/render"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// exitLintErrors is the exit code of lint when a finding has severity
// error. No check or wait result uses 9, so a script that runs both never
// mistakes a lint error for a failed layer; 1 keeps its meaning of invalid
// flags or unreadable input.
const exitLintErrors = 9

// maxLintInput is the largest file or standard input that lint reads, in
// bytes. Manifests and Helm values of a setup are far smaller, and the cap
// stops an input such as /dev/zero or a disk image from filling memory.
const maxLintInput = 16 << 20

const lintExample = `  # Lint rendered or hand-written manifests and Helm values:
  milvus-l7-probe lint deploy/self-managed values.yaml

  # Lint what is in the cluster:
  kubectl get service,ingress,backendconfig,managedcertificate,secret -n default -o yaml \
    | milvus-l7-probe lint -

  # Machine-readable findings:
  milvus-l7-probe lint --output json manifests/`

// lintOptions are the flags of the lint command.
type lintOptions struct {
	output string
	paths  []string
}

func newLintCommand(io streams) *cobra.Command {
	o := &lintOptions{}
	cmd := &cobra.Command{
		Use:   "lint PATH...",
		Short: "Report known mistakes in manifests and Helm values of the setup",
		Long: `lint reads YAML files, folders (every .yaml, .yml and .json file in them,
recursively), or - for standard input, such as kubectl get -o yaml output.
A file may hold several documents and kind: List documents. A document
without apiVersion and kind that has extraConfigFiles, service or image is
read as Milvus Helm values.

Each finding names the object (kind/namespace/name), the field path, the
value, what is wrong and the fix. Its severity is error when the setup
cannot work, and warning when it depends on an object that is not in the
input, such as a Secret that exists only in the cluster.

Exit codes: 0 no error findings (warnings allowed), 1 invalid flags or
unreadable input, 9 at least one error finding, 130 interrupted.`,
		Example: lintExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			if err := o.validate(); err != nil {
				return usageError(err)
			}
			return o.run(cmd.Context(), io)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	return cmd
}

func (o *lintOptions) validate() error {
	if len(o.paths) == 0 {
		return errors.New("no input: name files or folders, or - for standard input, e.g. milvus-l7-probe lint deploy/")
	}
	if o.output != "table" && o.output != "json" {
		return fmt.Errorf("--output %q is invalid: use table or json", o.output)
	}
	stdinCount := 0
	for _, path := range o.paths {
		if path == "-" {
			stdinCount++
		}
	}
	if stdinCount > 1 {
		return errors.New("- (standard input) is named more than once: name it once, since standard input can be read only once")
	}
	return nil
}

func (o *lintOptions) run(ctx context.Context, io streams) error {
	var m render.Manifests
	for _, path := range o.paths {
		read := m.Documents
		if err := readLintPath(ctx, &m, path, io.In); err != nil {
			if ctx.Err() != nil {
				return &exitError{Code: probe.ExitInterrupted, Err: err}
			}
			return usageError(err)
		}
		if m.Documents == read {
			return usageError(fmt.Errorf("no Kubernetes objects or Helm values found in %s: "+
				"lint takes YAML or JSON manifests, kubectl get -o yaml output and Milvus Helm values", lintPathName(path)))
		}
	}
	findings := render.Lint(&m)
	var err error
	if o.output == "json" {
		err = writeFindingsJSON(io.Out, findings)
	} else {
		err = writeFindingsTable(io.Out, findings)
	}
	if err != nil {
		return &exitError{Code: exitLintErrors, Err: fmt.Errorf("write findings: %w", err)}
	}
	if render.HasErrors(findings) {
		return &exitError{Code: exitLintErrors}
	}
	return nil
}

func lintPathName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// readLintPath adds the documents of a file, of every YAML or JSON file
// under a folder, or of stdin for "-".
func readLintPath(ctx context.Context, m *render.Manifests, path string, stdin io.Reader) error {
	if path == "-" {
		return readLintStream(ctx, m, stdin, "stdin")
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if !info.IsDir() {
		return readLintFile(ctx, m, path)
	}
	return filepath.WalkDir(path, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(file)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				return readLintFile(ctx, m, file)
			}
		}
		return nil
	})
}

func readLintFile(ctx context.Context, m *render.Manifests, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	return readLintStream(ctx, m, f, path)
}

// readLintStream reads r whole, at most maxLintInput bytes, and adds its
// documents to m. It returns when ctx is cancelled (SIGINT or SIGTERM), even
// while r blocks, as standard input from a terminal or a pipe does.
func readLintStream(ctx context.Context, m *render.Manifests, r io.Reader, source string) error {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, maxLintInput+1))
		done <- result{data, err}
	}()
	select {
	case <-ctx.Done():
		// NOTE: the reading goroutine stays blocked in r.Read until r
		// returns, which for stdin is when the process exits.
		return fmt.Errorf("read %s: interrupted before the input ended: %w", source, context.Cause(ctx))
	case res := <-done:
		if res.err != nil {
			return fmt.Errorf("read %s: %w", source, res.err)
		}
		if len(res.data) > maxLintInput {
			return fmt.Errorf("%s: input exceeds %d MiB; lint takes manifests and Helm values, not large or endless data", source, maxLintInput>>20)
		}
		if bytes.HasPrefix(bytes.TrimSpace(res.data), []byte("-----BEGIN ")) {
			return fmt.Errorf("%s is PEM (a certificate or key), not YAML: lint the Secret manifest that "+
				"milvus-l7-probe cert --secret-out secret.yaml writes, or the output of kubectl get secret -o yaml", source)
		}
		return m.ReadManifests(bytes.NewReader(res.data), source)
	}
}

func writeFindingsJSON(out io.Writer, findings []render.Finding) error {
	if findings == nil {
		findings = []render.Finding{}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings []render.Finding `json:"findings"`
		Errors   int              `json:"errors"`
		Warnings int              `json:"warnings"`
	}{findings, countSeverity(findings, render.SeverityError), countSeverity(findings, render.SeverityWarning)})
}

func countSeverity(findings []render.Finding, s render.Severity) int {
	n := 0
	for _, f := range findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// writeFindingsTable prints an aligned table of the findings, then, under
// each finding's number, the problem, the fix and the source, which are too
// long for columns.
func writeFindingsTable(out io.Writer, findings []render.Finding) error {
	if len(findings) == 0 {
		_, err := fmt.Fprintln(out, "no findings")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSEVERITY\tRULE\tOBJECT\tPATH\tVALUE")
	for i, f := range findings {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", i+1, f.Severity, f.Rule, f.Object, f.Path, oneLine(f.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, f := range findings {
		fmt.Fprintf(out, "\n%d. %s\n   fix: %s\n   source: %s\n", i+1, f.Message, oneLine(f.Fix), f.Source)
	}
	errorCount := countSeverity(findings, render.SeverityError)
	warningCount := countSeverity(findings, render.SeverityWarning)
	_, err := fmt.Fprintf(out, "\n%s, %s\n", plural(errorCount, "error"), plural(warningCount, "warning"))
	return err
}

// plural returns count and noun, with an s unless count is 1.
func plural(count int, noun string) string {
	if count == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", count, noun)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
