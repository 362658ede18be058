package probe_test

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/report"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestRunPlaintextServer(t *testing.T) {
	g := testserver.ServeGRPC(t, testserver.Listen(t), testserver.GRPCOptions{Milvus: testserver.NewFakeMilvus()})
	target := tlsTarget(g.Addr, tlsutil.Trust{})
	target.TLS.Enabled = false

	rep := run(t, target)

	assertVerdict(t, rep, verdict{
		exit: probe.ExitOK,
		statuses: with(passingChain(), map[probe.CheckName]probe.Status{
			probe.CheckTLS:  probe.StatusSkip,
			probe.CheckALPN: probe.StatusSkip,
		}),
	})
}

// Plaintext HTTP/2 sent to a TLS port is detected from the
// server's first bytes, not at the deadline.
func TestRunPlaintextToTLSPort(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})
	target := tlsTarget(srv.addr, tlsutil.Trust{})
	target.TLS.Enabled = false

	start := time.Now()
	rep := run(t, target)
	elapsed := time.Since(start)

	assertVerdict(t, rep, verdict{
		exit: probe.ExitTLS,
		statuses: map[probe.CheckName]probe.Status{
			probe.CheckConnect:    probe.StatusPass,
			probe.CheckTLS:        probe.StatusSkip,
			probe.CheckALPN:       probe.StatusSkip,
			probe.CheckGRPCHealth: probe.StatusFail,
		},
		reasonOf: probe.CheckGRPCHealth,
		reason:   probe.ReasonTLSRequired,
		words:    []string{"expects TLS"},
	})
	assertSkippedAfter(t, rep, probe.CheckGRPCHealth)
	assert.Less(t, elapsed, 2*time.Second, "detected from the first bytes, well before the %s deadline", runTimeout)
}

// The gRPC health service is missing, asked for an unknown service,
// or not serving.
func TestRunGRPCHealth(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)

	t.Run("unimplemented warns and milvus decides", func(t *testing.T) {
		srv := startMilvus(t, kp, testserver.GRPCOptions{NoHealth: true})

		rep := run(t, tlsTarget(srv.addr, pin(kp)))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitOK,
			statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckGRPCHealth: probe.StatusWarn}),
			reasonOf: probe.CheckGRPCHealth,
			reason:   probe.ReasonHealthUnimplemented,
			words:    []string{"grpc.health.v1.Health/Check", "milvus check decides"},
		})
	})
	t.Run("unimplemented with unhealthy milvus fails", func(t *testing.T) {
		milvus := testserver.NewFakeMilvus()
		milvus.SetHealth(false, "querynode down")
		srv := startMilvus(t, kp, testserver.GRPCOptions{NoHealth: true, Milvus: milvus})

		rep := run(t, tlsTarget(srv.addr, pin(kp)))

		assertVerdict(t, rep, verdict{
			exit: probe.ExitUnhealthy,
			statuses: map[probe.CheckName]probe.Status{
				probe.CheckGRPCHealth: probe.StatusWarn,
				probe.CheckMilvus:     probe.StatusFail,
			},
			reasonOf: probe.CheckMilvus,
			reason:   probe.ReasonMilvusUnhealthy,
			words:    []string{"querynode down"},
		})
	})
	t.Run("unimplemented configured to fail", func(t *testing.T) {
		srv := startMilvus(t, kp, testserver.GRPCOptions{NoHealth: true})
		target := tlsTarget(srv.addr, pin(kp))
		target.HealthUnimplementedFails = true

		rep := run(t, target)

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitRPC,
			statuses: map[probe.CheckName]probe.Status{probe.CheckALPN: probe.StatusPass, probe.CheckGRPCHealth: probe.StatusFail},
			reasonOf: probe.CheckGRPCHealth,
			reason:   probe.ReasonHealthUnimplemented,
			words:    []string{"does not implement grpc.health.v1.Health/Check"},
		})
		assertSkippedAfter(t, rep, probe.CheckGRPCHealth)
	})
	t.Run("unknown service", func(t *testing.T) {
		srv := startMilvus(t, kp, testserver.GRPCOptions{})
		target := tlsTarget(srv.addr, pin(kp))
		target.GRPCHealthService = "milvus.proto.milvus.MilvusService"

		rep := run(t, target)

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitRPC,
			statuses: map[probe.CheckName]probe.Status{probe.CheckALPN: probe.StatusPass, probe.CheckGRPCHealth: probe.StatusFail},
			reasonOf: probe.CheckGRPCHealth,
			reason:   probe.ReasonHealthUnknownService,
			words:    []string{"milvus.proto.milvus.MilvusService"},
		})
		assert.Contains(t, result(t, rep, probe.CheckGRPCHealth).Hint, "empty name")
		assertSkippedAfter(t, rep, probe.CheckGRPCHealth)
	})
	t.Run("not serving", func(t *testing.T) {
		srv := startMilvus(t, kp, testserver.GRPCOptions{})
		srv.grpc.SetServing("", healthpb.HealthCheckResponse_NOT_SERVING)

		rep := run(t, tlsTarget(srv.addr, pin(kp)))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitUnhealthy,
			statuses: map[probe.CheckName]probe.Status{probe.CheckALPN: probe.StatusPass, probe.CheckGRPCHealth: probe.StatusFail},
			reasonOf: probe.CheckGRPCHealth,
			reason:   probe.ReasonNotServing,
			words:    []string{"NOT_SERVING"},
		})
		assert.Equal(t, "NOT_SERVING", result(t, rep, probe.CheckGRPCHealth).Details.ServingStatus)
		assertSkippedAfter(t, rep, probe.CheckGRPCHealth)
	})
	t.Run("named service serving", func(t *testing.T) {
		srv := startMilvus(t, kp, testserver.GRPCOptions{})
		srv.grpc.SetServing("milvus", healthpb.HealthCheckResponse_SERVING)
		target := tlsTarget(srv.addr, pin(kp))
		target.GRPCHealthService = "milvus"

		assertVerdict(t, run(t, target), verdict{exit: probe.ExitOK, statuses: passingChain()})
	})
}

