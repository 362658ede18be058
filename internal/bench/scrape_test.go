package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/server"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// BenchmarkScrape serves the daemon's /metrics for 1,000 targets, each
// holding a real passing report, as Prometheus asks for it (gzip). It is
// where the profile of a scrape comes from, since the daemon does not
// expose net/http/pprof.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) {
			handler := scrapeHandler(b, n, passingReport(b))
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET /metrics: %d", rec.Code)
				}
				b.ReportMetric(float64(rec.Body.Len()), "gzip-bytes")
			}
		})
	}
}

// passingReport runs one real cycle against the rig.
func passingReport(b *testing.B) probe.Report {
	b.Helper()
	f := rigFor(b)
	target := loadTarget(b, f)
	report := probe.Run(b.Context(), target)
	require.True(b, report.Success, "%+v", report)
	return report
}

func scrapeHandler(b *testing.B, n int, report probe.Report) http.Handler {
	b.Helper()
	reg := prometheus.NewRegistry()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{Version: "bench"})
	require.NoError(b, err)
	rec.SetTargets(n)
	for i := range n {
		rec.Observe(fmt.Sprintf("target-%04d", i), report)
	}
	return server.NewHandler(server.HandlerOptions{Gatherer: reg, Ready: func() bool { return true }})
}
