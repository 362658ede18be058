package monitoring

// The list below is written by hand so a rule or panel names a metric on
// purpose; TestContractMatchesDaemon fails when it differs from what
// internal/metrics registers.

// ContractMetrics are the metric names the daemon exports, as the alert rules
// and the dashboard may select them. A histogram is listed by its base name.
var ContractMetrics = []string{
	"probe_success",
	"probe_duration_seconds",
	"probe_ssl_earliest_cert_expiry",
	"probe_tls_version_info",
	"probe_http_version",
	"probe_grpc_healthcheck_response",
	"milvus_l7_probe_check_success",
	"milvus_l7_probe_check_status",
	"milvus_l7_probe_check_duration_seconds",
	"milvus_l7_probe_phase_duration_seconds",
	"milvus_l7_probe_alpn_info",
	"milvus_l7_probe_failures_total",
	"milvus_l7_probe_failure_info",
	"milvus_l7_probe_tls_verified",
	"milvus_l7_probe_milvus_info",
	"milvus_l7_probe_milvus_healthy",
	"milvus_l7_probe_healthz_status_code",
	"milvus_l7_probe_last_run_timestamp_seconds",
	"milvus_l7_probe_canary_step_duration_seconds",
	"milvus_l7_probe_targets",
	"milvus_l7_probe_build_info",
	"milvus_l7_probe_config_last_reload_successful",
	"milvus_l7_probe_config_last_reload_success_timestamp_seconds",
}

// histogramMetrics are the contract metrics of type histogram, whose series
// carry the _bucket, _sum and _count suffixes.
var histogramMetrics = []string{
	"milvus_l7_probe_check_duration_seconds",
}

// scrapeMetrics are the series Prometheus itself adds to every scrape
// target; alerts on the probe's own availability use them.
var scrapeMetrics = []string{"up"}

// KnownSeriesNames returns every series name a rule or a panel may select:
// the contract metrics, the histogram suffixes and Prometheus's own scrape
// series.
func KnownSeriesNames() map[string]bool {
	names := make(map[string]bool)
	for _, name := range ContractMetrics {
		names[name] = true
	}
	for _, name := range histogramMetrics {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			names[name+suffix] = true
		}
	}
	for _, name := range scrapeMetrics {
		names[name] = true
	}
	return names
}
