package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// serverName is the TLS server name of the test gRPC server.
const serverName = "my-release.milvus.io"

// syncBuffer is a bytes.Buffer safe for the daemon's concurrent logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort returns a port on 127.0.0.1 that was free a moment ago, for
// programs that take a port rather than a listener.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startRun runs the run command in-process with args until the test ends
// and returns the daemon's base URL once /healthz returns 200.
func startRun(t *testing.T, args ...string) string {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	logs := &syncBuffer{}
	root := newRootCommand(streams{In: bytes.NewReader(nil), Out: io.Discard, Err: logs})
	root.SetArgs(append([]string{"run", "--web.listen-address", addr}, args...))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done, "run command; logs:\n%s", logs)
	})

	url := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "daemon /healthz; logs:\n%s", logs)
	return url
}

// fakeMilvus returns what a healthy Milvus returns for CheckHealth and
// GetVersion.
type fakeMilvus struct {
	milvuspb.UnimplementedMilvusServiceServer
}

func (fakeMilvus) CheckHealth(context.Context, *milvuspb.CheckHealthRequest) (*milvuspb.CheckHealthResponse, error) {
	return &milvuspb.CheckHealthResponse{Status: &commonpb.Status{}, IsHealthy: true}, nil
}

func (fakeMilvus) GetVersion(context.Context, *milvuspb.GetVersionRequest) (*milvuspb.GetVersionResponse, error) {
	return &milvuspb.GetVersionResponse{Status: &commonpb.Status{}, Version: "v2.6.6"}, nil
}

// grpcTarget is an in-process gRPC server with TLS (ALPN h2), the grpc-go
// health service and a fake MilvusService, on 127.0.0.1.
type grpcTarget struct {
	address string
	certPEM string // path of the server certificate, to pin
	health  *health.Server
}

func startGRPCTarget(t *testing.T) *grpcTarget {
	t.Helper()
	pair, err := tlsutil.Generate(tlsutil.CertRequest{
		CommonName: serverName, DNSNames: []string{serverName},
		KeyType: tlsutil.KeyECDSAP256, Validity: 24 * time.Hour,
	})
	require.NoError(t, err)
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	require.NoError(t, err)
	certPath := filepath.Join(t.TempDir(), "tls.crt")
	require.NoError(t, os.WriteFile(certPath, pair.CertPEM, 0o600))

	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	milvuspb.RegisterMilvusServiceServer(srv, fakeMilvus{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return &grpcTarget{address: ln.Addr().String(), certPEM: certPath, health: hs}
}

// writeConfig writes body as config.yaml in a new directory and returns
// the directory.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(body), 0o600))
	return dir
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}
