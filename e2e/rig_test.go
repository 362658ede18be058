package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
)

// milvusVersion is the version that Milvus from the PyPI package milvus
// 2.3.5 returns.
const milvusVersion = "v2.3.5-lite"

func TestRigPymilvusThroughNginx(t *testing.T) {
	tests := []struct {
		name        string
		milvus      *rig.SharedMilvus
		upstreamTLS bool
	}{
		{name: "tls mode 0 behind grpc", milvus: plainMilvus},
		{name: "tls mode 1 behind grpcs", milvus: tlsMilvus, upstreamTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := tt.milvus.Get(t)
			front := rig.NewCert(t, serverName)
			nginx := rig.StartNginx(t, rig.NginxOptions{
				CertFile: front.CertFile, KeyFile: front.KeyFile,
				Upstream: backend.Addr, UpstreamTLS: tt.upstreamTLS,
			})

			result := rig.RunPymilvus(t, rig.PymilvusOptions{
				Address: nginx.Addr, ServerName: serverName, ServerPEM: front.CertFile,
			})

			assert.True(t, result.OK, "pymilvus error: %s", result.Error)
			assert.Equal(t, milvusVersion, result.Version)
		})
	}
}

func TestRigPymilvusRejects(t *testing.T) {
	backend := plainMilvus.Get(t)
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{
		CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr,
	})
	// Another self-signed certificate for the same name: what a pin contains
	// after the load balancer's certificate was replaced.
	otherCert := rig.NewCert(t, serverName)

	tests := []struct {
		name       string
		serverName string
		serverPEM  string
	}{
		{name: "wrong server name", serverName: "wrong.example.com", serverPEM: front.CertFile},
		{name: "wrong pinned cert", serverName: serverName, serverPEM: otherCert.CertFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result := rig.RunPymilvus(t, rig.PymilvusOptions{
				Address: nginx.Addr, ServerName: tt.serverName, ServerPEM: tt.serverPEM,
				Timeout: 3 * time.Second,
			})

			require.False(t, result.OK, "pymilvus connected: %+v", result)
			assert.Empty(t, result.Version)
			assert.Equal(t, "MilvusException", result.ErrorType)
			// pymilvus 3.0.2 gives the same text for every connection
			// failure and hides the TLS cause.
			assert.Equal(t, "<MilvusException: (code=2, message=Fail connecting to server on "+
				nginx.Addr+", illegal connection params or server unavailable)>", result.Error)
		})
	}
}

func TestRigMilvusTLSModes(t *testing.T) {
	backendPEM, err := os.ReadFile(tlsMilvus.Options.CertFile)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(backendPEM))
	config := &tls.Config{
		RootCAs: roots, ServerName: "milvus.default.svc.cluster.local", NextProtos: []string{"h2"},
	}

	t.Run("tls mode 1 serves TLS with h2", func(t *testing.T) {
		conn, err := tls.Dial("tcp", tlsMilvus.Get(t).Addr, config)
		require.NoError(t, err)
		defer conn.Close()
		assert.Equal(t, "h2", conn.ConnectionState().NegotiatedProtocol)
	})
	t.Run("tls mode 0 serves plain text", func(t *testing.T) {
		dialer := &tls.Dialer{Config: config, NetDialer: &net.Dialer{Timeout: 5 * time.Second}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := dialer.DialContext(ctx, "tcp", plainMilvus.Get(t).Addr)
		if conn != nil {
			conn.Close()
		}
		// grpc-go sends its HTTP/2 SETTINGS frame first, which is no TLS
		// record.
		var recordErr tls.RecordHeaderError
		require.ErrorAs(t, err, &recordErr)
	})
}
