package probe_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// /healthz responses other than Milvus's OK, each with its own reason.
func TestRunHealthz(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})
	cases := []struct {
		name        string
		code        int
		contentType string
		body        string
		reason      probe.Reason
		words       []string
	}{
		{"body not OK", http.StatusOK, "text/plain", "Not all components are healthy, 3/8",
			probe.ReasonHealthzBodyNotOK, []string{"200", "Not all components are healthy, 3/8"}},
		{"not found", http.StatusNotFound, "text/plain; charset=utf-8", "404 page not found\n",
			probe.ReasonHealthzNotFound, []string{"404", "404 page not found"}},
		{"milvus unhealthy", http.StatusInternalServerError, "text/plain", "Not all components are healthy, 5/8",
			probe.ReasonHealthzUnhealthy, []string{"500", "Not all components are healthy, 5/8"}},
		{"other status", http.StatusServiceUnavailable, "text/html", "<html>busy</html>",
			probe.ReasonHealthzStatus, []string{"503", "Service Unavailable"}},
		{"empty 200", http.StatusOK, "text/plain", "",
			probe.ReasonHealthzBodyNotOK, []string{"200"}},
		{"JSON state not OK", http.StatusOK, "application/json", `{"state":"Abnormal"}`,
			probe.ReasonHealthzBodyNotOK, []string{"Abnormal"}},
		{"redirect not followed", http.StatusFound, "text/plain", "",
			probe.ReasonHealthzStatus, []string{"302", "Found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			healthz := testserver.StartHealthz(t)
			healthz.Set(tc.code, tc.contentType, tc.body)
			target := tlsTarget(srv.addr, pin(kp))
			target.HealthzURL = healthz.URL

			rep := run(t, target)

			assertVerdict(t, rep, verdict{
				exit:     probe.ExitHealthz,
				statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckHealthz: probe.StatusFail}),
				reasonOf: probe.CheckHealthz,
				reason:   tc.reason,
				words:    tc.words,
			})
			assert.Equal(t, tc.code, result(t, rep, probe.CheckHealthz).Details.HealthzStatusCode)
		})
	}
}

