package monitoring_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/monitoring"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/promtest"
)

// alertTimeout bounds each wait for scrapes and alerts. With 1s scrape and
// evaluation intervals and `for: 1s`, an alert fires within a few seconds.
const alertTimeout = time.Minute

var checks = []string{"resolve", "connect", "tls", "alpn", "grpc_health", "milvus", "healthz"}

// exposition returns the metrics the daemon exports for target "milvus":
// every check passing, or, with milvusDown, connect refused and every later
// check skipped.
func exposition(milvusDown bool, now time.Time) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	success := 1
	if milvusDown {
		success = 0
	}
	line(`probe_success{target="milvus"} %d`, success)
	line(`probe_duration_seconds{target="milvus"} 0.25`)
	line(`milvus_l7_probe_last_run_timestamp_seconds{target="milvus"} %d`, now.Unix())
	line(`milvus_l7_probe_config_last_reload_successful 1`)
	if !milvusDown {
		expiry := now.Add(90 * 24 * time.Hour).Unix()
		line(`probe_ssl_earliest_cert_expiry{target="milvus"} %d`, expiry)
		line(`milvus_l7_probe_alpn_info{target="milvus",protocol="h2"} 1`)
	} else {
		line(`milvus_l7_probe_failure_info{target="milvus",check="connect",reason="connect_refused"} 1`)
	}
	for i, check := range checks {
		status := checkStatus(milvusDown, i)
		line(`milvus_l7_probe_check_success{target="milvus",check=%q} %d`, check, boolInt(status == "pass"))
		for _, s := range []string{"pass", "fail", "warn", "skip"} {
			line(`milvus_l7_probe_check_status{target="milvus",check=%q,status=%q} %d`,
				check, s, boolInt(s == status))
		}
	}
	return b.String()
}

// checkStatus returns the status of the check at index in checks. When
// Milvus is down, connect (index 1) fails and every later check is skipped.
func checkStatus(milvusDown bool, index int) string {
	switch {
	case !milvusDown || index == 0:
		return "pass"
	case index == 1:
		return "fail"
	default:
		return "skip"
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// startExporter serves exposition on 127.0.0.1 and returns the switch that
// turns Milvus down.
func startExporter(t *testing.T) (address string, milvusDown *atomic.Bool) {
	milvusDown = &atomic.Bool{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, exposition(milvusDown.Load(), time.Now()))
	}))
	t.Cleanup(server.Close)
	return strings.TrimPrefix(server.URL, "http://"), milvusDown
}

func TestAlertsFireInPrometheus(t *testing.T) {
	address, milvusDown := startExporter(t)
	prom := promtest.Start(t, promtest.Options{
		Job:       "milvus-l7-probe",
		Targets:   []string{address},
		RuleFiles: map[string][]byte{"alerts.rules.yml": monitoring.RulesWithFor(time.Second)},
	})
	ctx := t.Context()

	waitForScrapes(t, ctx, prom, 3)
	healthy, err := activeAlerts(ctx, prom)
	require.NoError(t, err)
	assert.Empty(t, healthy, "alerts active while every check passes")

	milvusDown.Store(true)
	var firing map[string]promtest.Alert
	err = promtest.Eventually(alertTimeout, func() (bool, error) {
		firing, err = activeAlerts(ctx, prom)
		return firing["MilvusL7ProbeTargetDown"].State == "firing" &&
			firing["MilvusL7ProbeConnectFailed"].State == "firing", err
	})
	require.NoError(t, err, "alerts seen: %v", firing)

	assert.Equal(t, "milvus", firing["MilvusL7ProbeTargetDown"].Labels["target"])
	connect := firing["MilvusL7ProbeConnectFailed"]
	assert.Equal(t, "connect", connect.Labels["check"])
	assert.Contains(t, connect.Annotations["description"], "reason: connect_refused")
	for _, name := range []string{
		"MilvusL7ProbeTLSFailed", "MilvusL7ProbeALPNNotH2", "MilvusL7ProbeGRPCHealthFailed",
		"MilvusL7ProbeMilvusUnhealthy", "MilvusL7ProbeHealthzFailed", "MilvusL7ProbeAbsent",
	} {
		assert.NotContains(t, firing, name, "a skipped layer must not alert")
	}
}

// waitForScrapes waits until Prometheus has scraped the probe count times,
// so that the rules have been evaluated on its data.
func waitForScrapes(t *testing.T, ctx context.Context, prom *promtest.Prometheus, count int) {
	t.Helper()
	query := fmt.Sprintf(`count_over_time(up{job="milvus-l7-probe"}[5m]) >= %d`, count)
	err := promtest.Eventually(alertTimeout, func() (bool, error) {
		vector, err := prom.Query(ctx, query)
		return len(vector) == 1, err
	})
	require.NoError(t, err, "waiting for %d scrapes", count)

	// The absent alert is active until the first evaluation after the first
	// scrape; one more evaluation interval clears it.
	err = promtest.Eventually(alertTimeout, func() (bool, error) {
		alerts, err := activeAlerts(ctx, prom)
		_, absent := alerts["MilvusL7ProbeAbsent"]
		return !absent, err
	})
	require.NoError(t, err, "waiting for MilvusL7ProbeAbsent to resolve")
}

// activeAlerts returns the pending and firing alerts by name.
func activeAlerts(ctx context.Context, prom *promtest.Prometheus) (map[string]promtest.Alert, error) {
	alerts, err := prom.Alerts(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]promtest.Alert, len(alerts))
	for _, alert := range alerts {
		byName[alert.Labels["alertname"]] = alert
	}
	return byName, nil
}
