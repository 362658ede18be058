package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Targets the figures are held to. They are reported, never enforced: a
// benchmark prints, it does not fail on time.
const (
	TargetOneShotRatio = 1.0      // check wall time over grpc-health-probe's
	TargetCPURatio     = 1.5      // probe cycle CPU over the floor's
	TargetDaemonCPU    = 0.10     // of one core, at 1,000 targets
	TargetDaemonRSS    = 64 << 20 // bytes, at 1,000 targets
	TargetScrapeP99    = 100.0    // milliseconds, at 1,000 targets
)

// Results are every figure of one make bench run.
type Results struct {
	Command   string
	Date      time.Time
	Machine   Machine
	Runs      int
	Probe     []Run // milvus-l7-probe check
	Floor     []Run // grpc-health-probe
	FloorName string
	GoBench   []GoBench
	Benchstat string
	Interval  time.Duration
	Scale     []ScaleResult
	Startup   []time.Duration // daemon, process start to /readyz 200
	ProbeSize int64
	FloorSize int64
}

// Machine describes where the figures were taken.
type Machine struct {
	CPUs      int
	CPUModel  string
	GoVersion string
	Kernel    string
}

// Markdown renders the results as docs/benchmarks.md.
func (r *Results) Markdown() string {
	var b strings.Builder
	b.WriteString(header)
	fmt.Fprintf(&b, "Command: `%s`  \nDate: %s  \nMachine: %d CPUs, %s, %s, Linux %s\n\n",
		r.Command, r.Date.UTC().Format("2006-01-02 15:04 MST"), r.Machine.CPUs,
		r.Machine.CPUModel, r.Machine.GoVersion, r.Machine.Kernel)
	r.writeSummary(&b)
	r.writeOneShot(&b)
	r.writeCycle(&b)
	r.writeScale(&b)
	r.writeStartup(&b)
	b.WriteString(analysis)
	return b.String()
}

const header = `# Benchmarks

What milvus-l7-probe costs beside what operators would run instead:
grpc-health-probe in a CronJob for the one-shot check, and the least a TLS
gRPC health check can do for the probe cycle. Everything runs on loopback:
nginx (Debian package, ` + "`listen ... ssl http2`" + `, ` + "`grpc_pass`" + `, one worker)
in front of a Go gRPC server with grpc.health.v1 and a minimal
MilvusService (CheckHealth, GetVersion), plus a plain-HTTP /healthz, all on
127.0.0.1. The certificate is RSA 2048, as the rig makes it. nginx and the
Go servers share the machine with what is measured. Benchmarks report;
they never fail on time. ` + "`make bench`" + ` writes this file; the figures below
are from one run.

`

func (r *Results) writeSummary(b *strings.Builder) {
	b.WriteString("## Targets\n\n| Figure | Measured | Target | Met |\n|---|---|---|---|\n")
	row := func(name, measured, target string, met bool) {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, measured, target, yesNo(met))
	}
	if ratio, ok := r.oneShotRatio(); ok {
		row("check wall time / grpc-health-probe's (medians)", fmt.Sprintf("%.2f", ratio),
			fmt.Sprintf("<= %.1f", TargetOneShotRatio), ratio <= TargetOneShotRatio)
	}
	if ratio, ok := r.cpuRatio(); ok {
		row("probe cycle CPU / floor's (cpu-ns/op)", fmt.Sprintf("%.2f", ratio),
			fmt.Sprintf("<= %.1f", TargetCPURatio), ratio <= TargetCPURatio)
	}
	if s, ok := r.scaleAt(1000); ok {
		row("daemon CPU at 1,000 targets, probing alone", percent(s.QuietCPU), "< 10% of one core",
			s.QuietCPU < TargetDaemonCPU)
		row("daemon CPU at 1,000 targets, scraped every 1s", percent(s.CPU), "< 10% of one core",
			s.CPU < TargetDaemonCPU)
		row("daemon peak RSS at 1,000 targets, probing alone", mib(s.QuietPeakRSS), "< 64 MiB",
			s.QuietPeakRSS < TargetDaemonRSS)
		row("daemon peak RSS at 1,000 targets, scraped every 1s", mib(s.PeakRSS), "< 64 MiB",
			s.PeakRSS < TargetDaemonRSS)
		p99 := SpreadPercentile(s.Scrapes, 99)
		row("scrape p99 at 1,000 targets", fmt.Sprintf("%.1f ms", p99), "< 100 ms", p99 < TargetScrapeP99)
	}
	b.WriteString("\n")
}

func (r *Results) oneShotRatio() (float64, bool) {
	if len(r.Probe) == 0 || len(r.Floor) == 0 {
		return 0, false
	}
	return wallSpread(r.Probe).Median / wallSpread(r.Floor).Median, true
}

func (r *Results) cpuRatio() (float64, bool) {
	probe, okP := r.bench("ProbeCycle")
	floor, okF := r.bench("Floor")
	if !okP || !okF || floor.Metrics["cpu-ns/op"] == 0 {
		return 0, false
	}
	return probe.Metrics["cpu-ns/op"] / floor.Metrics["cpu-ns/op"], true
}

func (r *Results) bench(name string) (GoBench, bool) {
	for _, gb := range r.GoBench {
		if gb.Name == name {
			return gb, true
		}
	}
	return GoBench{}, false
}

func (r *Results) scaleAt(n int) (ScaleResult, bool) {
	for _, s := range r.Scale {
		if s.Targets == n {
			return s, true
		}
	}
	return ScaleResult{}, false
}

// SpreadPercentile returns the p-th percentile of unsorted values.
func SpreadPercentile(values []float64, p float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return Percentile(sorted, p)
}

func wallSpread(runs []Run) Spread {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = r.Wall
	}
	return SpreadOf(Millis(ds))
}

func cpuSpread(runs []Run) Spread {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = r.CPU
	}
	return SpreadOf(Millis(ds))
}

func rssSpread(runs []Run) Spread {
	vs := make([]float64, len(runs))
	for i, r := range runs {
		vs[i] = float64(r.MaxRSS) / (1 << 20)
	}
	return SpreadOf(vs)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func percent(share float64) string { return fmt.Sprintf("%.2f%% of one core", share*100) }

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

func spreadCell(s Spread, unit string) string {
	return fmt.Sprintf("%.2f %s (p10 %.2f, p90 %.2f)", s.Median, unit, s.P10, s.P90)
}
