package e2e

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// TestProbeAgreesWithPymilvus runs pymilvus and the probe against the same
// nginx and Milvus. Both must pass or both must fail, and the probe must
// name the cause that pymilvus hides.
func TestProbeAgreesWithPymilvus(t *testing.T) {
	front := rig.NewCert(t, serverName)
	otherCert := rig.NewCert(t, serverName)
	tests := []struct {
		name        string
		milvus      *rig.SharedMilvus
		upstreamTLS bool
		serverName  string
		pinned      rig.CertFiles
		wantReason  probe.Reason
		wantExit    int
	}{
		{name: "tls mode 0 behind grpc", milvus: plainMilvus, serverName: serverName, pinned: front},
		{name: "tls mode 1 behind grpcs", milvus: tlsMilvus, upstreamTLS: true, serverName: serverName, pinned: front},
		{name: "wrong server name", milvus: plainMilvus, serverName: "wrong.example.com", pinned: front,
			wantReason: probe.ReasonTLSNameMismatch, wantExit: probe.ExitTLS},
		{name: "wrong pinned cert", milvus: plainMilvus, serverName: serverName, pinned: otherCert,
			wantReason: probe.ReasonTLSPinMismatch, wantExit: probe.ExitTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := tt.milvus.Get(t)
			nginx := rig.StartNginx(t, rig.NginxOptions{
				CertFile: front.CertFile, KeyFile: front.KeyFile,
				Upstream: backend.Addr, UpstreamTLS: tt.upstreamTLS,
			})

			pymilvus := rig.RunPymilvus(t, rig.PymilvusOptions{
				Address: nginx.Addr, ServerName: tt.serverName, ServerPEM: tt.pinned.CertFile,
				Timeout: 5 * time.Second,
			})
			report := probe.Run(context.Background(), probe.Target{
				Address:    nginx.Addr,
				ServerName: tt.serverName,
				TLS: probe.TLS{Enabled: true, Trust: tlsutil.Trust{
					Pinned: []*x509.Certificate{tt.pinned.Pair.Cert},
				}},
				HealthzURL: backend.HealthzURL,
				Timeouts:   probe.Timeouts{Total: 10 * time.Second},
			})

			assert.Equal(t, pymilvus.OK, report.Success, "pymilvus: %+v\nprobe: %+v", pymilvus, report)
			assert.Equal(t, tt.wantExit, report.ExitCode)
			tlsResult, found := report.Check(probe.CheckTLS)
			require.True(t, found)
			assert.Equal(t, tt.wantReason, tlsResult.Reason, tlsResult.Message)
			if pymilvus.OK {
				milvusResult, found := report.Check(probe.CheckMilvus)
				require.True(t, found)
				assert.Contains(t, milvusResult.Message, pymilvus.Version)
			}
		})
	}
}
