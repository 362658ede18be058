package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// flippingServer is a gRPC server on loopback with TLS, the grpc-go health
// service and a healthy fake Milvus. Its health status starts NOT_SERVING
// and turns SERVING at the servingAt-th health check, so a test controls
// by count, not by time, which attempt passes.
type flippingServer struct {
	addr     string
	certPath string
	checks   atomic.Int32
	// onCheck, when set, runs on the server at every health check with
	// the check's number, before the server replies.
	onCheck func(number int32)
	// userAgent is the user-agent of the last health check.
	userAgent atomic.Value
}

// startFlippingServer starts the server; servingAt 0 means it never turns
// SERVING. The server stops when the test ends. testserver.ServeGRPC has
// no place for the counting interceptor, so the gRPC server is built here
// on testserver's TLS listener.
func startFlippingServer(t *testing.T, servingAt int32) *flippingServer {
	t.Helper()
	kp := testserver.SelfSigned(t, testserver.ServerName)
	l := testserver.ListenTLS(t, kp, testserver.ALPNH2)
	s := &flippingServer{addr: l.Addr().String(), certPath: testserver.WriteFile(t, "tls.crt", kp.CertPEM)}

	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	count := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if info.FullMethod == healthpb.Health_Check_FullMethodName {
			s.countCheck(ctx, hs, servingAt)
		}
		return next(ctx, req)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(count))
	healthpb.RegisterHealthServer(srv, hs)
	milvuspb.RegisterMilvusServiceServer(srv, testserver.NewFakeMilvus())

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return s
}

// countCheck counts one health check, records its user-agent, and turns
// the status SERVING from the servingAt-th check on.
func (s *flippingServer) countCheck(ctx context.Context, hs *health.Server, servingAt int32) {
	n := s.checks.Add(1)
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		s.userAgent.Store(strings.Join(md.Get("user-agent"), ","))
	}
	if servingAt > 0 && n >= servingAt {
		hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	}
	if s.onCheck != nil {
		s.onCheck(n)
	}
}

// args returns the flags that point a command at the server, with the
// server's certificate pinned.
func (s *flippingServer) args(extra ...string) []string {
	return append([]string{"--address", s.addr, "--server-name", testserver.ServerName,
		"--server-pem", s.certPath, "--timeout", "10s"}, extra...)
}

// fastRetry makes attempts follow each other within milliseconds.
var fastRetry = []string{"--interval", "1ms", "--max-interval", "5ms"}

// runWait runs the wait command with ctx and a stand-in for the terminal
// detection, and returns its exit code, standard output and standard error.
func runWait(t *testing.T, ctx context.Context, terminal bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	std := streams{In: strings.NewReader(""), Out: &out, Err: &errOut}
	cmd := newWaitCommandWith(std, func(io.Writer) (bool, int) { return terminal, 80 })
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	code := exitCode(std, cmd.ExecuteContext(ctx))
	return code, out.String(), errOut.String()
}

func TestWaitPassesWhenServing(t *testing.T) {
	srv := startFlippingServer(t, 3)

	code, out, errOut := runCommand(t, append([]string{"wait", "--progress", "log"},
		srv.args(fastRetry...)...)...)

	require.Equal(t, probe.ExitOK, code, errOut)
	assert.Equal(t, int32(3), srv.checks.Load(), "two failed attempts, the third passes")
	assert.Contains(t, out, "all checks passed")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	require.Len(t, lines, 3, errOut)
	assert.Regexp(t, `^\[[0-9.]+m?s\] attempt 1: grpc_health failing for [0-9.]+m?s \(not_serving\): .+; next attempt in `, lines[0])
	assert.Contains(t, lines[1], "attempt 2: grpc_health failing for")
	assert.Regexp(t, `^\[[0-9.]+m?s\] attempt 3: every check passed$`, lines[2])
	assert.NotContains(t, errOut, "\r", "no terminal control in a log")
}

func TestWaitTerminalProgress(t *testing.T) {
	srv := startFlippingServer(t, 2)

	code, out, errOut := runWait(t, context.Background(), true, srv.args(fastRetry...)...)

	require.Equal(t, probe.ExitOK, code, errOut)
	assert.Contains(t, out, "all checks passed")
	assert.NotContains(t, errOut, "\n", "one line, rewritten in place")
	assert.Contains(t, errOut, "\rwaiting: attempt 1 running\x1b[K")
	assert.Contains(t, errOut, "\rwaiting: grpc_health failing for ")
	assert.Contains(t, errOut, " (not_serving); attempt 1; next attempt in ")
	assert.Contains(t, errOut, "\rwaiting: attempt 2 running; grpc_health failing for ")
	assert.True(t, strings.HasSuffix(errOut, "\r\x1b[K"), "the line is cleared before the output: %q", errOut)
}

func TestWaitProgressModes(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		progress string
		wantLine bool
		wantLog  bool
	}{
		{"auto on terminal", true, "auto", true, false},
		{"auto in log", false, "auto", false, true},
		{"line forced", false, "line", true, false},
		{"log forced", true, "log", false, true},
		{"none", true, "none", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFlippingServer(t, 2)

			code, _, errOut := runWait(t, context.Background(), tc.terminal,
				srv.args(append(fastRetry, "--progress", tc.progress)...)...)

			require.Equal(t, probe.ExitOK, code, errOut)
			assert.Equal(t, tc.wantLine, strings.Contains(errOut, "\rwaiting: "), "status line: %q", errOut)
			assert.Equal(t, tc.wantLog, strings.Contains(errOut, "attempt 2: every check passed\n"), "log lines: %q", errOut)
			if !tc.wantLine && !tc.wantLog {
				assert.Empty(t, errOut)
			}
		})
	}
}

