// Package metrics turns probe reports into Prometheus series. It reuses the
// blackbox_exporter names where the meaning is the same, so existing
// dashboards and alert rules keep working, and puts the rest under
// milvus_l7_probe_.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

const namespace = "milvus_l7_probe"

// BuildInfo identifies the running binary in milvus_l7_probe_build_info.
type BuildInfo struct {
	Version   string
	Revision  string
	GoVersion string
}

// Recorder keeps the latest report of every target and exports it as
// Prometheus series. Gauges are computed from the stored reports at scrape
// time, so a scrape never mixes two reports of one target.
// Counters and histograms accumulate across cycles.
type Recorder struct {
	now func() time.Time

	mu      sync.Mutex
	latest  map[string]snapshot // guarded by mu, keyed by target name
	targets int                 // guarded by mu

	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
	buildInfo  prometheus.Gauge

	failures      *prometheus.CounterVec
	checkDuration *prometheus.HistogramVec
}

// snapshot is one target's latest report and when it was observed.
type snapshot struct {
	report   probe.Report
	finished time.Time
}

// NewRecorder creates a Recorder and registers it with reg. The build info
// series is set once here; the config reload gauges start at 0 until the
// first SetReload.
func NewRecorder(reg prometheus.Registerer, build BuildInfo) (*Recorder, error) {
	r := &Recorder{
		now:    time.Now,
		latest: make(map[string]snapshot),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "config_last_reload_successful",
			Help:      "Whether the last config load or reload succeeded (1) or failed (0).",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "config_last_reload_success_timestamp_seconds",
			Help:      "Unix time in seconds of the last successful config load or reload.",
		}),
		buildInfo: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "build_info",
			Help:      "Always 1; the labels name the version, revision and Go version of the binary.",
			ConstLabels: prometheus.Labels{
				"version":   build.Version,
				"revision":  build.Revision,
				"goversion": build.GoVersion,
			},
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "failures_total",
			Help:      "Failed or warning check runs, by check and reason.",
		}, []string{"target", "check", "reason"}),
		checkDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "check_duration_seconds",
			Help:      "Duration in seconds of each check run; skipped checks are not observed.",
			// Six buckets, a factor of four to five apart, from a loopback
			// handshake to a slow canary: each bucket is a series per
			// target and check, and at 1,000 targets the scrape cost
			// grows with every one (docs/benchmarks.md).
			Buckets: []float64{.005, .025, .1, .5, 2.5, 10},
		}, []string{"target", "check"}),
	}
	r.buildInfo.Set(1)
	if err := reg.Register(r); err != nil {
		return nil, err
	}
	return r, nil
}

// Observe stores r as the latest report of target and updates the counters
// and histograms with it.
func (r *Recorder) Observe(target string, report probe.Report) {
	finished := r.now()
	for _, res := range report.Checks {
		if res.Status != probe.StatusSkip {
			r.checkDuration.WithLabelValues(target, string(res.Name)).
				Observe(res.Duration.Seconds())
		}
		if res.Status == probe.StatusFail || res.Status == probe.StatusWarn {
			r.failures.WithLabelValues(target, string(res.Name), string(reasonOf(res))).Inc()
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.latest[target] = snapshot{report: report, finished: finished}
}

// Forget deletes every series of target, for a target removed or changed
// by a reload.
func (r *Recorder) Forget(target string) {
	r.failures.DeletePartialMatch(prometheus.Labels{"target": target})
	r.checkDuration.DeletePartialMatch(prometheus.Labels{"target": target})

	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.latest, target)
}

// SetTargets sets the number of configured targets.
func (r *Recorder) SetTargets(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.targets = n
}

// SetReload records the outcome of a config load or reload at time at.
// A failed reload leaves the last success timestamp as it was.
func (r *Recorder) SetReload(ok bool, at time.Time) {
	if !ok {
		r.reloadOK.Set(0)
		return
	}
	r.reloadOK.Set(1)
	r.reloadTime.Set(float64(at.UnixNano()) / 1e9)
}

// reasonOf returns the reason of a failed or warning result, or
// ReasonUnknown when the check left it empty, so the label is never blank.
func reasonOf(res probe.Result) probe.Reason {
	if res.Reason == "" {
		return probe.ReasonUnknown
	}
	return res.Reason
}
