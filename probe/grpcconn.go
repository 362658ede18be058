package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// errConnectionUsed is the error the gRPC client gets if it tries to
// reconnect. One run uses one connection, so a probe never hides a broken connection
// behind a fresh one.
var errConnectionUsed = errors.New("the probe's connection was closed and is not redialed within one run")

// UserAgent is sent on every gRPC call; main sets the version in it.
var UserAgent = "milvus-l7-probe"

// rpcClient returns the gRPC client for the run, built once on the
// connection the earlier layers opened and checked.
func (s *session) rpcClient() (*grpc.ClientConn, error) {
	if s.grpcConn != nil {
		return s.grpcConn, nil
	}
	conn := s.conn
	var once sync.Once
	dial := func(context.Context, string) (net.Conn, error) {
		var out net.Conn
		once.Do(func() { out = conn })
		if out == nil {
			return nil, errConnectionUsed
		}
		return out, nil
	}
	creds := insecure.NewCredentials()
	if s.tlsState != nil {
		creds = establishedTLS{state: *s.tlsState}
	}
	cc, err := grpc.NewClient("passthrough:///"+s.target.Address,
		grpc.WithContextDialer(dial),
		grpc.WithTransportCredentials(creds),
		grpc.WithAuthority(s.serverName()),
		grpc.WithUserAgent(UserAgent),
		grpc.WithDisableRetry(),
	)
	if err != nil {
		return nil, err
	}
	// The gRPC client owns the connection now and closes it.
	s.conn = nil
	s.grpcConn = cc
	return cc, nil
}

// establishedTLS hands gRPC a connection whose TLS handshake, ALPN and
// verification the tls and alpn checks already did. It adds no handshake
// of its own.
type establishedTLS struct {
	state tls.ConnectionState
}

func (c establishedTLS) ClientHandshake(_ context.Context, _ string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	info := credentials.TLSInfo{
		State:          c.state,
		CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity},
	}
	return conn, info, nil
}

func (c establishedTLS) ServerHandshake(net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("establishedTLS is a client-side credential")
}

func (c establishedTLS) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls"}
}

func (c establishedTLS) Clone() credentials.TransportCredentials { return c }

func (c establishedTLS) OverrideServerName(string) error { return nil }
