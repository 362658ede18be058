package monitoring

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// fullReport fills every detail the daemon turns into a series.
func fullReport() probe.Report {
	expiry := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	verified := true
	pass := func(name probe.CheckName, d probe.Details) probe.Result {
		return probe.Result{Name: name, Status: probe.StatusPass, Duration: time.Millisecond, Details: d}
	}
	return probe.Report{
		Target: "t", Success: true, Duration: 10 * time.Millisecond,
		Checks: []probe.Result{
			pass(probe.CheckResolve, probe.Details{}),
			pass(probe.CheckConnect, probe.Details{}),
			pass(probe.CheckTLS, probe.Details{TLSVersion: "TLS 1.3", NegotiatedProtocol: "h2", Verified: &verified,
				NotAfter: &expiry, EarliestExpiry: &expiry}),
			pass(probe.CheckALPN, probe.Details{NegotiatedProtocol: "h2"}),
			pass(probe.CheckGRPCHealth, probe.Details{ServingStatus: "SERVING"}),
			pass(probe.CheckMilvus, probe.Details{MilvusVersion: "v2.3.5"}),
			pass(probe.CheckHealthz, probe.Details{HealthzStatusCode: 200}),
			pass(probe.CheckCanary, probe.Details{CanarySteps: []probe.CanaryStep{{Step: "create", DurationSeconds: 0.01}}}),
		},
	}
}

// TestContractMatchesDaemon keeps the hand-written contract that the
// alerts and the dashboard are checked against equal to what the daemon
// registers.
func TestContractMatchesDaemon(t *testing.T) {
	reg := prometheus.NewRegistry()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{Version: "test"})
	require.NoError(t, err)
	rec.SetTargets(1)
	rec.SetReload(true, time.Now())
	failing := fullReport()
	failing.Target, failing.Success = "u", false
	failing.Checks[1].Status, failing.Checks[1].Reason = probe.StatusFail, probe.ReasonConnectRefused
	rec.Observe("t", fullReport())
	rec.Observe("u", failing)

	families, err := reg.Gather()
	require.NoError(t, err)
	exported := map[string]bool{}
	for _, family := range families {
		exported[family.GetName()] = true
	}
	for _, name := range ContractMetrics {
		assert.True(t, exported[name], "contract metric %s is not exported", name)
	}
	contract := map[string]bool{}
	for _, name := range ContractMetrics {
		contract[name] = true
	}
	for name := range exported {
		if strings.HasPrefix(name, "probe_") || strings.HasPrefix(name, "milvus_l7_probe_") {
			assert.True(t, contract[name], "exported metric %s is missing from the contract", name)
		}
	}
}
