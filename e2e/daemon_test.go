package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/promtest"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/scheduler"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/server"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// daemonInterval is the probe interval of the daemon test; Prometheus
// scrapes every second.
const daemonInterval = 2 * time.Second

// switchableForwarder forwards TCP connections on 127.0.0.1 to a backend
// until Cut closes its listener and every forwarded connection, as a
// backend pod that goes away behind the load balancer.
type switchableForwarder struct {
	Addr string

	ln      net.Listener
	backend string
	wg      sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn // guarded by mu
}

func startForwarder(t *testing.T, backend string) *switchableForwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &switchableForwarder{Addr: ln.Addr().String(), ln: ln, backend: backend}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.Cut)
	return f
}

func (f *switchableForwarder) accept() {
	defer f.wg.Done()
	for {
		client, err := f.ln.Accept()
		if err != nil {
			return
		}
		upstream, err := net.Dial("tcp", f.backend)
		if err != nil {
			client.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, client, upstream)
		f.mu.Unlock()
		f.wg.Add(2)
		go f.pipe(client, upstream)
		go f.pipe(upstream, client)
	}
}

func (f *switchableForwarder) pipe(dst, src net.Conn) {
	defer f.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Cut stops forwarding: new connections are refused and open ones closed.
func (f *switchableForwarder) Cut() {
	f.ln.Close()
	f.mu.Lock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
}

// startDaemon runs the daemon in-process with the real prober against
// target until the test ends, and returns its HOST:PORT.
func startDaemon(t *testing.T, target probe.Target) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{Version: "e2e"})
	require.NoError(t, err)
	load := func() ([]scheduler.Target, error) {
		return []scheduler.Target{{
			Name: target.Name, Interval: daemonInterval, Timeout: target.Timeouts.Total, Probe: target,
		}}, nil
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Options{
			Listener: ln, Gatherer: reg, Recorder: rec, Prober: probe.Run, Load: load,
		})
	}()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	return ln.Addr().String()
}

// waitValue polls query until its one sample equals want, and returns how
// long that took.
func waitValue(t *testing.T, prom *promtest.Prometheus, query string, want float64, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last model.Vector
	err := promtest.Eventually(timeout, func() (bool, error) {
		vector, err := prom.Query(context.Background(), query)
		if err != nil {
			return false, err
		}
		last = vector
		return len(vector) == 1 && float64(vector[0].Value) == want, nil
	})
	require.NoError(t, err, "query %s: last result %v", query, last)
	return time.Since(start)
}

// TestDaemonScrapedByPrometheus runs the daemon against the real rig
// (Milvus 2.3.5 behind nginx, the certificate pinned), lets a real
// Prometheus scrape it, then takes the backend away behind nginx: the
// load balancer still completes TLS and h2, so the failure must read as
// lb_error on grpc_health while the agent's own /healthz stays 200.
func TestDaemonScrapedByPrometheus(t *testing.T) {
	backend := plainMilvus.Get(t)
	forwarder := startForwarder(t, backend.Addr)
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{
		CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: forwarder.Addr,
	})
	target := pinnedTarget(nginx.Addr, front.Pair.Cert)
	target.Name = "my-release"
	target.HealthzURL = backend.HealthzURL
	target.Timeouts.Total = daemonInterval / 2
	daemonAddr := startDaemon(t, target)
	prom := promtest.Start(t, promtest.Options{Job: "milvus-l7-probe", Targets: []string{daemonAddr}})

	took := waitValue(t, prom, `probe_success{job="milvus-l7-probe",target="my-release"}`, 1, time.Minute)
	t.Logf("probe_success 1 in Prometheus after %s", took)
	healthy := []struct {
		query string
		want  float64
	}{
		{`milvus_l7_probe_milvus_info{target="my-release",version="` + milvusVersion + `"}`, 1},
		{`milvus_l7_probe_milvus_healthy{target="my-release"}`, 1},
		{`probe_http_version{target="my-release"}`, 2},
		{`milvus_l7_probe_tls_verified{target="my-release"}`, 1},
		{`milvus_l7_probe_healthz_status_code{target="my-release"}`, 200},
		{`probe_ssl_earliest_cert_expiry{target="my-release"} > bool time()`, 1},
	}
	for _, tt := range healthy {
		waitValue(t, prom, tt.query, tt.want, 10*time.Second)
	}

	forwarder.Cut()
	// Two intervals, plus one scrape interval for Prometheus to see it.
	bound := 2*daemonInterval + time.Second
	took = waitValue(t, prom, `probe_success{target="my-release"}`, 0, bound)
	t.Logf("probe_success 0 in Prometheus %s after the backend went away", took)
	waitValue(t, prom, `milvus_l7_probe_failure_info{target="my-release",check="grpc_health",reason="lb_error"}`,
		1, bound)
	waitValue(t, prom, `milvus_l7_probe_check_success{target="my-release",check="tls"}`, 1, bound)

	resp, err := http.Get("http://" + daemonAddr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the agent's health never follows Milvus")
}
