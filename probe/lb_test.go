package probe_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// A proxy that speaks HTTP/2 but responds to gRPC calls with its own HTTP
// status, so Milvus was not reached. A 404 that grpc-go maps to UNIMPLEMENTED
// is this case too, not a server without the health service.
func TestRunLoadBalancerAnswersItself(t *testing.T) {
	cases := []struct {
		name        string
		code        int
		contentType string
		words       []string
	}{
		{"bad gateway", http.StatusBadGateway, "text/html", []string{"HTTP 502", "text/html", "Milvus was not reached"}},
		{"not found", http.StatusNotFound, "text/plain", []string{"HTTP 404", "text/plain"}},
		{"no content", http.StatusNoContent, "", []string{"HTTP 204", "content type none"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kp := testserver.SelfSigned(t, testserver.ServerName)
			l := testserver.ListenTLS(t, kp, testserver.ALPNH2)
			testserver.ServeHTTP2(t, l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.code)
			}))

			rep := run(t, tlsTarget(l.Addr().String(), pin(kp)))

			assertVerdict(t, rep, verdict{
				exit: probe.ExitRPC,
				statuses: map[probe.CheckName]probe.Status{
					probe.CheckConnect:    probe.StatusPass,
					probe.CheckTLS:        probe.StatusPass,
					probe.CheckALPN:       probe.StatusPass,
					probe.CheckGRPCHealth: probe.StatusFail,
				},
				reasonOf: probe.CheckGRPCHealth,
				reason:   probe.ReasonLBError,
				words:    tc.words,
			})
			assertSkippedAfter(t, rep, probe.CheckGRPCHealth)
			res := result(t, rep, probe.CheckGRPCHealth)
			assert.Equal(t, tc.code, res.Details.HTTPStatusCode)
			assert.Equal(t, tc.contentType, res.Details.ContentType)
		})
	}
}

func TestRunMilvusTimeout(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	milvus := testserver.NewFakeMilvus()
	milvus.Block()
	srv := startMilvus(t, kp, testserver.GRPCOptions{Milvus: milvus})
	target := tlsTarget(srv.addr, pin(kp))
	target.Timeouts.RPC = 200 * time.Millisecond

	start := time.Now()
	rep := run(t, target)

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitRPC,
		statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckMilvus: probe.StatusFail}),
		reasonOf: probe.CheckMilvus,
		reason:   probe.ReasonRPCTimeout,
		words:    []string{"CheckHealth", "timed out", "RPC timeout of 200ms"},
	})
	assert.Less(t, time.Since(start), runTimeout/2, "the RPC stage timeout bounds the run")
}

// A proxy that completes TLS and then closes the connection before it
// responds to the first request.
func TestRunConnectionClosedAfterHandshake(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	l := testserver.ListenTLS(t, kp, testserver.ALPNH2)
	testserver.ServeHandshakeThenClose(t, l)

	for i := range 5 {
		rep := run(t, tlsTarget(l.Addr().String(), pin(kp)))

		assertVerdict(t, rep, verdict{
			exit: probe.ExitRPC,
			statuses: map[probe.CheckName]probe.Status{
				probe.CheckTLS:        probe.StatusPass,
				probe.CheckALPN:       probe.StatusPass,
				probe.CheckGRPCHealth: probe.StatusFail,
			},
			reasonOf: probe.CheckGRPCHealth,
			reason:   probe.ReasonConnectionClosed,
			words:    []string{"connection closed"},
		})
		if t.Failed() {
			t.Logf("run %d: %s", i, describe(rep))
			return
		}
	}
}
