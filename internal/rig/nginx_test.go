package rig

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNginxHTTP1OnlyNegotiatesHTTP1(t *testing.T) {
	cert := NewCert(t, "my-release.milvus.io")
	nginx := StartNginx(t, NginxOptions{CertFile: cert.CertFile, KeyFile: cert.KeyFile, HTTP1Only: true})

	conn, err := tls.Dial("tcp", nginx.Addr, clientTLS(cert, "h2", "http/1.1"))
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, "http/1.1", conn.ConnectionState().NegotiatedProtocol)

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(cert, "http/1.1")}}
	resp, err := client.Get("https://" + nginx.Addr + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "HTTP/1.1", resp.Proto)
	assert.Equal(t, "nginx serves HTTP/1.1 only here\n", string(body))
}

func TestNginxGRPCPassClosedUpstream(t *testing.T) {
	cert := NewCert(t, "my-release.milvus.io")
	closed, err := FreePort()
	require.NoError(t, err)
	nginx := StartNginx(t, NginxOptions{
		CertFile: cert.CertFile, KeyFile: cert.KeyFile,
		Upstream:           net.JoinHostPort("127.0.0.1", strconv.Itoa(closed)),
		LocationDirectives: "grpc_connect_timeout 2s;",
	})

	conn, err := tls.Dial("tcp", nginx.Addr, clientTLS(cert, "h2"))
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, "h2", conn.ConnectionState().NegotiatedProtocol)

	protocols := new(http.Protocols)
	protocols.SetHTTP2(true)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(cert), Protocols: protocols}}
	resp, err := client.Post("https://"+nginx.Addr+"/grpc.health.v1.Health/Check", "application/grpc", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "HTTP/2.0", resp.Proto)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
}

// clientTLS trusts only cert, as a pinned certificate does.
func clientTLS(cert CertFiles, protocols ...string) *tls.Config {
	roots := x509.NewCertPool()
	roots.AddCert(cert.Pair.Cert)
	return &tls.Config{RootCAs: roots, ServerName: "my-release.milvus.io", NextProtos: protocols}
}
