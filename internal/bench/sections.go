package bench

import (
	"fmt"
	"strings"
	"time"
)

func (r *Results) writeOneShot(b *strings.Builder) {
	fmt.Fprintf(b, "## 1. One-shot check beside grpc-health-probe\n\n"+
		"Each command ran %d times, alternating with the other, after one warm-up run each; "+
		"wall time is from process start to exit. `milvus-l7-probe check` runs every check "+
		"(resolve, connect, tls with the pinned certificate, alpn, grpc_health, milvus "+
		"CheckHealth and GetVersion, healthz); %s runs its one health check "+
		"(`-tls -tls-ca-cert -tls-server-name`).\n\n", r.Runs, r.FloorName)
	b.WriteString("| Command | Wall time | CPU time | Peak RSS |\n|---|---|---|---|\n")
	for _, c := range []struct {
		name string
		runs []Run
	}{{"milvus-l7-probe check", r.Probe}, {r.FloorName, r.Floor}} {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", c.name, spreadCell(wallSpread(c.runs), "ms"),
			spreadCell(cpuSpread(c.runs), "ms"), spreadCell(rssSpread(c.runs), "MiB"))
	}
	if ratio, ok := r.oneShotRatio(); ok {
		fmt.Fprintf(b, "\nRatio of the medians, check / %s: wall %.2f (target <= %.1f), "+
			"CPU %.2f, peak RSS %.2f.\n\n", r.FloorName, ratio, TargetOneShotRatio,
			cpuSpread(r.Probe).Median/cpuSpread(r.Floor).Median,
			rssSpread(r.Probe).Median/rssSpread(r.Floor).Median)
	}
}

func (r *Results) writeCycle(b *strings.Builder) {
	b.WriteString("## 2. Probe cycle beside the floor\n\n" +
		"Go benchmarks in internal/bench, against the same nginx; the servers run in the " +
		"bench command's process, so `cpu-ns/op` (user plus system time from getrusage, " +
		"divided by the cycles) is the client's alone. `ProbeCycle` is `probe.Run` with " +
		"every check, as one daemon cycle of one target; `Floor` is the least a TLS gRPC " +
		"health check does: a grpc-go client, TCP, the TLS handshake, one " +
		"grpc.health.v1 Check, close. `FloorSameWork` does with plain grpc-go and net/http " +
		"the network work of the probe's cycle (health Check, CheckHealth and GetVersion " +
		"on one connection, a GET of /healthz), so ProbeCycle / FloorSameWork is the " +
		"probe's own overhead.\n\n")
	b.WriteString("| Benchmark | ns/op | cpu-ns/op | B/op | allocs/op |\n|---|---|---|---|---|\n")
	for _, gb := range r.GoBench {
		m := gb.Metrics
		fmt.Fprintf(b, "| %s | %.0f | %.0f | %.0f | %.0f |\n", gb.Name, m["ns/op"],
			m["cpu-ns/op"], m["B/op"], m["allocs/op"])
	}
	if ratio, ok := r.cpuRatio(); ok {
		p, _ := r.bench("ProbeCycle")
		f, _ := r.bench("Floor")
		fmt.Fprintf(b, "\nProbeCycle / Floor: CPU %.2f (target <= %.1f), wall %.2f, bytes %.2f, "+
			"allocations %.2f.\n", ratio, TargetCPURatio, p.Metrics["ns/op"]/f.Metrics["ns/op"],
			p.Metrics["B/op"]/f.Metrics["B/op"], p.Metrics["allocs/op"]/f.Metrics["allocs/op"])
	}
	if p, ok := r.bench("ProbeCycle"); ok {
		if w, ok := r.bench("FloorSameWork"); ok {
			fmt.Fprintf(b, "\nProbeCycle / FloorSameWork: CPU %.2f, wall %.2f, bytes %.2f, "+
				"allocations %.2f.\n", p.Metrics["cpu-ns/op"]/w.Metrics["cpu-ns/op"],
				p.Metrics["ns/op"]/w.Metrics["ns/op"], p.Metrics["B/op"]/w.Metrics["B/op"],
				p.Metrics["allocs/op"]/w.Metrics["allocs/op"])
		}
	}
	fmt.Fprintf(b, "\nbenchstat:\n\n```\n%s```\n\n", r.Benchstat)
}

