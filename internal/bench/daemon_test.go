package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/scheduler"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// BenchmarkDaemonTargets runs the daemon's scheduler and recorder
// in-process with 1,000 targets on a 10s interval for one interval per
// iteration, as the run command wires them, so that go test -cpuprofile
// and -memprofile show where the daemon's time and memory go without
// scrapes. Run it with -benchtime 1x.
func BenchmarkDaemonTargets(b *testing.B) {
	f := rigFor(b)
	target := loadTarget(b, f)
	const n, interval = 1000, 10 * time.Second

	rec, err := metrics.NewRecorder(prometheus.NewRegistry(), metrics.BuildInfo{Version: "bench"})
	require.NoError(b, err)
	sched := scheduler.New(b.Context(), scheduler.Options{Prober: probe.Run, Observer: rec, JitterFraction: 1})
	targets := make([]scheduler.Target, n)
	for i := range targets {
		t := target
		t.Name = fmt.Sprintf("target-%04d", i)
		targets[i] = scheduler.Target{Name: t.Name, Interval: interval, Timeout: t.Timeouts.Total, Probe: t}
	}
	require.NoError(b, sched.Apply(targets))
	b.Cleanup(func() {
		// b.Context is cancelled before cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(b, sched.Stop(ctx))
	})
	start := cpuTime(b)
	for b.Loop() {
		time.Sleep(interval)
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(time.Duration(b.N)*interval), "cores")
	// The heap while every target runs, before Stop frees it.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(ms.StackInuse)/(1<<20), "stack-MiB")
	b.ReportMetric(float64(ms.NumGC)/(float64(b.N)*interval.Seconds()), "gc/s")
	if path := os.Getenv(envHeapProfile); path != "" {
		writeHeapProfile(b, path)
	}
}

// envHeapProfile names a file for the heap profile taken while every
// target runs; go test -memprofile is taken after Stop freed it.
const envHeapProfile = "BENCH_HEAP_PROFILE"

func writeHeapProfile(b *testing.B, path string) {
	b.Helper()
	runtime.GC()
	out, err := os.Create(path)
	require.NoError(b, err)
	defer out.Close()
	require.NoError(b, pprof.Lookup("heap").WriteTo(out, 0))
}
