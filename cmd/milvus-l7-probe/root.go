package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// streams are the standard streams a command reads and writes, passed in so
// tests can capture them.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// exitError carries the exit code of a command. A nil Err means the command
// already printed what the user needs and only the code remains.
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit code %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// usageError marks invalid flags or config: exit code 1.
func usageError(err error) error {
	return &exitError{Code: probe.ExitConfig, Err: err}
}

const rootExample = `  # Check the path through the load balancer once, the certificate pinned
  milvus-l7-probe check --address 34.120.1.2:443 \
    --server-name my-release.milvus.io --server-pem tls.crt

  # After a deploy, wait until every check passes, for at most 45 minutes
  milvus-l7-probe wait --address 34.120.1.2:443 \
    --server-name my-release.milvus.io --server-pem tls.crt --wait-timeout 45m`

func newRootCommand(io streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "milvus-l7-probe",
		Short: "Set up, check and monitor Milvus behind a Google Cloud L7 load balancer",
		Long: `milvus-l7-probe sets up, checks and monitors the path from a gRPC client
through a Google Cloud Layer-7 load balancer (a GKE Ingress) to Milvus:
TCP, TLS with the server name and an optional pinned certificate, HTTP/2
by ALPN, gRPC health, Milvus CheckHealth, and Milvus's /healthz on 9091.`,
		Example:       rootExample,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// The completion command is ours, so its help has an example.
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.SetFlagErrorFunc(rewriteFlagError)
	root.AddCommand(
		newCheckCommand(io),
		newCertCommand(io),
		newRenderCommand(io),
		newLintCommand(io),
		newRunCommand(io),
		newWaitCommand(io),
		newVersionCommand(io),
		newCompletionCommand(io),
	)
	return root
}

// rewriteFlagError replaces pflag's wording of a duration flag without a
// unit or with an unparsable value by one that shows how to write it.
// Subcommands inherit it from the root command.
func rewriteFlagError(_ *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	if !errors.As(err, &invalid) || invalid.GetFlag().Value.Type() != "duration" {
		return err
	}
	name, value := invalid.GetFlag().Name, invalid.GetValue()
	if strings.Contains(err.Error(), "missing unit in duration") {
		return fmt.Errorf("--%s %q: a duration needs a unit, e.g. %ss", name, value, value)
	}
	return fmt.Errorf("--%s %q: not a duration; use a number with a unit, e.g. 10s, 5m or 1h30m", name, value)
}

// exitCode prints err, when there is one to print, and returns the process
// exit code for it. An error without an exit code is a usage error from
// cobra (an unknown flag or command), so it exits 1.
func exitCode(io streams, err error) int {
	if err == nil {
		return probe.ExitOK
	}
	var exitErr *exitError
	if errors.As(err, &exitErr) {
		if exitErr.Err != nil {
			fmt.Fprintf(io.Err, "error: %v\n", exitErr.Err)
		}
		return exitErr.Code
	}
	fmt.Fprintf(io.Err, "error: %v\n", err)
	return probe.ExitConfig
}
