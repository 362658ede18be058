// Command demo starts the rig the way a GKE setup looks from a client, runs
// milvus-l7-probe check against it, prints the output and stops the rig.
// The rig is Milvus 2.3.5 with tlsMode 1 behind nginx. nginx serves a
// certificate for the server name and forwards HTTP/2 with grpcs://, as the
// load balancer does. make demo runs it after building the probe.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
)

func main() {
	os.Exit(run())
}

func run() int {
	probe := flag.String("probe", "bin/milvus-l7-probe", "path of the milvus-l7-probe binary to run")
	serverName := flag.String("server-name", "my-release.milvus.io",
		"TLS server name that the front certificate is made for and the probe asks for")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := demo(ctx, logger, *probe, *serverName)
	if errors.Is(err, context.Canceled) {
		logger.Warn("demo interrupted; every part it started is stopped")
		return 130
	}
	if err != nil {
		logger.Error("demo failed", "err", err)
		return 1
	}
	return code
}

// demo starts the rig, runs the probe and returns the probe's exit code.
// Every part it started is stopped before it returns, also on Ctrl-C.
func demo(ctx context.Context, logger *slog.Logger, probe, serverName string) (int, error) {
	if _, err := os.Stat(probe); err != nil {
		return 0, fmt.Errorf("probe binary %s not found: run make build", probe)
	}
	dir, err := os.MkdirTemp("", "milvus-l7-probe-demo-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	front, backend, err := writeCerts(dir, serverName)
	if err != nil {
		return 0, err
	}

	logger.Info("starting milvus", "tls_mode", 1)
	milvus, err := rig.LaunchMilvus(ctx, rig.MilvusOptions{
		TLSMode: 1, CertFile: backend.CertFile, KeyFile: backend.KeyFile,
		DataDir: filepath.Join(dir, "milvus"),
		Logf:    func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) },
	})
	if err != nil {
		return 0, err
	}
	defer stopPart(logger, "milvus", milvus.Stop)

	nginx, err := rig.LaunchNginx(ctx, filepath.Join(dir, "nginx"), rig.NginxOptions{
		CertFile: front.CertFile, KeyFile: front.KeyFile,
		Upstream: milvus.Addr, UpstreamTLS: true,
	})
	if err != nil {
		return 0, err
	}
	defer stopPart(logger, "nginx", nginx.Stop)
	logger.Info("rig ready", "nginx", nginx.Addr, "milvus", milvus.Addr, "healthz_url", milvus.HealthzURL)

	return runProbe(ctx, logger, probe, "check",
		"--address", nginx.Addr,
		"--server-name", serverName,
		"--server-pem", front.CertFile,
		"--healthz-url", milvus.HealthzURL)
}

// writeCerts writes the front certificate for serverName, which nginx
// serves and the probe pins, and Milvus's own backend certificate.
func writeCerts(dir, serverName string) (front, backend rig.CertFiles, err error) {
	for _, sub := range []string{"front", "backend"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return front, backend, err
		}
	}
	if front, err = rig.WriteCert(filepath.Join(dir, "front"), serverName); err != nil {
		return front, backend, err
	}
	backend, err = rig.WriteCert(filepath.Join(dir, "backend"), "milvus.default.svc.cluster.local")
	return front, backend, err
}

// runProbe runs the probe with its output on this process's streams and
// returns its exit code.
func runProbe(ctx context.Context, logger *slog.Logger, probe string, args ...string) (int, error) {
	logger.Info("running probe", "command", probe, "args", args)
	cmd := exec.CommandContext(ctx, probe, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		logger.Warn("probe failed", "exit_code", exitErr.ExitCode())
		if exitErr.ExitCode() == 1 {
			logger.Warn("exit code 1 is invalid flags or config, so check that " +
				"this build of the probe has the check command and its flags")
		}
		return exitErr.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", probe, err)
	}
	logger.Info("probe passed", "exit_code", 0)
	return 0, nil
}

func stopPart(logger *slog.Logger, name string, stop func() error) {
	if err := stop(); err != nil {
		logger.Error("stop failed", "part", name, "err", err)
		return
	}
	logger.Info("stopped", "part", name)
}
