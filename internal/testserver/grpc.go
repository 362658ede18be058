package testserver

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// GRPCOptions choose the services of a gRPC test server.
type GRPCOptions struct {
	// NoHealth leaves out the grpc.health.v1 service.
	NoHealth bool
	// Milvus is registered as the MilvusService when not nil, usually a
	// *FakeMilvus.
	Milvus milvuspb.MilvusServiceServer
	// Authorization, when set, is required on every call of every
	// service, the health service included, as Milvus with authorization
	// on requires it: the base64 of "user:password".
	Authorization string
}

// GRPC is a running gRPC test server.
type GRPC struct {
	// Addr is the address the server listens on.
	Addr string
	// Health is the health service, nil when left out. The empty service
	// name starts as SERVING.
	Health *health.Server
}

// ServeGRPC serves gRPC on l until t ends. l decides the transport: a
// TLSListener makes a TLS server, a plain listener a plaintext one. The
// server does no TLS of its own, so the listener's ALPN decides the
// negotiated protocol.
func ServeGRPC(t testing.TB, l net.Listener, opts GRPCOptions) *GRPC {
	t.Helper()
	var serverOpts []grpc.ServerOption
	if opts.Authorization != "" {
		serverOpts = append(serverOpts, grpc.UnaryInterceptor(requireAuthorization(opts.Authorization)))
	}
	srv := grpc.NewServer(serverOpts...)
	g := &GRPC{Addr: l.Addr().String()}
	if !opts.NoHealth {
		g.Health = health.NewServer()
		healthpb.RegisterHealthServer(srv, g.Health)
	}
	if opts.Milvus != nil {
		milvuspb.RegisterMilvusServiceServer(srv, opts.Milvus)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return g
}

// SetServing sets the serving status of service on the health server.
func (g *GRPC) SetServing(service string, st healthpb.HealthCheckResponse_ServingStatus) {
	g.Health.SetServingStatus(service, st)
}

// FakeMilvus implements CheckHealth and GetVersion of the MilvusService
// with settable responses. The zero value is not ready: use NewFakeMilvus.
type FakeMilvus struct {
	milvuspb.UnimplementedMilvusServiceServer

	mu sync.Mutex
	// The fields below are guarded by mu.
	healthy       bool
	reasons       []string
	status        *commonpb.Status
	rpcErr        error
	version       string
	authorization string
	block         bool
}

// NewFakeMilvus returns a healthy Milvus of version v2.6.6 that needs no
// credentials.
func NewFakeMilvus() *FakeMilvus {
	return &FakeMilvus{healthy: true, version: "v2.6.6"}
}

// SetHealth sets the isHealthy and reasons that CheckHealth returns.
func (m *FakeMilvus) SetHealth(healthy bool, reasons ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.healthy, m.reasons = healthy, reasons
}

// SetStatus sets the Milvus status carried in every successful reply; nil
// means success.
func (m *FakeMilvus) SetStatus(st *commonpb.Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status = st
}

// SetError makes every call fail with err, a gRPC status error.
func (m *FakeMilvus) SetError(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rpcErr = err
}

// RequireAuthorization makes every call require the authorization
// metadata value, the base64 of "user:password" as Milvus expects it. A
// call without it fails as Milvus fails it: UNAUTHENTICATED "missing
// authorization in header".
func (m *FakeMilvus) RequireAuthorization(value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.authorization = value
}

// Block makes every call wait until its context ends, as a Milvus that
// accepted the call and never responds.
func (m *FakeMilvus) Block() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.block = true
}

// CheckHealth returns the configured health.
func (m *FakeMilvus) CheckHealth(ctx context.Context, _ *milvuspb.CheckHealthRequest) (*milvuspb.CheckHealthResponse, error) {
	if err := m.wait(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkCallLocked(ctx); err != nil {
		return nil, err
	}
	return &milvuspb.CheckHealthResponse{Status: m.status, IsHealthy: m.healthy, Reasons: m.reasons}, nil
}

// GetVersion returns the configured version.
func (m *FakeMilvus) GetVersion(ctx context.Context, _ *milvuspb.GetVersionRequest) (*milvuspb.GetVersionResponse, error) {
	if err := m.wait(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkCallLocked(ctx); err != nil {
		return nil, err
	}
	return &milvuspb.GetVersionResponse{Status: m.status, Version: m.version}, nil
}

// wait blocks until ctx ends when Block was called.
func (m *FakeMilvus) wait(ctx context.Context) error {
	m.mu.Lock()
	block := m.block
	m.mu.Unlock()
	if !block {
		return nil
	}
	<-ctx.Done()
	return status.FromContextError(ctx.Err()).Err()
}

func (m *FakeMilvus) checkCallLocked(ctx context.Context) error {
	if m.rpcErr != nil {
		return m.rpcErr
	}
	if m.authorization == "" {
		return nil
	}
	return checkAuthorization(ctx, m.authorization)
}

// requireAuthorization returns an interceptor that rejects every call
// without the authorization metadata value.
func requireAuthorization(value string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := checkAuthorization(ctx, value); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// checkAuthorization fails with UNAUTHENTICATED when the authorization
// metadata is missing ("missing authorization in header", the proxy's
// text) or is not value.
func checkAuthorization(ctx context.Context, value string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get("authorization")
	if len(values) == 0 {
		return status.Error(codes.Unauthenticated, "missing authorization in header")
	}
	if values[0] != value {
		return status.Error(codes.Unauthenticated, "auth check failure, please check username and password are correct")
	}
	return nil
}
