// Command bench runs every benchmark of make bench on the loopback rig,
// prints the results and writes them to docs/benchmarks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/bench"
)

// options are the bench command's flags.
type options struct {
	probe          string
	floor          string
	out            string
	runs           int
	benchCount     int
	benchtime      string
	benchstat      string
	targets        string
	interval       time.Duration
	scaleDuration  time.Duration
	startupRuns    int
	goBin          string
	commandForDocs string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.probe, "probe", "bin/milvus-l7-probe", "milvus-l7-probe binary, as make build writes it")
	flag.StringVar(&o.floor, "grpc-health-probe", ".cache/tools/grpc-health-probe", "grpc-health-probe binary to compare with")
	flag.StringVar(&o.out, "out", "docs/benchmarks.md", "Markdown file the results are written to (empty: none)")
	flag.IntVar(&o.runs, "runs", 30, "runs of each one-shot command")
	flag.IntVar(&o.benchCount, "count", 6, "go test -count of the cycle benchmarks, for benchstat")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "go test -benchtime of each cycle benchmark run")
	flag.StringVar(&o.benchstat, "benchstat", "v0.0.0-20260908200009-22c9c6c9d4da", "version of golang.org/x/perf for benchstat")
	flag.StringVar(&o.targets, "scale-targets", "10,100,1000", "comma-separated target counts of the daemon runs")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "probe interval of the daemon runs")
	flag.DurationVar(&o.scaleDuration, "scale-duration", 2*time.Minute, "measured window of each daemon run, after /readyz 200")
	flag.IntVar(&o.startupRuns, "startup-runs", 10, "daemon starts timed to /readyz 200")
	flag.StringVar(&o.goBin, "go", "go", "go command for the benchmarks and benchstat")
	flag.StringVar(&o.commandForDocs, "command", "make bench", "command line shown in the Markdown file")
	flag.Parse()
	return o
}

func run() error {
	o := parseFlags()
	counts, err := parseCounts(o.targets)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "milvus-l7-probe-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fix, err := bench.StartFixture(ctx, dir)
	if err != nil {
		return err
	}
	res, err := o.measure(ctx, fix, dir, counts)
	if err = errors.Join(err, fix.Stop()); err != nil {
		return err
	}
	return o.write(res)
}

func (o *options) measure(ctx context.Context, fix *bench.Fixture, dir string, counts []int) (*bench.Results, error) {
	res := &bench.Results{
		Command: o.commandForDocs, Date: time.Now(), Machine: machine(), Runs: o.runs,
		FloorName: "grpc-health-probe", Interval: o.interval,
	}
	var err error
	if res.ProbeSize, res.FloorSize, err = sizes(o.probe, o.floor); err != nil {
		return nil, err
	}

	step("one-shot: %d runs each of check and grpc-health-probe", o.runs)
	if err := o.oneShot(ctx, fix, res); err != nil {
		return nil, err
	}

	step("probe cycle and floor: go test -bench -count %d", o.benchCount)
	raw := filepath.Join(dir, "cycle.txt")
	if res.GoBench, err = bench.RunGoBenchmarks(ctx, o.goBin, fix, o.benchCount, o.benchtime, raw); err != nil {
		return nil, err
	}
	if res.Benchstat, err = bench.Benchstat(ctx, o.goBin, o.benchstat, raw); err != nil {
		return nil, err
	}

	step("daemon start-up: %d starts", o.startupRuns)
	if res.Startup, err = bench.MeasureStartup(ctx, o.probe, dir, fix, o.startupRuns); err != nil {
		return nil, err
	}
	for _, n := range counts {
		step("daemon with %d targets for %s", n, o.scaleDuration)
		s, err := bench.MeasureScale(ctx, o.probe, dir, fix, n, o.interval, o.scaleDuration, time.Second)
		if err != nil {
			return nil, err
		}
		res.Scale = append(res.Scale, s)
	}
	return res, nil
}

func (o *options) oneShot(ctx context.Context, fix *bench.Fixture, res *bench.Results) error {
	check := bench.Command{Name: "check", Path: o.probe, Args: []string{"check",
		"--address", fix.Addr, "--server-name", bench.ServerName, "--server-pem", fix.CertFile,
		"--healthz-url", fix.HealthzURL}}
	floor := bench.Command{Name: "floor", Path: o.floor, Args: []string{
		"-addr", fix.Addr, "-tls", "-tls-ca-cert", fix.CertFile, "-tls-server-name", bench.ServerName}}
	runs, err := bench.Alternate(ctx, o.runs, check, floor)
	if err != nil {
		return err
	}
	res.Probe, res.Floor = runs["check"], runs["floor"]
	return nil
}

func (o *options) write(res *bench.Results) error {
	md := res.Markdown()
	fmt.Print(md)
	if o.out == "" {
		return nil
	}
	if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	step("wrote %s", o.out)
	return nil
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: %s: "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func parseCounts(s string) ([]int, error) {
	var counts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-scale-targets %q: %q is not a positive count; use e.g. 10,100,1000", s, f)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

func sizes(paths ...string) (int64, int64, error) {
	var out [2]int64
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return 0, 0, fmt.Errorf("binary %s: %w; run make build and scripts/bench-setup.sh", p, err)
		}
		out[i] = fi.Size()
	}
	return out[0], out[1], nil
}

func machine() bench.Machine {
	m := bench.Machine{CPUs: runtime.NumCPU(), CPUModel: "unknown", GoVersion: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}
