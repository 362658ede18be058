package probe

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// declaredReasons parses reason.go and returns every Reason constant, so
// a reason added without a hint or exit code fails this test.
func declaredReasons(t *testing.T) map[string]Reason {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "reason.go", nil, 0)
	require.NoError(t, err)
	reasons := map[string]Reason{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || spec.Type == nil || len(spec.Values) != 1 {
			return true
		}
		if ident, ok := spec.Type.(*ast.Ident); ok && ident.Name == "Reason" {
			lit := spec.Values[0].(*ast.BasicLit)
			reasons[spec.Names[0].Name] = Reason(lit.Value[1 : len(lit.Value)-1])
		}
		return true
	})
	require.NotEmpty(t, reasons)
	return reasons
}

func TestEveryReasonHasHint(t *testing.T) {
	for name, reason := range declaredReasons(t) {
		assert.NotEmpty(t, Hint(reason), "%s (%s) has no hint", name, reason)
	}
}

func TestEveryReasonHasExitCode(t *testing.T) {
	for name, reason := range declaredReasons(t) {
		for _, check := range AllChecks {
			code := ExitCode(Result{Name: check, Reason: reason})
			assert.NotZero(t, code, "%s on %s", name, check)
		}
	}
}

// TestRPCErrorMapping lists the gRPC error texts the probe maps, as grpc-go
// 1.85 and Milvus 2.3 produce them. A text that a new grpc-go changes falls
// through to unknown in the live tests; this list documents the mapping.
func TestRPCErrorMapping(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		first  string
		reason Reason
	}{
		{"502 from load balancer", status.Error(codes.Unavailable,
			`unexpected HTTP status code received from server: 502 (Bad Gateway); `+
				`transport: received unexpected content-type "text/html"`), "", ReasonLBError},
		{"404 mapped to unimplemented", status.Error(codes.Unimplemented,
			`unexpected HTTP status code received from server: 404 (Not Found); `+
				`transport: received unexpected content-type "text/html"`), "", ReasonLBError},
		{"413 from proxy body limit", status.Error(codes.Internal,
			`unexpected HTTP status code received from server: 413 (Request Entity Too Large)`), "", ReasonLBError},
		{"deadline", status.Error(codes.DeadlineExceeded, "context deadline exceeded"), "", ReasonRPCTimeout},
		{"missing authorization", status.Error(codes.Unauthenticated, "missing authorization in header"), "", ReasonAuthRequired},
		{"permission", status.Error(codes.PermissionDenied, "no privilege"), "", ReasonPermissionDenied},
		{"reply too large", status.Error(codes.ResourceExhausted,
			"grpc: received message larger than max (5000000 vs. 4194304)"), "", ReasonMessageTooLarge},
		{"proxy not ready", status.Error(codes.Unavailable, "Milvus Proxy is not ready yet. please wait"), "", ReasonMilvusStarting},
		{"connection closed", status.Error(codes.Unavailable,
			`connection error: desc = "error reading server preface: EOF"`), "", ReasonConnectionClosed},
		{"plaintext to nginx TLS port", status.Error(codes.Unavailable,
			`connection error: desc = "error reading server preface: http2: frame too large"`),
			"HTTP/1.1 400 Bad Request\r\n", ReasonTLSRequired},
		{"plaintext to Go TLS listener", status.Error(codes.Unavailable,
			`connection error: desc = "error reading server preface: EOF"`), "\x00", ReasonTLSRequired},
		{"plaintext to an HTTP/1 server", status.Error(codes.Unavailable,
			`connection error: desc = "error reading server preface: http2: frame too large"`),
			"<!DOCTYPE HTML>\n<html lang=\"en\">", ReasonALPNHTTP1},
		{"unmapped", status.Error(codes.DataLoss, "something new"), "", ReasonUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &session{}
			if tc.first != "" {
				s.firstBytes = &recordingConn{}
				if tc.first != "\x00" {
					s.firstBytes.first = []byte(tc.first)
				}
			}
			res := s.rpcFailure(context.Background(), "Test/Call", tc.err)
			assert.Equal(t, tc.reason, res.Reason)
			assert.Equal(t, StatusFail, res.Status)
			assert.NotEmpty(t, res.Hint)
		})
	}
}
