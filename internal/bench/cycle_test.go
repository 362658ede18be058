package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
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
	target := loadTarget(b, f)

	measure(b, func(ctx context.Context) error {
		report := probe.Run(ctx, target)
		if !report.Success {
			return &cycleError{report}
		}
		return nil
	})
}

// loadTarget builds the target for the rig as the check command does,
// through the config loader.
func loadTarget(b *testing.B, f Fixture) probe.Target {
	b.Helper()
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
	return target
}

// BenchmarkFloor is the least a TLS gRPC health check can do, the work of
// grpc-health-probe: TCP, the TLS handshake, HTTP/2 and one
// grpc.health.v1 Check, then close.
func BenchmarkFloor(b *testing.B) {
	f := rigFor(b)
	creds := floorCreds(b, f)
	measure(b, func(ctx context.Context) error {
		return floorCycle(ctx, f, creds, false)
	})
}

// BenchmarkFloorSameWork does with plain grpc-go and net/http the network
// work of the probe's cycle: the health Check, Milvus's CheckHealth and
// GetVersion on one TLS connection, and a GET of /healthz. What the probe
// costs beyond it is its own: verification, timing, the report.
func BenchmarkFloorSameWork(b *testing.B) {
	f := rigFor(b)
	creds := floorCreds(b, f)
	measure(b, func(ctx context.Context) error {
		return floorCycle(ctx, f, creds, true)
	})
}

func floorCreds(b *testing.B, f Fixture) credentials.TransportCredentials {
	b.Helper()
	pem, err := os.ReadFile(f.CertFile)
	require.NoError(b, err)
	roots := x509.NewCertPool()
	require.True(b, roots.AppendCertsFromPEM(pem))
	return credentials.NewTLS(&tls.Config{RootCAs: roots, ServerName: ServerName})
}

// floorCycle connects, calls the health Check and, with sameWork, the
// probe's other requests, then closes.
func floorCycle(ctx context.Context, f Fixture, creds credentials.TransportCredentials, sameWork bool) error {
	conn, err := grpc.NewClient(f.Addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || !sameWork {
		return err
	}
	milvus := milvuspb.NewMilvusServiceClient(conn)
	if _, err := milvus.CheckHealth(ctx, &milvuspb.CheckHealthRequest{}); err != nil {
		return err
	}
	if _, err := milvus.GetVersion(ctx, &milvuspb.GetVersionRequest{}); err != nil {
		return err
	}
	return getHealthz(ctx, f.HealthzURL)
}

func getHealthz(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
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
