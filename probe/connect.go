package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"google.golang.org/grpc"
)

// session is the state one run carries from layer to layer: the resolved
// addresses, the connection, the TLS state and the gRPC client built on
// that connection.
type session struct {
	target    Target
	addresses []string
	conn      net.Conn
	// firstBytes records what the server sent first on a plaintext
	// connection, to recognise a TLS or HTTP/1.1 server.
	firstBytes *recordingConn
	tlsState   *tls.ConnectionState
	// alpnRejected is set when the server ended the handshake with the
	// no_application_protocol alert because it does not offer h2.
	alpnRejected bool
	// diagnosticProtocol is the protocol the server selected when offered h2 and
	// http/1.1 on a second, diagnostic handshake.
	diagnosticProtocol *string
	// diagnosticRejected is set when the server ended the diagnostic
	// handshake with the no_application_protocol alert too.
	diagnosticRejected bool
	grpcConn           *grpc.ClientConn
	// milvusPending delivers the milvus check started beside the health
	// check; cancelMilvus stops it when the chain ends first.
	milvusPending <-chan Result
	cancelMilvus  context.CancelFunc
	// healthUnimplemented lets the milvus check run after a warning.
	healthUnimplemented bool
}

func newSession(t Target) *session { return &session{target: t} }

// close releases the connection and the gRPC client; it is safe to call
// more than once.
func (s *session) close() {
	if s.milvusPending != nil {
		s.cancelMilvus()
		<-s.milvusPending
		s.milvusPending = nil
	}
	if s.cancelMilvus != nil {
		s.cancelMilvus()
	}
	if s.grpcConn != nil {
		_ = s.grpcConn.Close()
		s.grpcConn = nil
	}
	if s.conn != nil {
		_ = s.conn.Close()
		s.conn = nil
	}
}

func (s *session) resolve(ctx context.Context) Result {
	host, port := hostPort(s.target.Address)
	ctx, cancel := stage(ctx, s.target.Timeouts.Connect)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return failed(ReasonResolveFailed, "resolve %s: %v", host, err)
	}
	res := passed("%s resolved to %d address(es)", host, len(ips))
	for _, ip := range ips {
		addr := net.JoinHostPort(ip.IP.String(), port)
		s.addresses = append(s.addresses, addr)
		res.Details.Addresses = append(res.Details.Addresses, addr)
	}
	return res
}

func (s *session) connect(ctx context.Context) Result {
	budget := stageBudget(ctx, s.target.Timeouts.Connect)
	ctx, cancel := stage(ctx, s.target.Timeouts.Connect)
	defer cancel()
	if len(s.addresses) == 0 {
		// An IP literal needs no resolve step.
		s.addresses = []string{s.target.Address}
	}
	var dialer net.Dialer
	var lastErr error
	for _, addr := range s.addresses {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			s.conn = conn
			if !s.target.TLS.Enabled {
				s.firstBytes = &recordingConn{Conn: conn}
				s.conn = s.firstBytes
			}
			res := passed("TCP connected to %s", addr)
			res.Details.RemoteAddress = addr
			return res
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return connectFailure(lastErr, s.target.Address, budget)
}

func connectFailure(err error, address string, budget time.Duration) Result {
	switch {
	case errors.Is(err, context.Canceled):
		return failed(ReasonInterrupted, "TCP connect to %s cancelled before it finished", address)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return failed(ReasonConnectTimeout, "TCP connect to %s timed out after %s", address, budget)
	case errors.Is(err, syscall.ECONNREFUSED):
		return failed(ReasonConnectRefused, "TCP connect to %s: connection refused", address)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return failed(ReasonConnectUnreachable, "TCP connect to %s: %v", address, err)
	default:
		return failed(ReasonConnectFailed, "TCP connect to %s: %v", address, err)
	}
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
