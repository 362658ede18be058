package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/promtest"
)

// e2eInterval is the probe interval; Prometheus scrapes every second.
const e2eInterval = 2 * time.Second

// waitQuery polls an instant query until its one sample has value want or
// timeout passes, and returns how long it took.
func waitQuery(t *testing.T, prom *promtest.Prometheus, query string, want float64, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	last := "no sample"
	err := promtest.Eventually(timeout, func() (bool, error) {
		vector, err := prom.Query(t.Context(), query)
		if err != nil {
			return false, err
		}
		if len(vector) != 1 {
			last = vector.String()
			return false, nil
		}
		last = vector[0].Value.String()
		return vector[0].Value == model.SampleValue(want), nil
	})
	require.NoError(t, err, "query %s: last result %s, want %v", query, last, want)
	return time.Since(start)
}

// TestEndToEndPrometheus runs the daemon against an in-process gRPC TLS
// server (grpc-go health service and a fake MilvusService), lets a real
// Prometheus scrape it, and follows the target from healthy to not
// serving through Prometheus's query API.
func TestEndToEndPrometheus(t *testing.T) {
	target := startGRPCTarget(t)
	dir := writeConfig(t, `interval: `+e2eInterval.String()+`
timeout: 1s
targets:
  - name: e2e
    address: `+target.address+`
    server_name: `+serverName+`
    tls:
      server_pem: `+target.certPEM+`
`)
	daemonURL := startRun(t, "--config", dir)
	prom := promtest.Start(t, promtest.Options{
		Job:     "milvus-l7-probe",
		Targets: []string{strings.TrimPrefix(daemonURL, "http://")},
	})

	took := waitQuery(t, prom, `probe_success{job="milvus-l7-probe",target="e2e"}`, 1, time.Minute)
	t.Logf("probe_success 1 in Prometheus after %s", took)

	target.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	// Two intervals, plus one scrape interval for Prometheus to see it.
	bound := 2*e2eInterval + time.Second
	took = waitQuery(t, prom, `probe_success{target="e2e"}`, 0, bound)
	t.Logf("probe_success 0 in Prometheus %s after the target stopped serving", took)
	waitQuery(t, prom, `milvus_l7_probe_failure_info{target="e2e",check="grpc_health",reason="not_serving"}`, 1, bound)
	waitQuery(t, prom, `probe_grpc_healthcheck_response{target="e2e",serving_status="NOT_SERVING"}`, 1, bound)

	code, _ := httpGet(t, daemonURL+"/healthz")
	assert.Equal(t, http.StatusOK, code, "the agent's health never follows its target")
}
