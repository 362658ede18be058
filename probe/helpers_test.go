package probe_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runTimeout is the whole-run deadline of the tests. Every verdict below is
// reached long before it; a test that hits it fails on its reason.
const runTimeout = 10 * time.Second

// tlsTarget returns a TLS target for addr with the test server name and
// the given trust.
func tlsTarget(addr string, trust tlsutil.Trust) probe.Target {
	return probe.Target{
		Address:    addr,
		ServerName: testserver.ServerName,
		TLS:        probe.TLS{Enabled: true, Trust: trust},
		Timeouts:   probe.Timeouts{Total: runTimeout},
	}
}

func pin(kp *tlsutil.KeyPair) tlsutil.Trust {
	return tlsutil.Trust{Pinned: []*x509.Certificate{kp.Cert}}
}

func caTrust(certs ...*x509.Certificate) tlsutil.Trust {
	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return tlsutil.Trust{Roots: pool}
}

// milvusServer is a TLS gRPC server with the health service and a fake
// Milvus, as the load balancer in front of a healthy Milvus looks.
type milvusServer struct {
	addr     string
	listener *testserver.TLSListener
	grpc     *testserver.GRPC
	milvus   *testserver.FakeMilvus
}

func startMilvus(t *testing.T, kp *tlsutil.KeyPair, opts testserver.GRPCOptions) milvusServer {
	t.Helper()
	l := testserver.ListenTLS(t, kp, testserver.ALPNH2)
	fake, _ := opts.Milvus.(*testserver.FakeMilvus)
	if opts.Milvus == nil {
		fake = testserver.NewFakeMilvus()
		opts.Milvus = fake
	}
	g := testserver.ServeGRPC(t, l, opts)
	return milvusServer{addr: l.Addr().String(), listener: l, grpc: g, milvus: fake}
}

func run(t *testing.T, target probe.Target) probe.Report {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return probe.Run(ctx, target)
}

func result(t *testing.T, rep probe.Report, name probe.CheckName) probe.Result {
	t.Helper()
	res, ok := rep.Check(name)
	require.True(t, ok, "report has no %s result: %+v", name, rep.Checks)
	return res
}

// verdict is what a report must show: the exit code, the status of each
// listed check, and for the check named by reasonOf its reason and the
// words its message contains.
type verdict struct {
	exit     int
	statuses map[probe.CheckName]probe.Status
	reasonOf probe.CheckName
	reason   probe.Reason
	words    []string
}

func assertVerdict(t *testing.T, rep probe.Report, want verdict) {
	t.Helper()
	assert.Equal(t, want.exit, rep.ExitCode, "exit code; checks: %s", describe(rep))
	assert.Equal(t, want.exit == probe.ExitOK, rep.Success, "success")
	for name, status := range want.statuses {
		assert.Equal(t, status, result(t, rep, name).Status, "status of %s; checks: %s", name, describe(rep))
	}
	if want.reasonOf == "" {
		return
	}
	res := result(t, rep, want.reasonOf)
	assert.Equal(t, want.reason, res.Reason, "reason of %s: %s", want.reasonOf, res.Message)
	assert.Equal(t, probe.Hint(want.reason), res.Hint, "hint of %s", want.reasonOf)
	for _, word := range want.words {
		assert.Contains(t, res.Message, word, "message of %s", want.reasonOf)
	}
	assert.NotContains(t, res.Message, "context deadline exceeded", "message of %s", want.reasonOf)
}

// assertSkippedAfter checks that every chain check after the failed one
// is skipped, never a second failure.
func assertSkippedAfter(t *testing.T, rep probe.Report, failed probe.CheckName) {
	t.Helper()
	chain := []probe.CheckName{probe.CheckResolve, probe.CheckConnect, probe.CheckTLS,
		probe.CheckALPN, probe.CheckGRPCHealth, probe.CheckMilvus, probe.CheckCanary}
	after := false
	for _, name := range chain {
		if after {
			res := result(t, rep, name)
			assert.Equal(t, probe.StatusSkip, res.Status, "%s after failed %s", name, failed)
			assert.Empty(t, res.Reason, "reason of skipped %s", name)
		}
		if name == failed {
			after = true
		}
	}
	require.True(t, after, "%s is not a chain check", failed)
}

func describe(rep probe.Report) string {
	out := ""
	for _, res := range rep.Checks {
		out += "\n  " + string(res.Name) + " " + string(res.Status) + " " + string(res.Reason) + ": " + res.Message
	}
	return out
}

// passingChain is the status of every check of a healthy target given by
// IP address without a healthz URL or canary.
func passingChain() map[probe.CheckName]probe.Status {
	return map[probe.CheckName]probe.Status{
		probe.CheckResolve:    probe.StatusSkip,
		probe.CheckConnect:    probe.StatusPass,
		probe.CheckTLS:        probe.StatusPass,
		probe.CheckALPN:       probe.StatusPass,
		probe.CheckGRPCHealth: probe.StatusPass,
		probe.CheckMilvus:     probe.StatusPass,
		probe.CheckHealthz:    probe.StatusSkip,
		probe.CheckCanary:     probe.StatusSkip,
	}
}

// with returns a copy of statuses with changes applied.
func with(statuses map[probe.CheckName]probe.Status, changes map[probe.CheckName]probe.Status) map[probe.CheckName]probe.Status {
	out := make(map[probe.CheckName]probe.Status, len(statuses))
	for name, status := range statuses {
		out[name] = status
	}
	for name, status := range changes {
		out[name] = status
	}
	return out
}

func splitPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return host, port
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