// CheckHealth succeeds as an RPC but reports isHealthy false.
func TestRunMilvusUnhealthy(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	milvus := testserver.NewFakeMilvus()
	milvus.SetHealth(false, "datanode 12 is not healthy", "quota exhausted")
	srv := startMilvus(t, kp, testserver.GRPCOptions{Milvus: milvus})

	rep := run(t, tlsTarget(srv.addr, pin(kp)))

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitUnhealthy,
		statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckMilvus: probe.StatusFail}),
		reasonOf: probe.CheckMilvus,
		reason:   probe.ReasonMilvusUnhealthy,
		words:    []string{"isHealthy false", "datanode 12 is not healthy", "quota exhausted", "v2.6.6"},
	})
	assert.Equal(t, []string{"datanode 12 is not healthy", "quota exhausted"},
		result(t, rep, probe.CheckMilvus).Details.UnhealthyReasons)
}

func TestRunMilvusErrors(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	cases := []struct {
		name   string
		setup  func(*testserver.FakeMilvus)
		exit   int
		reason probe.Reason
		words  []string
	}{
		{"starting as status", func(m *testserver.FakeMilvus) {
			m.SetStatus(milvusStatus(commonpb.ErrorCode_NotReadyServe, 1, "Milvus Proxy is not ready yet. please wait"))
		}, probe.ExitRPC, probe.ReasonMilvusStarting, []string{"Milvus Proxy is not ready yet"}},
		{"starting as new code only", func(m *testserver.FakeMilvus) {
			m.SetStatus(&commonpb.Status{Code: 1, Reason: "Milvus Proxy is not ready yet. please wait"})
		}, probe.ExitRPC, probe.ReasonMilvusStarting, []string{"Milvus Proxy is not ready yet"}},
		{"legacy code only", func(m *testserver.FakeMilvus) {
			m.SetStatus(milvusStatus(commonpb.ErrorCode_UnexpectedError, 0, "legacy failure"))
		}, probe.ExitRPC, probe.ReasonMilvusError, []string{"legacy failure"}},
		{"starting as UNAVAILABLE", func(m *testserver.FakeMilvus) {
			m.SetError(status.Error(codes.Unavailable, "Milvus Proxy is not ready yet. please wait"))
		}, probe.ExitRPC, probe.ReasonMilvusStarting, []string{"not ready"}},
		{"other status error", func(m *testserver.FakeMilvus) {
			m.SetStatus(milvusStatus(commonpb.ErrorCode_UnexpectedError, 65535, "something broke"))
		}, probe.ExitRPC, probe.ReasonMilvusError, []string{"something broke", "CheckHealth"}},
		{"permission denied", func(m *testserver.FakeMilvus) {
			m.SetError(status.Error(codes.PermissionDenied, "no privilege"))
		}, probe.ExitRPC, probe.ReasonPermissionDenied, []string{"no privilege"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			milvus := testserver.NewFakeMilvus()
			tc.setup(milvus)
			srv := startMilvus(t, kp, testserver.GRPCOptions{Milvus: milvus})

			rep := run(t, tlsTarget(srv.addr, pin(kp)))

			assertVerdict(t, rep, verdict{
				exit:     tc.exit,
				statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckMilvus: probe.StatusFail}),
				reasonOf: probe.CheckMilvus,
				reason:   tc.reason,
				words:    tc.words,
			})
		})
	}
}

