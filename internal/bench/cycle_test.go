package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// rigFor returns the rig the benchmark runs against.
func rigFor(b *testing.B) Fixture {
	b.Helper()
	if addr := os.Getenv(envAddr); addr != "" {
		return Fixture{Addr: addr, CertFile: os.Getenv(envCert), HealthzURL: os.Getenv(envHealthzURL)}
	}
	f, err := StartFixture(b.Context(), b.TempDir())
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, f.Stop()) })
	return *f
}

// cpuTime returns the user plus system CPU time of this process.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs cycle b.N times and reports the CPU time per cycle.
func measure(b *testing.B, cycle func(ctx context.Context) error) {
	b.Helper()
	b.ReportAllocs()
	require.NoError(b, cycle(b.Context()), "warm-up cycle")
	b.ResetTimer()
	start := cpuTime(b)
	for b.Loop() {
		if err := cycle(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkProbeCycle runs one cycle of every check (resolve, connect,
// tls, alpn, grpc_health, milvus, healthz) as the daemon does per target,
// through the config loader as the check command builds it.
func BenchmarkProbeCycle(b *testing.B) {
	f := rigFor(b)
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	config.AddTargetFlags(fs)
	require.NoError(b, fs.Parse([]string{
		"--address", f.Addr, "--server-name", ServerName,
		"--server-pem", f.CertFile, "--healthz-url", f.HealthzURL, "--timeout", "5s",
	}))
	cfg, err := config.Load(fs, func(string) string { return "" })
	require.NoError(b, err)
	target, err := cfg.Select("")
	require.NoError(b, err)

	measure(b, func(ctx context.Context) error {
		report := probe.Run(ctx, target)
		if !report.Success {
			return &cycleError{report}
		}
		return nil
	})
}

// BenchmarkFloor is the least a TLS gRPC health check can do, the work of
// grpc-health-probe: TCP, the TLS handshake, HTTP/2 and one
// grpc.health.v1 Check, then close.
func BenchmarkFloor(b *testing.B) {
	f := rigFor(b)
	pem, err := os.ReadFile(f.CertFile)
	require.NoError(b, err)
	roots := x509.NewCertPool()
	require.True(b, roots.AppendCertsFromPEM(pem))
	creds := credentials.NewTLS(&tls.Config{RootCAs: roots, ServerName: ServerName})

	measure(b, func(ctx context.Context) error {
		conn, err := grpc.NewClient(f.Addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			return err
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	})
}

// cycleError is a probe cycle that did not pass.
type cycleError struct{ report probe.Report }

func (e *cycleError) Error() string {
	for _, c := range e.report.Checks {
		if c.Status == probe.StatusFail {
			return "probe cycle failed: " + string(c.Name) + ": " + c.Message
		}
	}
	return "probe cycle failed"
}
