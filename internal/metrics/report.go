package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// collectTarget sends every gauge of one target's latest report.
func collectTarget(ch chan<- prometheus.Metric, target string, snap snapshot) {
	report := snap.report
	ch <- gauge(descSuccess, boolValue(report.Success), target)
	ch <- gauge(descDuration, report.Duration.Seconds(), target)
	ch <- gauge(descLastRun, unixSeconds(snap.finished), target)

	for _, res := range report.Checks {
		collectCheck(ch, target, res, res.Disabled)
	}
	collectTLS(ch, target, report)
	collectALPN(ch, target, report)
	collectApplication(ch, target, report)
	for _, step := range detailsOf(report, probe.CheckCanary).CanarySteps {
		ch <- gauge(descCanaryStep, step.DurationSeconds, target, step.Step)
	}
}

// collectCheck sends the status, success, phase and failure series of one
// check result. A disabled check was skipped by config or because it does
// not apply (TLS off, no /healthz URL, an IP address to resolve). It has
// no check_success series. A check skipped after an earlier failure has
// check_success 0.
func collectCheck(ch chan<- prometheus.Metric, target string, res probe.Result, disabled bool) {
	check := string(res.Name)
	passed := res.Status == probe.StatusPass || res.Status == probe.StatusWarn
	if !disabled {
		ch <- gauge(descCheckSuccess, boolValue(passed), target, check)
	}
	for _, status := range statuses {
		ch <- gauge(descCheckStatus, boolValue(res.Status == status), target, check, string(status))
	}
	if res.Status != probe.StatusSkip {
		ch <- gauge(descPhaseDuration, res.Duration.Seconds(), target, check)
	}
	if res.Status == probe.StatusFail || res.Status == probe.StatusWarn {
		ch <- gauge(descFailureInfo, 1, target, check, string(reasonOf(res)))
	}
}

// collectTLS sends the certificate and TLS series. Each one is absent when
// the probe did not observe its value, so a probe that received no
// certificate exports no expiry: a zero expiry would fire every expiry
// alert. A certificate that was received but failed verification keeps its
// expiry, so expiry alerts keep working.
func collectTLS(ch chan<- prometheus.Metric, target string, report probe.Report) {
	details := detailsOf(report, probe.CheckTLS)
	if expiry := earliestExpiry(details); expiry != nil {
		ch <- gauge(descCertExpiry, unixSeconds(*expiry), target)
	}
	if details.TLSVersion != "" {
		ch <- gauge(descTLSVersion, 1, target, details.TLSVersion)
	}
	if details.Verified != nil {
		ch <- gauge(descTLSVerified, boolValue(*details.Verified), target)
	}
}

// collectALPN sends the ALPN series when the alpn check ran. An empty
// negotiated protocol is exported as protocol "none". Reason alpn_http1
// with no negotiated protocol means the server selected nothing when
// offered only h2 but selected http/1.1 in the check's second handshake,
// which offers both, so it is exported as http/1.1.
func collectALPN(ch chan<- prometheus.Metric, target string, report probe.Report) {
	res, ok := report.Check(probe.CheckALPN)
	if !ok || res.Status == probe.StatusSkip {
		return
	}
	protocol := res.Details.NegotiatedProtocol
	if protocol == "" {
		protocol = detailsOf(report, probe.CheckTLS).NegotiatedProtocol
	}
	if protocol == "" && res.Reason == probe.ReasonALPNHTTP1 {
		protocol = "http/1.1"
	}
	switch protocol {
	case "h2":
		ch <- gauge(descHTTPVersion, 2, target)
	case "http/1.1":
		ch <- gauge(descHTTPVersion, 1.1, target)
	case "":
		protocol = "none"
	}
	ch <- gauge(descALPN, 1, target, protocol)
}

// collectApplication sends the gRPC health, Milvus and /healthz series,
// each only when that server returned a response.
func collectApplication(ch chan<- prometheus.Metric, target string, report probe.Report) {
	if status := detailsOf(report, probe.CheckGRPCHealth).ServingStatus; status != "" {
		for _, s := range servingStatuses {
			ch <- gauge(descGRPCHealth, boolValue(s == status), target, s)
		}
	}

	milvus, ok := report.Check(probe.CheckMilvus)
	if ok && milvus.Details.MilvusVersion != "" {
		ch <- gauge(descMilvusInfo, 1, target, milvus.Details.MilvusVersion)
	}
	if healthy, answered := milvusHealthy(milvus); answered {
		ch <- gauge(descMilvusHealthy, boolValue(healthy), target)
	}

	healthz, ok := report.Check(probe.CheckHealthz)
	if code := healthz.Details.HealthzStatusCode; ok && code != 0 {
		ch <- gauge(descHealthzCode, float64(code), target)
	}
}

// milvusHealthy derives CheckHealth's isHealthy from the milvus check. The
// check records the Milvus version only after CheckHealth and GetVersion
// both returned, and fails with reason milvus_unhealthy exactly when
// isHealthy was false.
func milvusHealthy(res probe.Result) (healthy, answered bool) {
	if res.Details.MilvusVersion == "" {
		return false, false
	}
	return res.Reason != probe.ReasonMilvusUnhealthy, true
}

// detailsOf returns the details of the named check, or zero details when the
// report has no such check.
func detailsOf(report probe.Report, name probe.CheckName) probe.Details {
	res, _ := report.Check(name)
	return res.Details
}

// earliestExpiry returns the earliest NotAfter of the presented chain,
// falling back to the leaf's NotAfter, or nil when no certificate arrived.
func earliestExpiry(d probe.Details) *time.Time {
	if d.EarliestExpiry != nil {
		return d.EarliestExpiry
	}
	return d.NotAfter
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