func TestRunHealthzPasses(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})
	for name, body := range map[string]string{
		"text OK":       "OK",
		"text OK line":  "OK\n",
		"JSON state OK": `{"state":"OK","detail":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			healthz := testserver.StartHealthz(t)
			healthz.Set(http.StatusOK, "text/plain", body)
			target := tlsTarget(srv.addr, pin(kp))
			target.HealthzURL = healthz.URL

			rep := run(t, target)

			assertVerdict(t, rep, verdict{
				exit:     probe.ExitOK,
				statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckHealthz: probe.StatusPass}),
			})
		})
	}
}

// The URL names a path that the server does not serve.
func TestRunHealthzWrongPath(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})
	healthz := testserver.StartHealthz(t)
	target := tlsTarget(srv.addr, pin(kp))
	target.HealthzURL = healthz.BaseURL + "/health"

	rep := run(t, target)

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitHealthz,
		statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckHealthz: probe.StatusFail}),
		reasonOf: probe.CheckHealthz,
		reason:   probe.ReasonHealthzNotFound,
		words:    []string{"404 page not found"},
	})
}

func TestRunHealthzUnreachable(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	t.Run("refused", func(t *testing.T) {
		target := tlsTarget(srv.addr, pin(kp))
		target.HealthzURL = "http://" + testserver.ClosedPort(t) + "/healthz"

		assertVerdict(t, run(t, target), verdict{
			exit:     probe.ExitHealthz,
			statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckHealthz: probe.StatusFail}),
			reasonOf: probe.CheckHealthz,
			reason:   probe.ReasonHealthzUnreachable,
			words:    []string{"connection refused"},
		})
	})
	t.Run("timeout", func(t *testing.T) {
		target := tlsTarget(srv.addr, pin(kp))
		target.HealthzURL = "http://" + testserver.StartSilent(t) + "/healthz"
		target.Timeouts.Healthz = 200 * time.Millisecond

		start := time.Now()
		rep := run(t, target)

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitHealthz,
			statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckHealthz: probe.StatusFail}),
			reasonOf: probe.CheckHealthz,
			reason:   probe.ReasonHealthzTimeout,
			words:    []string{"timed out"},
		})
		assert.Less(t, time.Since(start), runTimeout/2, "the healthz stage timeout bounds the run")
	})
}

// A failure of the gRPC chain decides the exit code even when /healthz
// fails too: the chain's layer comes first.
func TestRunExitCodeIsFirstFailedLayer(t *testing.T) {
	healthz := testserver.StartHealthz(t)
	healthz.Set(http.StatusInternalServerError, "text/plain", "Not all components are healthy, 1/8")
	target := tlsTarget(testserver.ClosedPort(t), pin(testserver.SelfSigned(t, testserver.ServerName)))
	target.HealthzURL = healthz.URL

	rep := run(t, target)

	assertVerdict(t, rep, verdict{
		exit: probe.ExitConnect,
		statuses: map[probe.CheckName]probe.Status{
			probe.CheckConnect: probe.StatusFail,
			probe.CheckHealthz: probe.StatusFail,
		},
		reasonOf: probe.CheckConnect,
		reason:   probe.ReasonConnectRefused,
	})
	assert.NotContains(t, result(t, rep, probe.CheckConnect).Message, "/healthz answered 200")
}

// A passing /healthz places a transport failure on the path to Milvus,
// but adds no note to a verdict that Milvus itself returned.
func TestRunHealthzDisagreementNote(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	const note = "the fault is on the gRPC path"

	t.Run("milvus unhealthy", func(t *testing.T) {
		milvus := testserver.NewFakeMilvus()
		milvus.SetHealth(false, "querynode down")
		srv := startMilvus(t, kp, testserver.GRPCOptions{Milvus: milvus})
		target := tlsTarget(srv.addr, pin(kp))
		target.HealthzURL = testserver.StartHealthz(t).URL

		rep := run(t, target)

		res := result(t, rep, probe.CheckMilvus)
		assert.Equal(t, probe.ReasonMilvusUnhealthy, res.Reason)
		assert.NotContains(t, res.Message, note, "Milvus itself reported the fault")
	})
	t.Run("not serving", func(t *testing.T) {
		srv := startMilvus(t, kp, testserver.GRPCOptions{})
		srv.grpc.SetServing("", healthpb.HealthCheckResponse_NOT_SERVING)
		target := tlsTarget(srv.addr, pin(kp))
		target.HealthzURL = testserver.StartHealthz(t).URL

		res := result(t, run(t, target), probe.CheckGRPCHealth)

		assert.Equal(t, probe.ReasonNotServing, res.Reason)
		assert.NotContains(t, res.Message, note)
	})
	t.Run("load balancer error", func(t *testing.T) {
		l := testserver.ListenTLS(t, kp, testserver.ALPNH2)
		testserver.ServeHTTP2(t, l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
		}))
		target := tlsTarget(l.Addr().String(), pin(kp))
		target.HealthzURL = testserver.StartHealthz(t).URL

		res := result(t, run(t, target), probe.CheckGRPCHealth)

		assert.Equal(t, probe.ReasonLBError, res.Reason)
		assert.Contains(t, res.Message, note)
	})
	t.Run("alpn", func(t *testing.T) {
		l := testserver.ListenTLS(t, kp, testserver.ALPNNone)
		testserver.ServeGRPC(t, l, testserver.GRPCOptions{})
		target := tlsTarget(l.Addr().String(), pin(kp))
		target.HealthzURL = testserver.StartHealthz(t).URL

		res := result(t, run(t, target), probe.CheckALPN)

		assert.Equal(t, probe.ReasonALPNNone, res.Reason)
		assert.Contains(t, res.Message, note)
	})
}
