package probe_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		check  probe.CheckName
		reason probe.Reason
		want   int
	}{
		{probe.CheckResolve, probe.ReasonResolveFailed, probe.ExitConnect},
		{probe.CheckConnect, probe.ReasonConnectRefused, probe.ExitConnect},
		{probe.CheckTLS, probe.ReasonTLSNameMismatch, probe.ExitTLS},
		{probe.CheckALPN, probe.ReasonALPNHTTP1, probe.ExitALPN},
		{probe.CheckGRPCHealth, probe.ReasonHealthUnknownService, probe.ExitRPC},
		{probe.CheckGRPCHealth, probe.ReasonNotServing, probe.ExitUnhealthy},
		{probe.CheckGRPCHealth, probe.ReasonTLSRequired, probe.ExitTLS},
		{probe.CheckMilvus, probe.ReasonAuthRequired, probe.ExitRPC},
		{probe.CheckMilvus, probe.ReasonMilvusUnhealthy, probe.ExitUnhealthy},
		{probe.CheckMilvus, probe.ReasonInternal, probe.ExitInternal},
		{probe.CheckHealthz, probe.ReasonHealthzNotFound, probe.ExitHealthz},
		{probe.CheckCanary, probe.ReasonCanaryFailed, probe.ExitCanary},
		{"unknown_check", probe.ReasonUnknown, probe.ExitInternal},
	}
	for _, tc := range cases {
		t.Run(string(tc.check)+"/"+string(tc.reason), func(t *testing.T) {
			res := probe.Result{Name: tc.check, Status: probe.StatusFail, Reason: tc.reason}
			assert.Equal(t, tc.want, probe.ExitCode(res))
		})
	}
}

// A cancelled context ends the run at once, with failures, not a hang.
func TestRunCancelledContext(t *testing.T) {
	addr := testserver.StartSilent(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	rep := probe.Run(ctx, tlsTarget(addr, pin(testserver.SelfSigned(t, testserver.ServerName))))

	assert.False(t, rep.Success)
	assert.Equal(t, probe.ExitInterrupted, rep.ExitCode, describe(rep))
	res, _ := rep.Check(probe.CheckConnect)
	assert.Equal(t, probe.ReasonInterrupted, res.Reason)
	assertSkippedAfter(t, rep, probe.CheckConnect)
}
