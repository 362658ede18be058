// Package testserver starts loopback servers for the tests of the probe,
// the config and the commands. It provides TLS listeners with a chosen
// certificate and ALPN, gRPC servers with the health service and a fake
// MilvusService, a server that never responds, and a /healthz. Every
// server listens on loopback and stops in t.Cleanup.
package testserver

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// ServerName is the host name the test certificates are made for, the
// Ingress host of Milvus's TLS guide.
const ServerName = "my-release.milvus.io"

// ALPN selects the application protocols a TLS listener offers.
type ALPN int

// The ALPN variants of a TLS listener.
const (
	// ALPNH2 offers h2, as a load balancer in front of gRPC must.
	ALPNH2 ALPN = iota
	// ALPNNone sets no NextProtos, so no protocol is selected.
	ALPNNone
	// ALPNNoneFromGetConfig offers h2 in the base config but returns a
	// config without NextProtos from GetConfigForClient, as a server that
	// picks its config per SNI may do.
	ALPNNoneFromGetConfig
	// ALPNHTTP1Only offers only http/1.1. Go's server then ends a
	// handshake that offers only h2 with the no_application_protocol
	// alert.
	ALPNHTTP1Only
	// ALPNOther offers only the made-up protocol "x-other", which no
	// client offers, so Go's server ends every handshake that offers ALPN
	// with the no_application_protocol alert.
	ALPNOther
)

// Cert generates a certificate for req and fails t on error. A zero
// Validity means one day.
func Cert(t testing.TB, req tlsutil.CertRequest) *tlsutil.KeyPair {
	t.Helper()
	if req.Validity == 0 {
		req.Validity = 24 * time.Hour
	}
	if req.KeyType == "" {
		// ECDSA keys are generated in microseconds; RSA 2048 takes tens of
		// milliseconds, which adds up over many tests.
		req.KeyType = tlsutil.KeyECDSAP256
	}
	kp, err := tlsutil.Generate(req)
	require.NoError(t, err, "generate certificate")
	return kp
}

// SelfSigned generates a self-signed certificate with the DNS SANs names
// and the Common Name of the first name.
func SelfSigned(t testing.TB, names ...string) *tlsutil.KeyPair {
	t.Helper()
	req := tlsutil.CertRequest{DNSNames: names}
	if len(names) > 0 {
		req.CommonName = names[0]
	}
	return Cert(t, req)
}

// WriteFile writes data to a new file in t's temporary folder and returns
// its path.
func WriteFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// TLSListener is a TLS listener on 127.0.0.1 whose certificate can be
// replaced while it runs.
type TLSListener struct {
	net.Listener
	cert atomic.Pointer[tls.Certificate]
}

// ListenTLS starts a TLS listener on 127.0.0.1:0 that serves kp with the
// ALPN variant alpn. The listener is closed in t.Cleanup.
func ListenTLS(t testing.TB, kp *tlsutil.KeyPair, alpn ALPN) *TLSListener {
	t.Helper()
	return ListenTLSOn(t, "127.0.0.1:0", kp, alpn)
}

// ListenTLSOn is ListenTLS on a chosen loopback address, such as
// "[::1]:0".
func ListenTLSOn(t testing.TB, address string, kp *tlsutil.KeyPair, alpn ALPN) *TLSListener {
	t.Helper()
	raw, err := net.Listen("tcp", address)
	require.NoError(t, err, "listen on %s", address)
	t.Cleanup(func() { _ = raw.Close() })
	l := &TLSListener{}
	l.SetCertificate(t, kp)
	l.Listener = tls.NewListener(raw, l.config(alpn))
	return l
}

// SetCertificate makes the listener serve kp from the next handshake on,
// as a server restarted with a new certificate does.
func (l *TLSListener) SetCertificate(t testing.TB, kp *tlsutil.KeyPair) {
	t.Helper()
	cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	require.NoError(t, err, "load generated key pair")
	l.cert.Store(&cert)
}

func (l *TLSListener) config(alpn ALPN) *tls.Config {
	getCert := func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return l.cert.Load(), nil }
	cfg := &tls.Config{GetCertificate: getCert, MinVersion: tls.VersionTLS12}
	switch alpn {
	case ALPNH2:
		cfg.NextProtos = []string{"h2"}
	case ALPNHTTP1Only:
		cfg.NextProtos = []string{"http/1.1"}
	case ALPNOther:
		cfg.NextProtos = []string{"x-other"}
	case ALPNNoneFromGetConfig:
		cfg.NextProtos = []string{"h2"}
		cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return &tls.Config{GetCertificate: getCert, MinVersion: tls.VersionTLS12}, nil
		}
	}
	return cfg
}

// Listen starts a TCP listener on 127.0.0.1:0, closed in t.Cleanup.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listen on 127.0.0.1")
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// ClosedPort returns an address on 127.0.0.1 where nothing listens: it
// listens on a free port and closes it at once.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listen on 127.0.0.1")
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
