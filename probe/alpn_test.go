package probe_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// TLS works, but the listener does not select h2.
func TestRunALPNNotH2(t *testing.T) {
	cases := []struct {
		name   string
		alpn   testserver.ALPN
		reason probe.Reason
		words  []string
	}{
		{"no NextProtos", testserver.ALPNNone, probe.ReasonALPNNone,
			[]string{"no application protocol", "missing selected ALPN property"}},
		{"GetConfigForClient without NextProtos", testserver.ALPNNoneFromGetConfig, probe.ReasonALPNNone,
			[]string{"no application protocol", "missing selected ALPN property"}},
		{"http/1.1 only", testserver.ALPNHTTP1Only, probe.ReasonALPNHTTP1,
			[]string{"no_application_protocol", "selected http/1.1", "only HTTP/1.1"}},
		{"neither h2 nor http/1.1", testserver.ALPNOther, probe.ReasonALPNOther,
			[]string{"no_application_protocol", "offers neither"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kp := testserver.SelfSigned(t, testserver.ServerName)
			l := testserver.ListenTLS(t, kp, tc.alpn)
			testserver.ServeGRPC(t, l, testserver.GRPCOptions{Milvus: testserver.NewFakeMilvus()})

			rep := run(t, tlsTarget(l.Addr().String(), pin(kp)))

			assertVerdict(t, rep, verdict{
				exit: probe.ExitALPN,
				statuses: map[probe.CheckName]probe.Status{
					probe.CheckConnect:    probe.StatusPass,
					probe.CheckTLS:        probe.StatusPass,
					probe.CheckALPN:       probe.StatusFail,
					probe.CheckGRPCHealth: probe.StatusSkip,
					probe.CheckMilvus:     probe.StatusSkip,
				},
				reasonOf: probe.CheckALPN,
				reason:   tc.reason,
				words:    tc.words,
			})
			assertSkippedAfter(t, rep, probe.CheckALPN)
			tlsRes := result(t, rep, probe.CheckTLS)
			assert.Contains(t, tlsRes.Message, "trusted by pinned_certificate", "the tls check says the certificate is fine")
			assert.Empty(t, result(t, rep, probe.CheckALPN).Details.NegotiatedProtocol)
		})
	}
}

func TestRunALPNHints(t *testing.T) {
	assert.Contains(t, probe.Hint(probe.ReasonALPNNone), "must offer h2")
	assert.Contains(t, probe.Hint(probe.ReasonALPNHTTP1), "enable HTTP/2")
	assert.Contains(t, probe.Hint(probe.ReasonALPNHTTP1), "gRPC proxy")
}
