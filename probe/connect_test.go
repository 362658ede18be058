package probe_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestRunConnectRefused(t *testing.T) {
	addr := testserver.ClosedPort(t)

	rep := run(t, tlsTarget(addr, tlsutil.Trust{}))

	assertVerdict(t, rep, verdict{
		exit: probe.ExitConnect,
		statuses: map[probe.CheckName]probe.Status{
			probe.CheckResolve: probe.StatusSkip,
			probe.CheckConnect: probe.StatusFail,
			probe.CheckHealthz: probe.StatusSkip,
		},
		reasonOf: probe.CheckConnect,
		reason:   probe.ReasonConnectRefused,
		words:    []string{addr, "connection refused"},
	})
	assertSkippedAfter(t, rep, probe.CheckConnect)
	assert.Nil(t, result(t, rep, probe.CheckTLS).Details.NotAfter, "no certificate was received")
}

// The reserved .invalid top-level domain never resolves (RFC 2606).
func TestRunResolveFailed(t *testing.T) {
	target := tlsTarget("nothing.invalid:443", tlsutil.Trust{})
	target.Timeouts.Connect = 3 * time.Second

	rep := run(t, target)

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitConnect,
		statuses: map[probe.CheckName]probe.Status{probe.CheckResolve: probe.StatusFail},
		reasonOf: probe.CheckResolve,
		reason:   probe.ReasonResolveFailed,
		words:    []string{"nothing.invalid"},
	})
	assertSkippedAfter(t, rep, probe.CheckResolve)
}

func TestRunResolvesLocalhost(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})
	_, port := splitPort(t, srv.addr)

	rep := run(t, tlsTarget("localhost:"+port, pin(kp)))

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitOK,
		statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckResolve: probe.StatusPass}),
	})
	assert.Contains(t, result(t, rep, probe.CheckResolve).Details.Addresses, srv.addr)
}

// /healthz returns 200 OK while nothing listens on the gRPC port.
func TestRunHealthzDisagreesWithGRPCPort(t *testing.T) {
	healthz := testserver.StartHealthz(t)
	target := tlsTarget(testserver.ClosedPort(t), tlsutil.Trust{})
	target.HealthzURL = healthz.URL

	rep := run(t, target)

	assertVerdict(t, rep, verdict{
		exit: probe.ExitConnect,
		statuses: map[probe.CheckName]probe.Status{
			probe.CheckConnect: probe.StatusFail,
			probe.CheckHealthz: probe.StatusPass,
		},
		reasonOf: probe.CheckConnect,
		reason:   probe.ReasonConnectRefused,
		words:    []string{"connection refused", "/healthz answered 200 OK", "gRPC path"},
	})
	assertSkippedAfter(t, rep, probe.CheckConnect)
}

// An IPv6 literal address with a certificate for that IP: the server name
// defaults to the address's host, without the brackets.
func TestRunIPv6Address(t *testing.T) {
	kp := testserver.Cert(t, tlsutil.CertRequest{IPAddresses: []net.IP{net.IPv6loopback}})
	l := testserver.ListenTLSOn(t, "[::1]:0", kp, testserver.ALPNH2)
	testserver.ServeGRPC(t, l, testserver.GRPCOptions{Milvus: testserver.NewFakeMilvus()})
	target := tlsTarget(l.Addr().String(), pin(kp))
	target.ServerName = ""

	rep := run(t, target)

	assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
	assert.Equal(t, l.Addr().String(), result(t, rep, probe.CheckConnect).Details.RemoteAddress)
	assert.Equal(t, []string{"::1"}, result(t, rep, probe.CheckTLS).Details.IPAddresses)
}
