package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/report"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

const checkExample = `  # Self-managed certificate: pin it, as pymilvus's server_pem_path does.
  milvus-l7-probe check --address 34.120.1.2:443 \
    --server-name my-release.milvus.io --server-pem tls.crt

  # Google-managed certificate, system roots, and Milvus's /healthz
  # from inside the cluster; JSON for a pipeline.
  milvus-l7-probe check --address 34.120.1.2:443 \
    --server-name my-release.milvus.io \
    --healthz-url http://my-release-milvus:9091/healthz --output json

  # One target of a config file.
  milvus-l7-probe check --config probe.yaml --target my-release`

// checkOptions are the settings of one check run.
type checkOptions struct {
	io streams
	targetOptions
}

// targetOptions pick one target of the config and an output format; check
// and wait share them.
type targetOptions struct {
	target string
	output string

	format report.Format
	probe  probe.Target
}

func newCheckCommand(io streams) *cobra.Command {
	o := &checkOptions{io: io}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the path to Milvus once and exit with a code that names the failing layer",
		Long: `check runs every check once against one target: resolve, connect, tls,
alpn, grpc_health, milvus and healthz. It prints a table (or JSON, or JUnit XML) and
exits with 0 when all passed, or with the code of the first failing layer:
1 invalid flags or config, 2 connect, 3 RPC, 4 unhealthy, 5 TLS, 6 ALPN,
7 /healthz, 8 canary failed (with --canary), 10 internal error,
130 interrupted (SIGINT or SIGTERM) before the run finished.`,
		Example: checkExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete(cmd); err != nil {
				return usageError(err)
			}
			return o.run(cmd)
		},
	}
	config.AddTargetFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.target, "target", "", "name of the target to check when the config file lists several")
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table, json or junit")
	return cmd
}

// complete parses the output format, then loads and validates the config
// into the target to probe.
func (o *targetOptions) complete(cmd *cobra.Command) error {
	if err := applyEnv(cmd.Flags(), "output", "target"); err != nil {
		return err
	}
	format, err := report.ParseFormat(o.output)
	if err != nil {
		return err
	}
	o.format = format
	cfg, err := config.Load(cmd.Flags(), os.Getenv)
	if err != nil {
		return err
	}
	o.probe, err = cfg.Select(o.target)
	return err
}

func (o *checkOptions) run(cmd *cobra.Command) error {
	rep := probe.Run(cmd.Context(), o.probe)
	if err := report.Write(o.io.Out, o.format, rep); err != nil {
		return &exitError{Code: probe.ExitInternal, Err: err}
	}
	if cmd.Context().Err() != nil {
		return &exitError{Code: probe.ExitInterrupted,
			Err: errors.New("check interrupted before it finished; the report shows where it stopped")}
	}
	if rep.ExitCode != probe.ExitOK {
		return &exitError{Code: rep.ExitCode}
	}
	return nil
}
