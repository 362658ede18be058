package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The bench command runs the rig in its own process and passes it here, so
// that the CPU time these benchmarks report is the client's alone. Without
// them each benchmark starts the rig in-process, and its CPU time then
// includes the gRPC and /healthz servers (nginx is a separate process
// either way).
const (
	envAddr       = "BENCH_ADDR"
	envCert       = "BENCH_CERT"
	envHealthzURL = "BENCH_HEALTHZ_URL"
)

// GoBench is one benchmark's figures, the median over its -count runs.
type GoBench struct {
	Name string
	// Metrics maps a unit (ns/op, cpu-ns/op, B/op, allocs/op) to its
	// median.
	Metrics map[string]float64
}

// RunGoBenchmarks runs this package's benchmarks against the fixture
// with go test, writes the raw output to outPath for benchstat, and
// returns the parsed figures.
func RunGoBenchmarks(ctx context.Context, goBin string, f *Fixture, count int, benchtime, outPath string) ([]GoBench, error) {
	cmd := exec.CommandContext(ctx, goBin, "test", "-run", "^$", "-bench", "^Benchmark(ProbeCycle|Floor|FloorSameWork)$", "-benchmem",
		"-count", strconv.Itoa(count), "-benchtime", benchtime, "./internal/bench")
	cmd.Env = append(os.Environ(),
		envAddr+"="+f.Addr, envCert+"="+f.CertFile, envHealthzURL+"="+f.HealthzURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	if err := os.WriteFile(outPath, out, 0o644); err != nil {
		return nil, fmt.Errorf("write benchmark output: %w", err)
	}
	return ParseGoBench(string(out)), nil
}

// ParseGoBench reads go test -bench output and returns each benchmark's
// median figures, in order of first appearance.
func ParseGoBench(out string) []GoBench {
	samples := map[string]map[string][]float64{}
	var order []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				samples[name][fields[i+1]] = append(samples[name][fields[i+1]], v)
			}
		}
	}
	benches := make([]GoBench, 0, len(order))
	for _, name := range order {
		b := GoBench{Name: name, Metrics: map[string]float64{}}
		for unit, vs := range samples[name] {
			b.Metrics[unit] = SpreadOf(vs).Median
		}
		benches = append(benches, b)
	}
	return benches
}

// Benchstat runs benchstat at version on the go test output in path and
// returns its table.
func Benchstat(ctx context.Context, goBin, version, path string) (string, error) {
	// benchstat names its column after the file, so it runs in the file's
	// folder and gets the bare name.
	cmd := exec.CommandContext(ctx, goBin, "run", "golang.org/x/perf/cmd/benchstat@"+version, filepath.Base(path))
	cmd.Dir = filepath.Dir(path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("benchstat: %w\n%s", err, out)
	}
	return string(out), nil
}
