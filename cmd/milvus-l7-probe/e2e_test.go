package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// prometheusBinary is the Debian package's server (2.42), which
// .ci/install-prometheus.sh installs.
const prometheusBinary = "/usr/bin/prometheus"

// e2eInterval is the probe interval; Prometheus scrapes every second.
const e2eInterval = 2 * time.Second

// startPrometheus runs a Prometheus server on 127.0.0.1 that scrapes the
// daemon at daemonAddr every second, and returns its base URL.
func startPrometheus(t *testing.T, daemonAddr string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: milvus-l7-probe
    static_configs:
      - targets: [%q]
`, daemonAddr)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))

	logs := &syncBuffer{}
	cmd := exec.Command(prometheusBinary,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
	)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start(), "start %s; install it with .ci/install-prometheus.sh", prometheusBinary)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus logs:\n%s", logs)
		}
	})
	return "http://" + addr
}

// queryValue runs an instant query and returns the value of its one
// sample, or ok false while there is none.
func queryValue(ctx context.Context, promURL, query string) (value string, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		promURL+"/api/v1/query?query="+url.QueryEscape(query), nil)
	if err != nil {
		return "", false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false, nil // Prometheus is still starting
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		return "", false, nil // the TSDB is still starting
	}
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", false, fmt.Errorf("decode query response: %w", err)
	}
	if body.Status != "success" || len(body.Data.Result) != 1 {
		return "", false, nil
	}
	value, _ = body.Data.Result[0].Value[1].(string)
	return value, true, nil
}

// waitQuery polls query until it returns want or timeout passes, and
// returns how long it took.
func waitQuery(t *testing.T, promURL, query, want string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	last := "no sample"
	for {
		value, ok, err := queryValue(ctx, promURL, query)
		require.NoError(t, err)
		if ok {
			last = value
			if value == want {
				return time.Since(start)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("query %s: got %s after %s, want %s", query, last, timeout, want)
		case <-ticker.C:
		}
	}
}

// TestEndToEndPrometheus runs the daemon against an in-process gRPC TLS
// server (grpc-go health service and a fake MilvusService), lets a real
// Prometheus scrape it, and follows the target from healthy to not
// serving through Prometheus's query API.
func TestEndToEndPrometheus(t *testing.T) {
	target := startGRPCTarget(t)
	dir := writeConfig(t, fmt.Sprintf(`interval: %s
timeout: 1s
targets:
  - name: e2e
    address: %s
    server_name: %s
    tls:
      server_pem: %s
`, e2eInterval, target.address, serverName, target.certPEM))
	daemonURL := startRun(t, "--config", dir)
	promURL := startPrometheus(t, daemonURL[len("http://"):])

	took := waitQuery(t, promURL, `probe_success{job="milvus-l7-probe",target="e2e"}`, "1", 60*time.Second)
	t.Logf("probe_success 1 in Prometheus after %s", took)

	target.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	// Two intervals, plus one scrape interval for Prometheus to see it.
	bound := 2*e2eInterval + time.Second
	took = waitQuery(t, promURL, `probe_success{target="e2e"}`, "0", bound)
	t.Logf("probe_success 0 in Prometheus %s after the target stopped serving", took)
	waitQuery(t, promURL,
		`milvus_l7_probe_failure_info{target="e2e",check="grpc_health",reason="not_serving"}`, "1", bound)
	waitQuery(t, promURL, `probe_grpc_healthcheck_response{target="e2e",serving_status="NOT_SERVING"}`, "1", bound)

	code, _ := httpGet(t, daemonURL+"/healthz")
	assert.Equal(t, http.StatusOK, code, "the agent's health never follows its target")
}
