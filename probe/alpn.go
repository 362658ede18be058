package probe

import "context"

func (s *session) checkALPN(ctx context.Context) Result {
	protocol := s.tlsState.NegotiatedProtocol
	if s.alpnRejected {
		protocol = ""
	}
	if protocol == "" && s.diagnosticProtocol == nil {
		// Learn whether the server speaks HTTP/1.1, so the reason names
		// the fix. A failed diagnostic handshake leaves the verdict
		// alpn_none.
		_, _ = s.diagnosticHandshake(ctx)
	}
	res := s.alpnResult(protocol)
	res.Details.NegotiatedProtocol = protocol
	return res
}

func (s *session) alpnResult(protocol string) Result {
	switch {
	case protocol == alpnH2:
		return passed("ALPN selected h2")
	case protocol == "http/1.1":
		return failed(ReasonALPNHTTP1, "ALPN selected http/1.1: the listener speaks HTTP/1.1, "+
			"and a gRPC call over it is not proof")
	case protocol != "":
		return failed(ReasonALPNOther, "ALPN selected %q, not h2", protocol)
	}
	offered := "the server selected no application protocol when offered h2"
	if s.alpnRejected {
		offered = "the server ended the handshake with the no_application_protocol alert when offered only h2"
	}
	if s.diagnosticProtocol != nil && *s.diagnosticProtocol == "http/1.1" {
		return failed(ReasonALPNHTTP1, "%s; offered h2 and http/1.1 it selected http/1.1: "+
			"the listener speaks only HTTP/1.1", offered)
	}
	if s.diagnosticRejected {
		return failed(ReasonALPNOther, "%s; offered h2 and http/1.1 it ended the handshake the same way: "+
			"the server offers neither", offered)
	}
	if s.diagnosticProtocol != nil && *s.diagnosticProtocol != "" {
		return failed(ReasonALPNOther, "%s; offered h2 and http/1.1 it selected %q", offered, *s.diagnosticProtocol)
	}
	return failed(ReasonALPNNone, "%s; gRPC clients (grpc-go since 1.67) refuse such a connection "+
		"with \"missing selected ALPN property\"", offered)
}
