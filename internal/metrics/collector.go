package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// servingStatuses are the grpc.health.v1 statuses, each pre-created at 0 in
// probe_grpc_healthcheck_response.
var servingStatuses = []string{"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"}

// statuses are the check statuses, each pre-created at 0 in
// milvus_l7_probe_check_status.
var statuses = []probe.Status{probe.StatusPass, probe.StatusFail, probe.StatusWarn, probe.StatusSkip}

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append([]string{"target"}, labels...), nil)
}

func ourName(name string) string {
	return prometheus.BuildFQName(namespace, "", name)
}

// The per-target gauges, computed from the latest report at scrape time.
var (
	descSuccess = newDesc("probe_success",
		"Whether every enabled check passed (1) or not (0); a warning counts as a pass.")
	descDuration = newDesc("probe_duration_seconds",
		"Wall time in seconds of the last probe cycle.")
	descCertExpiry = newDesc("probe_ssl_earliest_cert_expiry",
		"Unix time in seconds of the earliest NotAfter in the presented chain; absent when no certificate was received.")
	descTLSVersion = newDesc("probe_tls_version_info",
		"Always 1; the version label names the negotiated TLS version.", "version")
	descHTTPVersion = newDesc("probe_http_version",
		"HTTP version selected by ALPN: 2 for h2, 1.1 for http/1.1.")
	descGRPCHealth = newDesc("probe_grpc_healthcheck_response",
		"1 for the serving status received from grpc.health.v1.Health/Check, 0 for the others.", "serving_status")
	descCheckSuccess = newDesc(ourName("check_success"),
		"Whether the check passed or warned (1), or failed or was skipped after an earlier failure (0).", "check")
	descCheckStatus = newDesc(ourName("check_status"),
		"1 for the current status of the check (pass, fail, warn, skip), 0 for the others.", "check", "status")
	descPhaseDuration = newDesc(ourName("phase_duration_seconds"),
		"Duration in seconds of each phase (check) of the last cycle.", "phase")
	descALPN = newDesc(ourName("alpn_info"),
		"Always 1; the protocol label names the protocol selected by ALPN, or none.", "protocol")
	descFailureInfo = newDesc(ourName("failure_info"),
		"Always 1; the labels name a failing or warning check and its current reason.", "check", "reason")
	descTLSVerified = newDesc(ourName("tls_verified"),
		"Whether the certificate chain was verified (1), or verification failed or was skipped by config (0).")
	descMilvusInfo = newDesc(ourName("milvus_info"),
		"Always 1; the version label names the version returned by Milvus GetVersion.", "version")
	descMilvusHealthy = newDesc(ourName("milvus_healthy"),
		"The isHealthy field of Milvus CheckHealth as 1 or 0.")
	descHealthzCode = newDesc(ourName("healthz_status_code"),
		"HTTP status code returned by the Milvus /healthz endpoint.")
	descLastRun = newDesc(ourName("last_run_timestamp_seconds"),
		"Unix time in seconds when the last probe cycle finished.")
	descCanaryStep = newDesc(ourName("canary_step_duration_seconds"),
		"Duration in seconds of each step (create, insert, search, drop) of the last canary run.", "step")
	descTargets = prometheus.NewDesc(ourName("targets"),
		"Number of configured targets.", nil, nil)
)

var targetDescs = []*prometheus.Desc{
	descSuccess, descDuration, descCertExpiry, descTLSVersion, descHTTPVersion,
	descGRPCHealth, descCheckSuccess, descCheckStatus, descPhaseDuration,
	descALPN, descFailureInfo, descTLSVerified, descMilvusInfo,
	descMilvusHealthy, descHealthzCode, descLastRun, descCanaryStep, descTargets,
}

// Describe implements prometheus.Collector.
func (r *Recorder) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range targetDescs {
		ch <- d
	}
	r.reloadOK.Describe(ch)
	r.reloadTime.Describe(ch)
	r.buildInfo.Describe(ch)
	r.failures.Describe(ch)
	r.checkDuration.Describe(ch)
}

// Collect implements prometheus.Collector.
func (r *Recorder) Collect(ch chan<- prometheus.Metric) {
	r.mu.Lock()
	for target, snap := range r.latest {
		collectTarget(ch, target, snap)
	}
	ch <- gauge(descTargets, float64(r.targets))
	r.mu.Unlock()

	r.reloadOK.Collect(ch)
	r.reloadTime.Collect(ch)
	r.buildInfo.Collect(ch)
	r.failures.Collect(ch)
	r.checkDuration.Collect(ch)
}

func gauge(desc *prometheus.Desc, value float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
