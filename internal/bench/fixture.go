// Package bench measures milvus-l7-probe against what operators would run
// instead, on a loopback rig: nginx (TLS, HTTP/2, grpc_pass) in front of a
// small Go gRPC server with the grpc.health.v1 service and a minimal
// MilvusService, plus a plain-HTTP /healthz, so every check of the probe
// runs.
package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
)

// ServerName is the TLS server name of the rig's certificate.
const ServerName = "my-release.milvus.io"

// workerConnections lets nginx hold a burst of the daemon's 1,000 targets
// probing at once, each with a client and an upstream connection.
const workerConnections = 8192

// Fixture is a running rig: nginx on Addr, the gRPC server behind it, and
// the /healthz server.
type Fixture struct {
	// Addr is nginx's TLS listener, 127.0.0.1:PORT.
	Addr string
	// CertFile is the PEM certificate nginx serves, valid for ServerName.
	CertFile string
	// HealthzURL is the plain-HTTP /healthz of the fake Milvus.
	HealthzURL string

	grpcServer *grpc.Server
	httpServer *http.Server
	nginx      *rig.Nginx
}

// fakeMilvus answers CheckHealth and GetVersion as a healthy Milvus does.
type fakeMilvus struct {
	milvuspb.UnimplementedMilvusServiceServer
}

func (fakeMilvus) CheckHealth(context.Context, *milvuspb.CheckHealthRequest) (*milvuspb.CheckHealthResponse, error) {
	return &milvuspb.CheckHealthResponse{Status: &commonpb.Status{}, IsHealthy: true}, nil
}

func (fakeMilvus) GetVersion(context.Context, *milvuspb.GetVersionRequest) (*milvuspb.GetVersionResponse, error) {
	return &milvuspb.GetVersionResponse{Status: &commonpb.Status{}, Version: "v2.6.6"}, nil
}

// StartFixture starts the gRPC server (plaintext HTTP/2, as nginx's
// grpc_pass speaks to it), the /healthz server and nginx with its prefix
// and certificate in dir. Stop stops all three.
func StartFixture(ctx context.Context, dir string) (*Fixture, error) {
	f := &Fixture{}
	grpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start gRPC server: %w", err)
	}
	f.grpcServer = grpc.NewServer()
	healthpb.RegisterHealthServer(f.grpcServer, health.NewServer())
	milvuspb.RegisterMilvusServiceServer(f.grpcServer, fakeMilvus{})
	go func() { _ = f.grpcServer.Serve(grpcLn) }()

	if err := f.startHealthz(); err != nil {
		f.grpcServer.Stop()
		return nil, err
	}

	cert, err := rig.WriteCert(dir, ServerName)
	if err == nil {
		f.CertFile = cert.CertFile
		f.nginx, err = rig.LaunchNginx(ctx, filepath.Join(dir, "nginx"), rig.NginxOptions{
			CertFile: cert.CertFile, KeyFile: cert.KeyFile, Upstream: grpcLn.Addr().String(),
			// Debian's nginx 1.22 offers TLS 1.2 at most unless told; the
			// Google load balancer offers 1.3.
			ServerDirectives:  "ssl_protocols TLSv1.2 TLSv1.3;",
			WorkerConnections: workerConnections,
		})
	}
	if err != nil {
		return nil, errors.Join(err, f.Stop())
	}
	f.Addr = f.nginx.Addr
	return f, nil
}

func (f *Fixture) startHealthz() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start /healthz server: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("OK"))
	})
	f.httpServer = &http.Server{Handler: mux}
	go func() { _ = f.httpServer.Serve(ln) }()
	f.HealthzURL = "http://" + ln.Addr().String() + "/healthz"
	return nil
}

// Stop stops nginx and both servers.
func (f *Fixture) Stop() error {
	var errs []error
	if f.nginx != nil {
		errs = append(errs, f.nginx.Stop())
	}
	if f.httpServer != nil {
		errs = append(errs, f.httpServer.Close())
	}
	if f.grpcServer != nil {
		f.grpcServer.Stop()
	}
	return errors.Join(errs...)
}
