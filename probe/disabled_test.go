package probe_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// A check that config turned off stays disabled after an earlier failure,
// so metrics leave it out instead of reporting it as failed.
func TestRunDisabledChecksAfterFailure(t *testing.T) {
	target := probe.Target{
		Address:  testserver.ClosedPort(t),
		TLS:      probe.TLS{Enabled: false},
		Timeouts: probe.Timeouts{Total: runTimeout},
	}

	rep := run(t, target)

	assert.Equal(t, probe.ExitConnect, rep.ExitCode)
	for _, name := range []probe.CheckName{probe.CheckResolve, probe.CheckTLS, probe.CheckALPN, probe.CheckHealthz, probe.CheckCanary} {
		res, _ := rep.Check(name)
		assert.Equal(t, probe.StatusSkip, res.Status, name)
		assert.True(t, res.Disabled, "%s: %s", name, res.Message)
	}
	for _, name := range []probe.CheckName{probe.CheckGRPCHealth, probe.CheckMilvus} {
		res, _ := rep.Check(name)
		assert.Equal(t, probe.StatusSkip, res.Status, name)
		assert.False(t, res.Disabled, "%s is skipped because connect failed", name)
		assert.Contains(t, res.Message, "connect failed")
	}
}
