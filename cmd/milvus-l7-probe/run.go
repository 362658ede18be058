package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/spf13/cobra"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/scheduler"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/server"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// defaultListenAddress listens on every interface, as Prometheus
// exporters do, because a sidecar is scraped from outside its pod. 9469 is
// this project's port; secure it with --web.config.file.
const defaultListenAddress = ":9469"

// jitterFraction lets the first cycles of targets spread over up to the
// whole interval, 10ms apart on average (see scheduler.Options), so that
// targets with equal intervals do not probe at the same time and a single
// target starts at once.
const jitterFraction = 1

const runExample = `  # One target, probed every 30s, metrics on :9469/metrics.
  milvus-l7-probe run --address 34.120.1.2:443 \
    --server-name my-release.milvus.io --server-pem tls.crt

  # Several targets from a ConfigMap mounted at /etc/milvus-l7-probe,
  # reloaded when the ConfigMap changes; JSON logs for the cluster.
  milvus-l7-probe run --config /etc/milvus-l7-probe --log.format json

  # Serve metrics over TLS with basic auth (exporter-toolkit web config).
  milvus-l7-probe run --config probe.yaml --web.config.file web.yml`

// runOptions are the settings of the daemon.
type runOptions struct {
	io            streams
	listenAddress string
	webConfigFile string
	logLevel      string
	logFormat     string

	cmd        *cobra.Command
	logger     *slog.Logger
	configPath string // the config file read at start, watched for changes
}

func newRunCommand(io streams) *cobra.Command {
	o := &runOptions{io: io}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Probe every target on an interval and export Prometheus metrics",
		Long: `run is the daemon and sidecar. It probes every configured target on its
interval with a fresh connection per cycle, and serves:

  /metrics        Prometheus metrics (probe_success, failure reasons, ...)
  /healthz        200 while the agent runs; never follows Milvus
  /readyz         200 once every target finished its first probe cycle
  POST /-/reload  reload the config

It reloads the config on SIGHUP, on POST /-/reload and when the config
file or a mounted ConfigMap changes; an invalid new config keeps the old
one running. It stops on SIGTERM, cancelling probes in flight.

Basic auth from --web.config.file covers every path, /healthz and /readyz
included, so a kubelet httpGet probe without credentials fails with 401:
use an exec or tcpSocket probe, or set an Authorization header in the
probe's httpHeaders.`,
		Example: runExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete(cmd); err != nil {
				return usageError(err)
			}
			return o.run()
		},
	}
	config.AddTargetFlags(cmd.Flags())
	cmd.Flags().Duration("interval", config.DefaultInterval,
		"time between the starts of two probe cycles of a target, e.g. 30s; must exceed --timeout")
	cmd.Flags().StringVar(&o.listenAddress, "web.listen-address", defaultListenAddress,
		"HOST:PORT the metrics and health server listens on")
	cmd.Flags().StringVar(&o.webConfigFile, "web.config.file", "",
		"exporter-toolkit web config file that enables TLS and basic auth on the server (default: plain HTTP)")
	cmd.Flags().StringVar(&o.logLevel, "log.level", "info", "log level: debug, info, warn or error")
	cmd.Flags().StringVar(&o.logFormat, "log.format", "text", "log format: text or json")
	return cmd
}

// complete builds the logger and checks the web config and the first
// config, so invalid settings exit 1 before the port is bound.
func (o *runOptions) complete(cmd *cobra.Command) error {
	o.cmd = cmd
	if err := applyEnv(cmd.Flags(), "web.listen-address", "web.config.file", "log.level", "log.format"); err != nil {
		return err
	}
	logger, err := newLogger(o.io.Err, o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	o.logger = logger
	if err := validateListenAddress(o.listenAddress); err != nil {
		return err
	}
	if o.webConfigFile != "" {
		if err := web.Validate(o.webConfigFile); err != nil {
			return fmt.Errorf("--web.config.file %q is invalid: %w", o.webConfigFile, err)
		}
	}
	cfg, _, err := o.load()
	if err != nil {
		return err
	}
	o.configPath = cfg.Path
	return nil
}

// validateListenAddress checks that address is HOST:PORT with an optional
// HOST and a decimal port from 0 to 65535, where 0 picks a free port.
func validateListenAddress(address string) error {
	const example = "use HOST:PORT, e.g. :9469 or 127.0.0.1:9469"
	_, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("--web.listen-address %q: not HOST:PORT; %s", address, example)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
		return fmt.Errorf("--web.listen-address %q: port %q must be a number from 0 to 65535; %s",
			address, port, example)
	}
	return nil
}

// loadTargets is the daemon's Loader: it is called on every reload.
func (o *runOptions) loadTargets() ([]scheduler.Target, error) {
	_, targets, err := o.load()
	return targets, err
}

// load reads the config from flags, environment and file, and returns it
// with its targets and their schedules.
func (o *runOptions) load() (*config.Config, []scheduler.Target, error) {
	cfg, err := config.Load(o.cmd.Flags(), os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	targets := make([]scheduler.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		targets = append(targets, scheduler.Target{
			Name: t.DisplayName(), Interval: cfg.Interval, Timeout: t.Timeouts.Total, Probe: t,
		})
	}
	if err := scheduler.Validate(targets); err != nil {
		return nil, nil, err
	}
	return cfg, targets, nil
}

func (o *runOptions) run() error {
	reg := prometheus.NewRegistry()
	// The Go and process series show the agent's own resource use, which a
	// long-running sidecar must keep flat.
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	build := (&versionOptions{readBuildInfo: debug.ReadBuildInfo}).collect()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{
		Version: build.Version, Revision: build.Commit, GoVersion: build.GoVersion,
	})
	if err != nil {
		return &exitError{Code: probe.ExitInternal, Err: err}
	}
	ln, err := net.Listen("tcp", o.listenAddress)
	if errors.Is(err, syscall.EADDRINUSE) {
		// The port is the operator's choice, so a taken port is a usage error.
		return usageError(fmt.Errorf("--web.listen-address %q: address already in use; "+
			"choose another --web.listen-address, e.g. :9469", o.listenAddress))
	}
	if err != nil {
		return &exitError{Code: probe.ExitInternal, Err: fmt.Errorf(
			"listen on %s: %w; choose another with --web.listen-address", o.listenAddress, err)}
	}
	reloads, stopReloads := server.NotifyReload()
	defer stopReloads()

	o.logger.Info("starting", "version", build.Version, "commit", build.Commit, "build_date", build.Date,
		"address", ln.Addr().String())
	err = server.Run(o.cmd.Context(), server.Options{
		Listener: ln, WebConfigFile: o.webConfigFile,
		Gatherer: reg, Recorder: rec, Prober: probe.Run,
		Load: o.loadTargets, ConfigPath: o.configPath, ReloadSignals: reloads,
		JitterFraction: jitterFraction, Logger: o.logger,
	})
	if err != nil {
		return &exitError{Code: probe.ExitInternal, Err: err}
	}
	return nil
}
