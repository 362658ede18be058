package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// alpnH2 is the only protocol offered on the gRPC path: a load balancer
// that would pick HTTP/1.1 must fail the alpn check, not pass by accident.
const alpnH2 = "h2"

func (s *session) handshake(ctx context.Context) Result {
	state, err := s.tlsHandshake(ctx, s.conn, []string{alpnH2})
	if isNoALPNAlert(err) {
		s.alpnRejected = true
		state, err = s.diagnosticHandshake(ctx)
	}
	if err != nil {
		return s.handshakeFailure(ctx, err)
	}
	s.tlsState = state
	return s.verifyPeer(state)
}

// tlsHandshake runs a handshake on conn with the target's server name. It
// does not verify the chain: verifyPeer does that after the handshake, so
// the certificate details are reported even when verification fails. No
// request is sent on a connection that failed verification.
func (s *session) tlsHandshake(ctx context.Context, conn net.Conn, protos []string) (*tls.ConnectionState, error) {
	ctx, cancel := stage(ctx, s.target.Timeouts.TLS)
	defer cancel()
	client := tls.Client(conn, &tls.Config{
		ServerName:         s.serverName(),
		NextProtos:         protos,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verifyPeer verifies the chain after the handshake.
	})
	if err := client.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	s.conn = client
	state := client.ConnectionState()
	return &state, nil
}

// diagnosticHandshake opens a second connection offering h2 and http/1.1,
// only to learn which protocol the server speaks. It never carries a
// request and is closed at once.
func (s *session) diagnosticHandshake(ctx context.Context) (*tls.ConnectionState, error) {
	state, err := s.redialHandshake(ctx, []string{alpnH2, "http/1.1"})
	if isNoALPNAlert(err) {
		// The server offers neither h2 nor http/1.1. A handshake without
		// ALPN still shows its certificate, and the alpn check reports
		// the rejection.
		s.diagnosticRejected = true
		state, err = s.redialHandshake(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	protocol := state.NegotiatedProtocol
	s.diagnosticProtocol = &protocol
	return state, nil
}

// redialHandshake closes the current connection and runs a TLS handshake
// offering protos on a new connection to the same address.
func (s *session) redialHandshake(ctx context.Context, protos []string) (*tls.ConnectionState, error) {
	_ = s.conn.Close()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", s.conn.RemoteAddr().String())
	if err != nil {
		return nil, err
	}
	state, err := s.tlsHandshake(ctx, conn, protos)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return state, nil
}

func (s *session) serverName() string {
	if s.target.ServerName != "" {
		return s.target.ServerName
	}
	host, _ := hostPort(s.target.Address)
	return host
}

func isNoALPNAlert(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no application protocol")
}

func (s *session) handshakeFailure(ctx context.Context, err error) Result {
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return failed(ReasonInterrupted, "TLS handshake with %s cancelled before it finished", s.serverName())
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return failed(ReasonTLSTimeout, "TLS handshake with %s timed out: the server accepted TCP "+
			"but did not complete the handshake", s.serverName())
	case errors.As(err, &recordErr):
		return failed(ReasonServerNotTLS, "the server answered the TLS ClientHello with non-TLS bytes "+
			"(%q): this port does not speak TLS", string(recordErr.RecordHeader[:]))
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF):
		return failed(ReasonServerNotTLS, "the server closed the connection during the TLS handshake "+
			"(%v): the port may not speak TLS, or rejects the server name %s", err, s.serverName())
	default:
		return failed(ReasonTLSHandshakeFailed, "TLS handshake with server name %s: %v", s.serverName(), err)
	}
}

// verifyPeer checks the presented chain against the target's trust and
// fills in the certificate details, which are reported whether or not the
// chain is trusted.
func (s *session) verifyPeer(state *tls.ConnectionState) Result {
	trust := s.target.TLS.Trust
	details := tlsDetails(state, trust.Mode())
	now := time.Now()
	verification, err := trust.Verify(state.PeerCertificates, s.serverName(), now)
	verified := err == nil && verification.Verified
	details.Verified = &verified

	res := s.classifyVerification(verification, err, state.PeerCertificates, now)
	res.Details = details
	return res
}