func TestWaitTimesOut(t *testing.T) {
	srv := startFlippingServer(t, 0)

	code, out, errOut := runCommand(t, append([]string{"wait", "--progress", "log", "--wait-timeout", "1s"},
		srv.args(fastRetry...)...)...)

	assert.Equal(t, probe.ExitUnhealthy, code, "the last attempt's code: NOT_SERVING")
	assert.Contains(t, out, "FAILED at grpc_health (not_serving), exit code 4")
	assert.Regexp(t, `error: wait timed out after [0-9.]+m?s \(--wait-timeout 1s\): attempt \d+ failed at grpc_health \(not_serving\)`, errOut)
	assert.Contains(t, errOut, "; deadline reached\n")
	assert.GreaterOrEqual(t, srv.checks.Load(), int32(2), "more than one attempt in 1s")
}

func TestWaitInterruptedKeepsLastAttempt(t *testing.T) {
	srv := startFlippingServer(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Interrupt while the second attempt runs: its result comes from the
	// interrupt, so the first attempt is the one reported.
	srv.onCheck = func(n int32) {
		if n == 2 {
			cancel()
		}
	}

	code, out, errOut := runWait(t, ctx, false, srv.args(fastRetry...)...)

	assert.Equal(t, probe.ExitInterrupted, code, "an interrupted wait says nothing of the server")
	assert.Contains(t, out, "FAILED at grpc_health (not_serving)")
	assert.Regexp(t, `error: wait interrupted after [0-9.]+m?s; last attempt: attempt 1 failed at grpc_health \(not_serving\)`, errOut)
	assert.Equal(t, int32(2), srv.checks.Load())
}

func TestWaitOutputFormats(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		srv := startFlippingServer(t, 2)

		code, out, errOut := runWait(t, context.Background(), false, srv.args(append(fastRetry, "--output", "json")...)...)

		require.Equal(t, probe.ExitOK, code, errOut)
		var rep struct {
			SchemaVersion int  `json:"schema_version"`
			Success       bool `json:"success"`
			ExitCode      int  `json:"exit_code"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
		assert.Equal(t, 1, rep.SchemaVersion)
		assert.True(t, rep.Success)
		assert.Equal(t, 0, rep.ExitCode)
	})
	t.Run("junit", func(t *testing.T) {
		srv := startFlippingServer(t, 0)

		code, out, _ := runWait(t, context.Background(), true, srv.args(append(fastRetry,
			"--output", "junit", "--wait-timeout", "100ms")...)...)

		assert.Equal(t, probe.ExitUnhealthy, code)
		var doc struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testsuite>testcase"`
		}
		require.NoError(t, xml.Unmarshal([]byte(out), &doc), "standard output is only the XML: %q", out)
		assert.Equal(t, 1, doc.Failures)
		var failed []string
		for _, c := range doc.Cases {
			if c.Failure != nil {
				failed = append(failed, c.Name+":"+c.Failure.Type)
			}
		}
		assert.Equal(t, []string{"grpc_health:not_serving"}, failed)
	})
}

func TestWaitInvalidFlags(t *testing.T) {
	srv := startFlippingServer(t, 0)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero wait timeout", []string{"--wait-timeout", "0s"}, "--wait-timeout 0s is invalid: must be greater than zero"},
		{"cap below interval", []string{"--interval", "10s", "--max-interval", "1s"},
			"--max-interval 1s is invalid: must be at least --interval 10s"},
		{"unknown progress", []string{"--progress", "fancy"}, `--progress "fancy" is invalid: use auto, line, log or none`},
		{"unknown output", []string{"--output", "yaml"}, `output "yaml" is invalid: use table, json or junit`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCommand(t, append([]string{"wait"}, srv.args(tc.args...)...)...)

			assert.Equal(t, probe.ExitConfig, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.want)
		})
	}
	assert.Equal(t, int32(0), srv.checks.Load(), "invalid flags start no attempt")
}

// TestWaitStopsOnSIGTERM runs wait as its own process, sends it SIGTERM
// while it waits, and checks that it stops at once with the last result.
func TestWaitStopsOnSIGTERM(t *testing.T) {
	srv := startFlippingServer(t, 0)
	self, err := os.Executable()
	require.NoError(t, err)

	var out, errOut syncBuffer
	cmd := exec.Command(self, append([]string{"wait", "--progress", "log", "--interval", "1h", "--max-interval", "1h"},
		srv.args()...)...)
	cmd.Env = append(os.Environ(), runAsMainEnv+"=1")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Once the first attempt's log line is written, wait sleeps for at
	// least half an hour.
	require.Eventually(t, func() bool { return strings.Contains(errOut.String(), "attempt 1:") },
		30*time.Second, 10*time.Millisecond)
	sent := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err = cmd.Wait()

	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, probe.ExitInterrupted, exitErr.ExitCode())
	assert.Less(t, time.Since(sent), 5*time.Second, "stops promptly, not after the 1h sleep")
	assert.Contains(t, out.String(), "FAILED at grpc_health (not_serving)")
	assert.Contains(t, errOut.String(), "error: wait interrupted after")
}

// syncBuffer is a bytes.Buffer that a child process's output copier and
// the test may use at once.
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
