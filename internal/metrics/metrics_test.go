package metrics

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/metrics")

var (
	finished = time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	notAfter = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
)

func ptr[T any](v T) *T { return &v }

func result(name probe.CheckName, status probe.Status, ms int, reason probe.Reason, d probe.Details) probe.Result {
	return probe.Result{
		Name: name, Status: status, Reason: reason, Details: d,
		Duration: time.Duration(ms) * time.Millisecond,
	}
}

// disabledResult returns the skip result of a check that does not apply.
func disabledResult(name probe.CheckName) probe.Result {
	res := result(name, probe.StatusSkip, 0, "", probe.Details{})
	res.Disabled = true
	return res
}

// skipped returns skip results for the checks after a failed one.
func skipped(names ...probe.CheckName) []probe.Result {
	var out []probe.Result
	for _, n := range names {
		out = append(out, result(n, probe.StatusSkip, 0, "", probe.Details{}))
	}
	return out
}

func healthyReport() probe.Report {
	tlsDetails := probe.Details{
		TLSVersion: "TLS 1.3", Verified: ptr(true), NegotiatedProtocol: "h2",
		NotAfter: &notAfter, EarliestExpiry: &notAfter,
	}
	return probe.Report{
		Target: "healthy", Success: true, Duration: 120 * time.Millisecond,
		Checks: []probe.Result{
			disabledResult(probe.CheckResolve),
			result(probe.CheckConnect, probe.StatusPass, 3, "", probe.Details{}),
			result(probe.CheckTLS, probe.StatusWarn, 12, probe.ReasonCertNoSAN, tlsDetails),
			result(probe.CheckALPN, probe.StatusPass, 0, "", probe.Details{NegotiatedProtocol: "h2"}),
			result(probe.CheckGRPCHealth, probe.StatusPass, 20, "", probe.Details{ServingStatus: "SERVING"}),
			result(probe.CheckMilvus, probe.StatusPass, 40, "", probe.Details{MilvusVersion: "v2.6.6"}),
			result(probe.CheckHealthz, probe.StatusPass, 5, "", probe.Details{HealthzStatusCode: 200}),
			result(probe.CheckCanary, probe.StatusPass, 60, "", probe.Details{CanarySteps: []probe.CanaryStep{
				{Step: "create", DurationSeconds: 0.01}, {Step: "insert", DurationSeconds: 0.02},
				{Step: "search", DurationSeconds: 0.015}, {Step: "drop", DurationSeconds: 0.008},
			}}),
		},
	}
}

// The C11 reports: no certificate was received, so no certificate or TLS
// series may exist.
func closedPortReport() probe.Report {
	return probe.Report{
		Target: "closed-port", Duration: 2 * time.Millisecond,
		Checks: append([]probe.Result{
			result(probe.CheckConnect, probe.StatusFail, 1, probe.ReasonConnectRefused, probe.Details{}),
		}, append(skipped(probe.CheckTLS, probe.CheckALPN, probe.CheckGRPCHealth, probe.CheckMilvus),
			// No /healthz URL is configured: disabled, not skipped by the failure.
			disabledResult(probe.CheckHealthz))...),
	}
}

func plaintextReport() probe.Report {
	return probe.Report{
		Target: "plaintext-http", Duration: 4 * time.Millisecond,
		Checks: append([]probe.Result{
			result(probe.CheckConnect, probe.StatusPass, 1, "", probe.Details{}),
			result(probe.CheckTLS, probe.StatusFail, 2, probe.ReasonServerNotTLS, probe.Details{}),
		}, skipped(probe.CheckALPN, probe.CheckGRPCHealth, probe.CheckMilvus)...),
	}
}

func silentReport() probe.Report {
	return probe.Report{
		Target: "silent-server", Duration: 5 * time.Second,
		Checks: append([]probe.Result{
			result(probe.CheckConnect, probe.StatusPass, 1, "", probe.Details{}),
			result(probe.CheckTLS, probe.StatusFail, 4999, probe.ReasonTLSTimeout, probe.Details{}),
		}, skipped(probe.CheckALPN, probe.CheckGRPCHealth, probe.CheckMilvus)...),
	}
}