func (r *Results) writeScale(b *strings.Builder) {
	fmt.Fprintf(b, "## 3. The daemon with many targets\n\n"+
		"`milvus-l7-probe run --interval %s --log.level error` with N targets, every one "+
		"a distinct entry (its own name) pointing at the same nginx, so each runs the "+
		"full check chain on its own connection every interval. The window starts at "+
		"/readyz 200. Its first quarter has no scrapes (CPU of probing alone); then "+
		"/metrics is scraped every second with gzip, as Prometheus asks, and CPU is "+
		"measured again. CPU is utime+stime from /proc/PID/stat, peak RSS is VmHWM at "+
		"the end of each part, /metrics is the last scrape's size (gzip size in parentheses).\n\n", r.Interval)
	b.WriteString("| Targets | Window | CPU, probing alone | CPU, scraped every 1s | " +
		"Peak RSS, probing alone | Peak RSS, scraped | /metrics | Scrape p50 | Scrape p99 | " +
		"Passing | Ready after |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scale {
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %d B (%d B) | %.2f ms | %.2f ms | %d/%d | %s |\n",
			s.Targets, (s.QuietWindow + s.Window).Round(time.Second), percent(s.QuietCPU),
			percent(s.CPU), mib(s.QuietPeakRSS), mib(s.PeakRSS), s.MetricsBytes, s.MetricsWireBytes,
			SpreadPercentile(s.Scrapes, 50), SpreadPercentile(s.Scrapes, 99),
			s.Passing, s.Targets, s.Ready.Round(time.Millisecond))
	}
	r.writeGrowth(b)
}

// writeGrowth says how each figure grows per 10x targets, as the exponent
// of a power law between the smallest and largest run.
func (r *Results) writeGrowth(b *strings.Builder) {
	if len(r.Scale) < 2 {
		return
	}
	lo, hi := r.Scale[0], r.Scale[len(r.Scale)-1]
	n1, n2 := float64(lo.Targets), float64(hi.Targets)
	b.WriteString("\nGrowth from the smallest to the largest run, as the exponent k of " +
		"cost ~ targets^k (1 is linear, 0 flat) and the factor per 10x targets:\n\n" +
		"| Figure | k | per 10x |\n|---|---|---|\n")
	for _, g := range []struct {
		name   string
		y1, y2 float64
	}{
		{"CPU, probing alone", lo.QuietCPU, hi.QuietCPU},
		{"CPU, scraped every 1s", lo.CPU, hi.CPU},
		{"peak RSS, probing alone", float64(lo.QuietPeakRSS), float64(hi.QuietPeakRSS)},
		{"peak RSS, scraped", float64(lo.PeakRSS), float64(hi.PeakRSS)},
		{"/metrics bytes", float64(lo.MetricsBytes), float64(hi.MetricsBytes)},
		{"scrape p50", SpreadPercentile(lo.Scrapes, 50), SpreadPercentile(hi.Scrapes, 50)},
		{"scrape p99", SpreadPercentile(lo.Scrapes, 99), SpreadPercentile(hi.Scrapes, 99)},
	} {
		k := Exponent(n1, g.y1, n2, g.y2)
		fmt.Fprintf(b, "| %s | %.2f | x%.1f |\n", g.name, k, pow10(k))
	}
	b.WriteString("\n")
}

func (r *Results) writeStartup(b *strings.Builder) {
	b.WriteString("## 4. Start-up and binary size\n\n| Figure | Measured |\n|---|---|\n")
	if len(r.Probe) > 0 {
		fmt.Fprintf(b, "| check: process start to exit, all checks | %s |\n",
			spreadCell(wallSpread(r.Probe), "ms"))
	}
	if len(r.Startup) > 0 {
		fmt.Fprintf(b, "| run, 1 target: process start to /readyz 200 (%d starts) | %s |\n",
			len(r.Startup), spreadCell(SpreadOf(Millis(r.Startup)), "ms"))
	}
	fmt.Fprintf(b, "| milvus-l7-probe binary (make build: stripped, -trimpath, CGO off) | %s |\n",
		mib(r.ProbeSize))
	fmt.Fprintf(b, "| %s binary (go install, not stripped) | %s |\n\n", r.FloorName, mib(r.FloorSize))
}
