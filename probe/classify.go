package probe

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// lbStatusPattern matches grpc-go's text for a reply that was HTTP, not
// gRPC: "unexpected HTTP status code received from server: 502 (Bad
// Gateway); transport: received unexpected content-type "text/html"" (seen
// with grpc-go 1.85). A load balancer or proxy sent that reply itself.
var (
	lbStatusPattern      = regexp.MustCompile(`unexpected HTTP status code received from server: (\d{3})`)
	lbContentTypePattern = regexp.MustCompile(`content-type "([^"]*)"`)
)

// rpcFailure maps an error of a gRPC call to a failed result. what names
// the call in the message, such as "grpc.health.v1.Health/Check".
func (s *session) rpcFailure(ctx context.Context, what string, err error) Result {
	st := status.Convert(err)
	desc := st.Message()
	if m := lbStatusPattern.FindStringSubmatch(desc); m != nil {
		return lbFailure(what, m[1], desc)
	}
	if res, ok := s.plaintextMismatch(what, st); ok {
		return res
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		if ctx.Err() != nil || deadlineReached(ctx) {
			return failed(ReasonRPCTimeout, "%s timed out: no reply within %s", what, s.rpcTimeoutText())
		}
		return failed(ReasonRPCTimeout, "%s timed out: %s", what, desc)
	case codes.Canceled:
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return failed(ReasonInterrupted, "%s cancelled before it finished: %s", what, desc)
		}
	case codes.Unauthenticated:
		return failed(ReasonAuthRequired, "%s: Milvus requires authentication: %s", what, desc)
	case codes.PermissionDenied:
		return failed(ReasonPermissionDenied, "%s: permission denied: %s", what, desc)
	case codes.ResourceExhausted:
		if strings.Contains(desc, "larger than max") {
			return failed(ReasonMessageTooLarge, "%s: %s", what, desc)
		}
	case codes.Unavailable:
		return unavailableFailure(what, desc)
	}
	return failed(ReasonUnknown, "%s failed: code %s: %s", what, st.Code(), desc)
}

// rpcTimeoutText names the deadline an RPC had, for timeout messages.
func (s *session) rpcTimeoutText() string {
	if s.target.Timeouts.RPC > 0 {
		return "the RPC timeout of " + s.target.Timeouts.RPC.String()
	}
	return "what was left of the run timeout of " + s.target.Timeouts.Total.String()
}

func lbFailure(what, code, desc string) Result {
	statusCode, _ := strconv.Atoi(code)
	contentType := ""
	if m := lbContentTypePattern.FindStringSubmatch(desc); m != nil {
		contentType = m[1]
	}
	shown := contentType
	if shown == "" {
		shown = "none"
	}
	res := failed(ReasonLBError, "%s: the load balancer answered HTTP %d with content type %s "+
		"instead of gRPC, so Milvus was not reached (%s)", what, statusCode, shown, desc)
	res.Details.HTTPStatusCode = statusCode
	res.Details.ContentType = contentType
	if statusCode == http.StatusRequestEntityTooLarge {
		res.Hint = "the load balancer or proxy rejected the request body as too large: " +
			"raise its body limit (nginx: client_max_body_size)"
	}
	return res
}

func unavailableFailure(what, desc string) Result {
	switch {
	case strings.Contains(desc, "not ready"):
		return failed(ReasonMilvusStarting, "%s: Milvus is not ready yet: %s", what, desc)
	case strings.Contains(desc, "EOF") || strings.Contains(desc, "connection reset") ||
		strings.Contains(desc, "broken pipe") || strings.Contains(desc, "server preface") ||
		strings.Contains(desc, "closed"):
		return failed(ReasonConnectionClosed, "%s: the connection closed: %s", what, desc)
	default:
		return failed(ReasonUnknown, "%s failed: code Unavailable: %s", what, desc)
	}
}

// plaintextMismatch recognises a plaintext HTTP/2 client talking to a TLS
// port. nginx responds to the HTTP/2 preface with a cleartext "HTTP/1.1 400",
// whose first bytes read as an HTTP/2 frame header of 4,740,180 bytes, so
// grpc-go reports "frame too large"; a Go TLS listener closes at once.
func (s *session) plaintextMismatch(what string, st *status.Status) (Result, bool) {
	if s.firstBytes == nil {
		return Result{}, false
	}
	first := s.firstBytes.recorded()
	switch {
	case bytes.HasPrefix(first, []byte("HTTP/")):
		line, _, _ := bytes.Cut(first, []byte("\r\n"))
		return failed(ReasonTLSRequired, "%s: the server answered the plaintext HTTP/2 preface with %q: "+
			"it expects TLS (or HTTP/1.1)", what, string(line)), true
	case isText(first):
		return failed(ReasonALPNHTTP1, "%s: the server answered the plaintext HTTP/2 preface with text "+
			"(%q): it speaks HTTP/1, not HTTP/2", what, string(first[:min(len(first), 40)])), true
	case len(first) >= 3 && first[0] == 0x15 && first[1] == 0x03:
		return failed(ReasonTLSRequired, "%s: the server answered with a TLS alert record: it expects TLS", what), true
	case len(first) == 0 && st.Code() == codes.Unavailable:
		return failed(ReasonTLSRequired, "%s: the server closed the connection without sending a byte "+
			"after the plaintext HTTP/2 preface: it probably expects TLS (%s)", what, st.Message()), true
	}
	return Result{}, false
}

// deadlineSlack covers the time between the server's end of a call, which
// it computes from the grpc-timeout header, and the client's own timer.
const deadlineSlack = 100 * time.Millisecond

// deadlineReached reports whether ctx's deadline has passed or is within
// deadlineSlack, so a DEADLINE_EXCEEDED that the server sent because of
// the probe's own timeout reads as that timeout.
func deadlineReached(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < deadlineSlack
}

// isText reports whether a reply starts with printable ASCII, as an HTTP/1
// or HTTP/0.9 error page does. Python's http.server responds to the
// HTTP/2 preface with a bare HTML page and no status line.
func isText(reply []byte) bool {
	if len(reply) < 8 {
		return false
	}
	for _, c := range reply[:8] {
		if (c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}