// untrustedReport received a certificate that failed verification: its
// expiry must stay exported.
func untrustedReport() probe.Report {
	tlsDetails := probe.Details{
		TLSVersion: "TLS 1.3", Verified: ptr(false),
		NotAfter: &notAfter, EarliestExpiry: &notAfter,
	}
	return probe.Report{
		Target: "untrusted-cert", Duration: 15 * time.Millisecond,
		Checks: append([]probe.Result{
			result(probe.CheckConnect, probe.StatusPass, 1, "", probe.Details{}),
			result(probe.CheckTLS, probe.StatusFail, 10, probe.ReasonTLSUntrusted, tlsDetails),
		}, skipped(probe.CheckALPN, probe.CheckGRPCHealth, probe.CheckMilvus)...),
	}
}

func newTestRecorder(t *testing.T) (*Recorder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	rec, err := NewRecorder(reg, BuildInfo{Version: "1.2.3", Revision: "abc1234", GoVersion: "go1.26.8"})
	require.NoError(t, err)
	rec.now = func() time.Time { return finished }
	return rec, reg
}

func observeAll(rec *Recorder, reports ...probe.Report) {
	for _, r := range reports {
		rec.Observe(r.Target, r)
	}
	rec.SetTargets(len(reports))
	rec.SetReload(true, finished)
}

func TestRecorderGolden(t *testing.T) {
	rec, reg := newTestRecorder(t)
	observeAll(rec, healthyReport(), closedPortReport(), plaintextReport(),
		silentReport(), untrustedReport())

	golden := filepath.Join("..", "..", "testdata", "metrics", "reports.prom")
	if *update {
		require.NoError(t, os.WriteFile(golden, exposition(t, reg), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.NoError(t, testutil.GatherAndCompare(reg, bytes.NewReader(want)))
}

func TestRecorderLint(t *testing.T) {
	rec, reg := newTestRecorder(t)
	observeAll(rec, healthyReport(), closedPortReport(), untrustedReport())

	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// tlsSeries are the series that must be absent when no certificate arrived.
var tlsSeries = []string{
	"probe_ssl_earliest_cert_expiry", "probe_tls_version_info",
	"milvus_l7_probe_tls_verified", "probe_http_version", "milvus_l7_probe_alpn_info",
}

func TestRecorderNoCertificate(t *testing.T) {
	for _, report := range []probe.Report{closedPortReport(), plaintextReport(), silentReport()} {
		t.Run(report.Target, func(t *testing.T) {
			rec, reg := newTestRecorder(t)
			rec.Observe(report.Target, report)

			assert.Equal(t, 0.0, gatherValue(t, reg, "probe_success", byTarget(report.Target)))
			failing := failingCheck(report)
			assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_failure_info", prometheus.Labels{
				"target": report.Target, "check": string(failing.Name), "reason": string(failing.Reason),
			}))
			for _, name := range tlsSeries {
				n, err := testutil.GatherAndCount(reg, name)
				require.NoError(t, err)
				assert.Zero(t, n, "series %s must be absent", name)
			}
		})
	}
}

func TestRecorderUntrustedKeepsExpiry(t *testing.T) {
	rec, reg := newTestRecorder(t)
	report := untrustedReport()
	rec.Observe(report.Target, report)

	assert.Equal(t, 0.0, gatherValue(t, reg, "probe_success", byTarget(report.Target)))
	assert.Equal(t, float64(notAfter.Unix()),
		gatherValue(t, reg, "probe_ssl_earliest_cert_expiry", byTarget(report.Target)))
	assert.Equal(t, 0.0, gatherValue(t, reg, "milvus_l7_probe_tls_verified", byTarget(report.Target)))
}

func TestRecorderReplacesReason(t *testing.T) {
	rec, reg := newTestRecorder(t)
	rec.Observe("t", plaintextReport())
	rec.Observe("t", silentReport())

	assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_failure_info", failureLabels("t", "tls", "tls_timeout")))
	n, err := testutil.GatherAndCount(reg, "milvus_l7_probe_failure_info")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the previous reason must be gone")
	assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_failures_total", failureLabels("t", "tls", "server_not_tls")))
	assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_failures_total", failureLabels("t", "tls", "tls_timeout")))
}

func TestRecorderDisabledCheck(t *testing.T) {
	rec, reg := newTestRecorder(t)
	report := closedPortReport()
	rec.Observe(report.Target, report)

	checkLabels := func(check string) prometheus.Labels {
		return prometheus.Labels{"target": report.Target, "check": check}
	}
	assert.Equal(t, 0.0, gatherValue(t, reg, "milvus_l7_probe_check_success", checkLabels("tls")),
		"skipped after the connect failure")
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range families {
		if mf.GetName() != "milvus_l7_probe_check_success" {
			continue
		}
		for _, m := range mf.GetMetric() {
			assert.False(t, labelsEqual(m.GetLabel(), checkLabels("healthz")),
				"a disabled check has no check_success series")
		}
	}
	status := prometheus.Labels{"target": report.Target, "check": "healthz", "status": "skip"}
	assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_check_status", status))
}

func TestRecorderForget(t *testing.T) {
	rec, reg := newTestRecorder(t)
	rec.Observe("gone", untrustedReport())
	rec.Observe("kept", healthyReport())
	rec.Forget("gone")

	families, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.False(t, l.GetName() == "target" && l.GetValue() == "gone",
					"series %s of a forgotten target remains", mf.GetName())
			}
		}
	}
	assert.Equal(t, 1.0, gatherValue(t, reg, "probe_success", byTarget("kept")))
}