func (s *session) classifyVerification(v tlsutil.Verification, err error, chain []*x509.Certificate, now time.Time) Result {
	if err != nil {
		return verifyFailure(err, s.target.TLS.Trust.Mode())
	}
	leaf := chain[0]
	if left := leaf.NotAfter.Sub(now); s.target.TLS.MinCertValidity > 0 && left < s.target.TLS.MinCertValidity {
		return failed(ReasonTLSExpiringSoon, "certificate expires at %s, in %s, sooner than the minimum of %s",
			leaf.NotAfter.UTC().Format(time.RFC3339), left.Round(time.Minute), s.target.TLS.MinCertValidity)
	}
	summary := fmt.Sprintf("%s, %s, certificate for %s expires %s",
		tls.VersionName(s.tlsState.Version), tls.CipherSuiteName(s.tlsState.CipherSuite),
		strings.Join(tlsutil.CertNames(leaf), ", "), leaf.NotAfter.UTC().Format("2006-01-02"))
	switch {
	case !v.Verified:
		return warned(ReasonTLSVerifySkipped, "certificate NOT verified: verification is turned off; %s", summary)
	case v.CommonNameMatch:
		return warned(ReasonCertNoSAN, "pinned certificate matched on its Common Name %s because it has "+
			"no Subject Alternative Name; Go clients and browsers reject such a certificate; %s",
			leaf.Subject.CommonName, summary)
	default:
		return passed("trusted by %s; %s", s.target.TLS.Trust.Mode(), summary)
	}
}

func verifyFailure(err error, mode tlsutil.TrustMode) Result {
	var (
		nameErr     *tlsutil.NameMismatchError
		noSANErr    *tlsutil.NoSANError
		untrusted   *tlsutil.UntrustedError
		pinErr      *tlsutil.PinMismatchError
		validityErr *tlsutil.ValidityError
	)
	switch {
	case errors.As(err, &nameErr):
		return failed(ReasonTLSNameMismatch, "%v", err)
	case errors.As(err, &noSANErr):
		return failed(ReasonCertNoSAN, "%v", err)
	case errors.As(err, &untrusted) && untrusted.SelfSigned:
		return failed(ReasonTLSUntrusted, "%v (trust: %s); pin it with --server-pem FILE", err, mode)
	case errors.As(err, &untrusted):
		return failed(ReasonTLSUntrusted, "%v (trust: %s)", err, mode)
	case errors.As(err, &pinErr):
		return failed(ReasonTLSPinMismatch, "%v", err)
	case errors.As(err, &validityErr) && validityErr.NotYetValid:
		return failed(ReasonTLSNotYetValid, "%v", err)
	case errors.As(err, &validityErr):
		return failed(ReasonTLSExpired, "%v", err)
	default:
		return failed(ReasonTLSInvalid, "certificate verification failed: %v", err)
	}
}

func tlsDetails(state *tls.ConnectionState, mode tlsutil.TrustMode) Details {
	d := Details{
		TLSVersion:         tls.VersionName(state.Version),
		CipherSuite:        tls.CipherSuiteName(state.CipherSuite),
		NegotiatedProtocol: state.NegotiatedProtocol,
		TrustMode:          string(mode),
		ChainLength:        len(state.PeerCertificates),
	}
	if len(state.PeerCertificates) == 0 {
		return d
	}
	leaf := state.PeerCertificates[0]
	d.PeerSubject = leaf.Subject.String()
	d.PeerIssuer = leaf.Issuer.String()
	d.DNSNames = leaf.DNSNames
	for _, ip := range leaf.IPAddresses {
		d.IPAddresses = append(d.IPAddresses, ip.String())
	}
	d.FingerprintSHA256 = tlsutil.Fingerprint(leaf)
	d.SPKIPin = tlsutil.SPKIPin(leaf)
	notAfter := leaf.NotAfter.UTC()
	d.NotAfter = &notAfter
	earliest := notAfter
	for _, cert := range state.PeerCertificates[1:] {
		if cert.NotAfter.Before(earliest) {
			earliest = cert.NotAfter.UTC()
		}
	}
	d.EarliestExpiry = &earliest
	return d
}