// Milvus requires credentials, and they never appear in the report.
func TestRunMilvusAuthentication(t *testing.T) {
	const user, password = "root", "s3cret-Passw0rd"
	kp := testserver.SelfSigned(t, testserver.ServerName)
	milvus := testserver.NewFakeMilvus()
	milvus.RequireAuthorization(base64.StdEncoding.EncodeToString([]byte(user + ":" + password)))
	srv := startMilvus(t, kp, testserver.GRPCOptions{Milvus: milvus})

	t.Run("without credentials", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, pin(kp)))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitRPC,
			statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckMilvus: probe.StatusFail}),
			reasonOf: probe.CheckMilvus,
			reason:   probe.ReasonAuthRequired,
			words:    []string{"requires authentication", "missing authorization in header"},
		})
	})
	t.Run("wrong password", func(t *testing.T) {
		target := tlsTarget(srv.addr, pin(kp))
		target.Credentials = probe.Credentials{Username: user, Password: "wrong-Passw0rd"}

		rep := run(t, target)

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitRPC,
			reasonOf: probe.CheckMilvus,
			reason:   probe.ReasonAuthRequired,
		})
		assertNoSecret(t, rep, "wrong-Passw0rd")
	})
	t.Run("with token", func(t *testing.T) {
		const token = "root:" + password
		target := tlsTarget(srv.addr, pin(kp))
		target.Credentials = probe.Credentials{Token: token}

		rep := run(t, target)

		assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
		assertNoSecret(t, rep, password)
	})
	t.Run("with credentials", func(t *testing.T) {
		target := tlsTarget(srv.addr, pin(kp))
		target.Credentials = probe.Credentials{Username: user, Password: password}

		rep := run(t, target)

		assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
		assertNoSecret(t, rep, password)
	})
}

// Milvus with authorization on rejects the health RPC without credentials
// too. The health check then warns and the milvus check names the cause.
func TestRunServerWideAuthentication(t *testing.T) {
	const user, password = "root", "s3cret-Passw0rd"
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{
		Authorization: base64.StdEncoding.EncodeToString([]byte(user + ":" + password)),
	})

	t.Run("without credentials", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, pin(kp)))

		assertVerdict(t, rep, verdict{
			exit: probe.ExitRPC,
			statuses: with(passingChain(), map[probe.CheckName]probe.Status{
				probe.CheckGRPCHealth: probe.StatusWarn,
				probe.CheckMilvus:     probe.StatusFail,
			}),
			reasonOf: probe.CheckMilvus,
			reason:   probe.ReasonAuthRequired,
			words:    []string{"missing authorization in header"},
		})
		assert.Equal(t, probe.ReasonAuthRequired, result(t, rep, probe.CheckGRPCHealth).Reason)
	})
	t.Run("with credentials", func(t *testing.T) {
		target := tlsTarget(srv.addr, pin(kp))
		target.Credentials = probe.Credentials{Username: user, Password: password}

		rep := run(t, target)

		assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
		assertNoSecret(t, rep, password)
	})
}

func TestCredentialsStringHidesSecrets(t *testing.T) {
	creds := probe.Credentials{Username: "root", Password: "s3cret-Passw0rd", Token: "tok-123456"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		text := sprintf(format, creds)
		assert.NotContains(t, text, "s3cret-Passw0rd", format)
		assert.NotContains(t, text, "tok-123456", format)
	}
	assert.Equal(t, "user root with password", probe.Credentials{Username: "root", Password: "x"}.String())
	assert.Equal(t, "none", probe.Credentials{}.String())
}

// assertNoSecret checks that neither the report nor its JSON and table
// renderings carry secret, in clear or as the base64 authorization value.
func assertNoSecret(t *testing.T, rep probe.Report, secret string) {
	t.Helper()
	var jsonOut, tableOut bytes.Buffer
	require.NoError(t, report.WriteJSON(&jsonOut, rep))
	require.NoError(t, report.WriteTable(&tableOut, rep))
	encoded := base64.StdEncoding.EncodeToString([]byte("root:" + secret))
	for name, text := range map[string]string{
		"report": sprintf("%+v", rep),
		"json":   jsonOut.String(),
		"table":  tableOut.String(),
	} {
		require.NotEmpty(t, text, name)
		assert.NotContains(t, text, secret, name)
		assert.NotContains(t, text, encoded, name)
	}
}

// milvusStatus builds a failed Milvus status with the deprecated ErrorCode
// beside the newer Code, as Milvus 2.3 to 2.6 send it. Milvus 2.2 sends
// ErrorCode alone, which a zero code reproduces.
//
//lint:ignore SA1019 Milvus still sends the deprecated ErrorCode.
func milvusStatus(legacy commonpb.ErrorCode, code int32, reason string) *commonpb.Status {
	//lint:ignore SA1019 Milvus still sends the deprecated ErrorCode.
	return &commonpb.Status{ErrorCode: legacy, Code: code, Reason: reason}
}