func TestRecorderFailedReload(t *testing.T) {
	rec, reg := newTestRecorder(t)
	rec.SetReload(true, finished)
	rec.SetReload(false, finished.Add(time.Minute))

	assert.Equal(t, 0.0, gatherValue(t, reg, "milvus_l7_probe_config_last_reload_successful", nil))
	assert.Equal(t, float64(finished.Unix()),
		gatherValue(t, reg, "milvus_l7_probe_config_last_reload_success_timestamp_seconds", nil))
}

func failingCheck(r probe.Report) probe.Result {
	for _, res := range r.Checks {
		if res.Status == probe.StatusFail {
			return res
		}
	}
	return probe.Result{}
}

func TestRecorderMilvusUnhealthy(t *testing.T) {
	rec, reg := newTestRecorder(t)
	report := healthyReport()
	report.Success = false
	for i, res := range report.Checks {
		if res.Name == probe.CheckMilvus {
			report.Checks[i] = result(probe.CheckMilvus, probe.StatusFail, 30, probe.ReasonMilvusUnhealthy,
				probe.Details{MilvusVersion: "v2.6.6", UnhealthyReasons: []string{"querynode down"}})
		}
	}
	rec.Observe(report.Target, report)

	assert.Equal(t, 0.0, gatherValue(t, reg, "milvus_l7_probe_milvus_healthy", byTarget(report.Target)))
	assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_milvus_info",
		prometheus.Labels{"target": report.Target, "version": "v2.6.6"}))
	n, err := testutil.GatherAndCount(reg, "milvus_l7_probe_milvus_healthy")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestRecorderALPN(t *testing.T) {
	tests := []struct {
		name         string
		negotiated   string
		reason       probe.Reason
		wantProtocol string
		wantVersion  float64 // 0 means no probe_http_version series
	}{
		{"h2", "h2", "", "h2", 2},
		{"http1 selected", "http/1.1", probe.ReasonALPNHTTP1, "http/1.1", 1.1},
		{"http1 only when offered both", "", probe.ReasonALPNHTTP1, "http/1.1", 1.1},
		{"nothing selected", "", probe.ReasonALPNNone, "none", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, reg := newTestRecorder(t)
			status := probe.StatusPass
			if tt.reason != "" {
				status = probe.StatusFail
			}
			rec.Observe("t", probe.Report{Checks: []probe.Result{
				result(probe.CheckTLS, probe.StatusPass, 1, "", probe.Details{TLSVersion: "TLS 1.3"}),
				result(probe.CheckALPN, status, 0, tt.reason, probe.Details{NegotiatedProtocol: tt.negotiated}),
			}})

			assert.Equal(t, 1.0, gatherValue(t, reg, "milvus_l7_probe_alpn_info",
				prometheus.Labels{"target": "t", "protocol": tt.wantProtocol}))
			n, err := testutil.GatherAndCount(reg, "probe_http_version")
			require.NoError(t, err)
			if tt.wantVersion == 0 {
				assert.Zero(t, n)
				return
			}
			assert.Equal(t, tt.wantVersion, gatherValue(t, reg, "probe_http_version", byTarget("t")))
		})
	}
}
