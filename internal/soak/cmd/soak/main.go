// Command soak runs the milvus-l7-probe daemon against targets on
// 127.0.0.1 that flap between healthy, refused, hung and TLS-broken, and
// prints the daemon's goroutines, open files and memory over time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/soak"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

const serverName = "soak.milvus-l7-probe.test"

type options struct {
	probe    string
	duration time.Duration
	targets  int
	interval time.Duration
	period   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.probe, "probe", "bin/milvus-l7-probe", "path of the milvus-l7-probe binary")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the targets flap")
	flag.IntVar(&o.targets, "targets", 8, "number of flapping targets")
	flag.DurationVar(&o.interval, "interval", 2*time.Second, "the daemon's probe interval")
	flag.DurationVar(&o.period, "period", 3*time.Second, "time each target stays in one mode")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "milvus-l7-probe-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	flappers, configPath, err := startTargets(dir, o)
	if err != nil {
		return err
	}
	defer func() {
		for _, f := range flappers {
			f.Close()
		}
	}()
	daemon, metricsURL, err := startDaemon(ctx, dir, configPath, o)
	if err != nil {
		return err
	}
	defer stopDaemon(daemon)

	return soakAndReport(ctx, flappers, metricsURL, o)
}

func startTargets(dir string, o options) ([]*soak.Flapper, string, error) {
	good, err := tlsutil.Generate(tlsutil.CertRequest{CommonName: serverName, DNSNames: []string{serverName}, Validity: 24 * time.Hour})
	if err != nil {
		return nil, "", err
	}
	other, err := tlsutil.Generate(tlsutil.CertRequest{CommonName: serverName, DNSNames: []string{serverName}, Validity: 24 * time.Hour})
	if err != nil {
		return nil, "", err
	}
	certPath := filepath.Join(dir, "tls.crt")
	if err := os.WriteFile(certPath, good.CertPEM, 0o600); err != nil {
		return nil, "", err
	}
	var config strings.Builder
	fmt.Fprintf(&config, "server_name: %s\ntls:\n  server_pem: %s\ntimeout: %s\ntargets:\n",
		serverName, certPath, o.interval/2)
	flappers := make([]*soak.Flapper, 0, o.targets)
	for i := range o.targets {
		f, err := soak.NewFlapper(good, other)
		if err != nil {
			return nil, "", err
		}
		flappers = append(flappers, f)
		fmt.Fprintf(&config, "  - name: flapper-%d\n    address: %s\n", i, f.Address)
	}
	configPath := filepath.Join(dir, "config.yaml")
	return flappers, configPath, os.WriteFile(configPath, []byte(config.String()), 0o600)
}

func startDaemon(ctx context.Context, dir, configPath string, o options) (*exec.Cmd, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	address := l.Addr().String()
	_ = l.Close()
	cmd := exec.CommandContext(ctx, o.probe, "run", "--config", configPath,
		"--interval", o.interval.String(), "--web.listen-address", address, "--log.level", "error")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w (run make build first)", o.probe, err)
	}
	base := "http://" + address
	if err := waitReady(ctx, base+"/readyz", 30*time.Second); err != nil {
		stopDaemon(cmd)
		return nil, "", err
	}
	return cmd, base + "/metrics", nil
}

func waitReady(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("daemon not ready at %s after %s", url, limit)
}

// stopDaemon sends SIGTERM and reports how long the daemon took to stop.
func stopDaemon(cmd *exec.Cmd) {
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		fmt.Fprintln(os.Stderr, "soak: wait for daemon:", err)
	}
	fmt.Printf("daemon stopped %s after SIGTERM\n", time.Since(start).Round(time.Millisecond))
}

func soakAndReport(ctx context.Context, flappers []*soak.Flapper, metricsURL string, o options) error {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	cycleErr := make(chan error, 1)
	go func() { cycleErr <- soak.Cycle(ctx, flappers, o.period) }()

	fmt.Printf("%-8s %10s %10s %12s %10s\n", "elapsed", "goroutines", "open_fds", "resident_MiB", "heap_MiB")
	start := time.Now()
	var first, last soak.Sample
	for tick := 0; ; tick++ {
		sample, err := soak.Scrape(context.WithoutCancel(ctx), metricsURL)
		if err != nil {
			return err
		}
		if tick == 0 {
			first = sample
		}
		last = sample
		fmt.Printf("%-8s %10.0f %10.0f %12.1f %10.1f\n", time.Since(start).Round(time.Second),
			sample.Goroutines, sample.OpenFiles, sample.ResidentMiB, sample.HeapMiB)
		select {
		case <-ctx.Done():
			if err := <-cycleErr; err != nil {
				return err
			}
			flat, summary := soak.Flat(first, last)
			fmt.Printf("%d targets, interval %s, mode period %s, %s: %s\n",
				o.targets, o.interval, o.period, o.duration, summary)
			if !flat {
				return errors.New("resource use grew: " + summary)
			}
			return nil
		case <-time.After(10 * time.Second):
		}
	}
}
