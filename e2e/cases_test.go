package e2e

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/report"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// pinnedTarget is the probe's view of Milvus's guide: the load balancer's
// address, the Ingress host as server name, and the certificate pinned.
func pinnedTarget(address string, pinned *x509.Certificate) probe.Target {
	return probe.Target{
		Address:    address,
		ServerName: serverName,
		TLS:        probe.TLS{Enabled: true, Trust: tlsutil.Trust{Pinned: []*x509.Certificate{pinned}}},
		Timeouts:   probe.Timeouts{Total: 15 * time.Second},
	}
}

// assertVerdict pins the first failing check, its reason, the exit code,
// words of the message, and that no check of the chain before it failed
// and every one after it was skipped.
func assertVerdict(t *testing.T, rep probe.Report, check probe.CheckName, reason probe.Reason, exit int, words ...string) {
	t.Helper()
	res, found := rep.Check(check)
	require.True(t, found)
	assert.Equal(t, probe.StatusFail, res.Status, res.Message)
	assert.Equal(t, reason, res.Reason, res.Message)
	assert.Equal(t, exit, rep.ExitCode)
	assert.False(t, rep.Success)
	assert.NotEmpty(t, res.Hint)
	for _, word := range words {
		assert.Contains(t, res.Message, word)
	}
	after := false
	for _, other := range rep.Checks {
		switch {
		case other.Name == check:
			after = true
		case other.Name == probe.CheckHealthz || other.Name == probe.CheckCanary || other.Name == probe.CheckResolve:
		case after:
			assert.Equal(t, probe.StatusSkip, other.Status, "%s after %s", other.Name, check)
		default:
			assert.NotEqual(t, probe.StatusFail, other.Status, "%s before %s: %s", other.Name, check, other.Message)
		}
	}
}

// openSSLRecipeCert makes the self-managed certificate exactly as Milvus's
// guide does: a Common Name and no Subject Alternative Name.
func openSSLRecipeCert(t *testing.T) rig.CertFiles {
	t.Helper()
	dir := t.TempDir()
	key, csr, crt := filepath.Join(dir, "tls.key"), filepath.Join(dir, "tls.csr"), filepath.Join(dir, "tls.crt")
	for _, args := range [][]string{
		{"genrsa", "-out", key, "2048"},
		{"req", "-new", "-key", key, "-out", csr, "-subj", "/CN=" + serverName},
		{"x509", "-req", "-days", "99999", "-in", csr, "-signkey", key, "-out", crt},
	} {
		out, err := exec.Command("openssl", args...).CombinedOutput()
		require.NoError(t, err, "openssl %s: %s", strings.Join(args, " "), out)
	}
	certs, err := tlsutil.LoadCertificates(crt)
	require.NoError(t, err)
	require.Empty(t, certs[0].DNSNames, "the guide's recipe makes no SAN")
	return rig.CertFiles{CertFile: crt, KeyFile: key, Pair: &tlsutil.KeyPair{Cert: certs[0]}}
}

func TestCaseOpenSSLRecipeCertificate(t *testing.T) {
	backend := plainMilvus.Get(t)
	front := openSSLRecipeCert(t)
	nginx := rig.StartNginx(t, rig.NginxOptions{CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr})

	t.Run("pymilvus accepts it", func(t *testing.T) {
		result := rig.RunPymilvus(t, rig.PymilvusOptions{Address: nginx.Addr, ServerName: serverName, ServerPEM: front.CertFile})
		assert.True(t, result.OK, result.Error)
	})
	t.Run("pinned passes with a warning", func(t *testing.T) {
		rep := probe.Run(context.Background(), pinnedTarget(nginx.Addr, front.Pair.Cert))
		res, _ := rep.Check(probe.CheckTLS)
		assert.Equal(t, probe.StatusWarn, res.Status, res.Message)
		assert.Equal(t, probe.ReasonCertNoSAN, res.Reason)
		assert.Contains(t, res.Message, "Common Name")
		assert.Contains(t, res.Hint, "cert command")
		assert.True(t, rep.Success, "%+v", rep)
		assert.Equal(t, probe.ExitOK, rep.ExitCode)
	})
	t.Run("CA file fails", func(t *testing.T) {
		target := pinnedTarget(nginx.Addr, front.Pair.Cert)
		roots := x509.NewCertPool()
		roots.AddCert(front.Pair.Cert)
		target.TLS.Trust = tlsutil.Trust{Roots: roots}
		rep := probe.Run(context.Background(), target)
		assertVerdict(t, rep, probe.CheckTLS, probe.ReasonCertNoSAN, probe.ExitTLS, "no Subject Alternative Name")
	})
}

func TestCaseNginxHTTP1Only(t *testing.T) {
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{CertFile: front.CertFile, KeyFile: front.KeyFile, HTTP1Only: true})

	rep := probe.Run(context.Background(), pinnedTarget(nginx.Addr, front.Pair.Cert))

	assertVerdict(t, rep, probe.CheckALPN, probe.ReasonALPNHTTP1, probe.ExitALPN, "http/1.1")
	res, _ := rep.Check(probe.CheckALPN)
	assert.Contains(t, res.Hint, "http2")
}

func TestCasePlaintextToNginxTLSPort(t *testing.T) {
	backend := plainMilvus.Get(t)
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr})

	start := time.Now()
	rep := probe.Run(context.Background(), probe.Target{
		Address: nginx.Addr, Timeouts: probe.Timeouts{Total: 10 * time.Second},
	})

	assertVerdict(t, rep, probe.CheckGRPCHealth, probe.ReasonTLSRequired, probe.ExitTLS, "HTTP/1.1 400")
	res, _ := rep.Check(probe.CheckConnect)
	assert.Equal(t, probe.StatusPass, res.Status)
	// nginx responds at once, so the verdict must not wait for the deadline.
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestCaseLoadBalancerErrorPages(t *testing.T) {
	closedPort, err := rig.FreePort()
	require.NoError(t, err)
	closed := net.JoinHostPort("127.0.0.1", strconv.Itoa(closedPort))
	tests := []struct {
		name        string
		opts        rig.NginxOptions
		status      int
		contentType string
	}{
		{name: "502 from a closed backend", opts: rig.NginxOptions{Upstream: closed},
			status: 502, contentType: "text/html"},
		{name: "504 from a backend that never answers", opts: rig.NginxOptions{
			Upstream: testserver.StartSilent(t), LocationDirectives: "grpc_read_timeout 2s;"},
			status: 504, contentType: "text/html"},
		{name: "204 error page without content type", opts: rig.NginxOptions{
			Upstream: closed, LocationDirectives: "error_page 502 = @empty;",
			ServerDirectives: "location @empty { return 204; }"},
			status: 204, contentType: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front := rig.NewCert(t, serverName)
			tt.opts.CertFile, tt.opts.KeyFile = front.CertFile, front.KeyFile
			nginx := rig.StartNginx(t, tt.opts)

			rep := probe.Run(context.Background(), pinnedTarget(nginx.Addr, front.Pair.Cert))

			assertVerdict(t, rep, probe.CheckGRPCHealth, probe.ReasonLBError, probe.ExitRPC,
				"load balancer answered HTTP "+strconv.Itoa(tt.status), "Milvus was not reached")
			res, _ := rep.Check(probe.CheckGRPCHealth)
			assert.Equal(t, tt.status, res.Details.HTTPStatusCode)
			assert.Equal(t, tt.contentType, res.Details.ContentType)
			assert.Contains(t, res.Hint, "BackendConfig")
		})
	}
}

// authMilvus is a Milvus with authorization on, started by the first test
// that needs it.
var authMilvus = &rig.SharedMilvus{Options: rig.MilvusOptions{AuthorizationEnabled: true}}

// createUser adds a Milvus user through root, whose default password in
// Milvus 2.3 is "Milvus".
func createUser(t *testing.T, milvusAddr, user, password string) {
	t.Helper()
	cc, err := grpc.NewClient("passthrough:///"+milvusAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", base64.StdEncoding.EncodeToString([]byte("root:Milvus")))
	status, err := milvuspb.NewMilvusServiceClient(cc).CreateCredential(ctx, &milvuspb.CreateCredentialRequest{
		Username: user, Password: base64.StdEncoding.EncodeToString([]byte(password)),
	})
	require.NoError(t, err)
	require.Zero(t, status.GetCode(), status.GetReason())
}

func TestCaseCredentials(t *testing.T) {
	backend := authMilvus.Get(t)
	const user, password = "probe", "Xq7-secret-Zr9"
	createUser(t, backend.Addr, user, password)
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr})

	t.Run("without credentials", func(t *testing.T) {
		rep := probe.Run(context.Background(), pinnedTarget(nginx.Addr, front.Pair.Cert))
		res, _ := rep.Check(probe.CheckMilvus)
		assert.Equal(t, probe.ReasonAuthRequired, res.Reason, res.Message)
		assert.Equal(t, probe.ExitRPC, rep.ExitCode)
		assert.Contains(t, res.Hint, "--password-file")
		health, _ := rep.Check(probe.CheckGRPCHealth)
		assert.Equal(t, probe.StatusWarn, health.Status, health.Message)
	})
	t.Run("with credentials", func(t *testing.T) {
		target := pinnedTarget(nginx.Addr, front.Pair.Cert)
		target.Credentials = probe.Credentials{Username: user, Password: password}
		rep := probe.Run(context.Background(), target)
		assert.True(t, rep.Success, "%+v", rep)

		var out strings.Builder
		require.NoError(t, report.WriteJSON(&out, rep))
		require.NoError(t, report.WriteTable(&out, rep))
		assert.NotContains(t, out.String(), password)
		assert.NotContains(t, out.String(), base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	})
	t.Run("wrong password", func(t *testing.T) {
		target := pinnedTarget(nginx.Addr, front.Pair.Cert)
		target.Credentials = probe.Credentials{Username: user, Password: "wrong-" + password}
		rep := probe.Run(context.Background(), target)
		res, _ := rep.Check(probe.CheckMilvus)
		assert.Equal(t, probe.ReasonAuthRequired, res.Reason, res.Message)
		assert.NotContains(t, res.Message, password)
	})
}

func TestCaseCanary(t *testing.T) {
	backend := tlsMilvus.Get(t)
	front := rig.NewCert(t, serverName)

	t.Run("through nginx", func(t *testing.T) {
		nginx := rig.StartNginx(t, rig.NginxOptions{
			CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr, UpstreamTLS: true,
		})
		target := pinnedTarget(nginx.Addr, front.Pair.Cert)
		target.Canary = true
		rep := probe.Run(context.Background(), target)
		res, _ := rep.Check(probe.CheckCanary)
		assert.Equal(t, probe.StatusPass, res.Status, res.Message)
		var steps []string
		for _, step := range res.Details.CanarySteps {
			steps = append(steps, step.Step)
		}
		assert.Equal(t, []string{"create", "index", "load", "insert", "search", "drop"}, steps)
	})
	t.Run("proxy body limit", func(t *testing.T) {
		nginx := rig.StartNginx(t, rig.NginxOptions{
			CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr, UpstreamTLS: true,
			LocationDirectives: "client_max_body_size 1k;",
		})
		target := pinnedTarget(nginx.Addr, front.Pair.Cert)
		target.Canary = true
		rep := probe.Run(context.Background(), target)

		assert.Equal(t, probe.ExitCanary, rep.ExitCode)
		for _, check := range []probe.CheckName{probe.CheckGRPCHealth, probe.CheckMilvus} {
			res, _ := rep.Check(check)
			assert.Equal(t, probe.StatusPass, res.Status, "%s: %s", check, res.Message)
		}
		res, _ := rep.Check(probe.CheckCanary)
		assert.Equal(t, probe.ReasonLBError, res.Reason, res.Message)
		assert.Equal(t, 413, res.Details.HTTPStatusCode)
		assert.Contains(t, res.Hint, "client_max_body_size")
		assert.Contains(t, res.Message, "insert")
		// The collection was created before the insert failed; it must be
		// dropped all the same.
		steps := res.Details.CanarySteps
		require.NotEmpty(t, steps)
		assert.Equal(t, "drop", steps[len(steps)-1].Step)
	})
}

// TestCheckCommandJSON runs the built binary the way CI would and reads
// its JSON.
func TestCheckCommandJSON(t *testing.T) {
	backend := tlsMilvus.Get(t)
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{
		CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: backend.Addr, UpstreamTLS: true,
	})
	binary := buildProbe(t)

	cmd := exec.Command(binary, "check", "--address", nginx.Addr, "--server-name", serverName,
		"--server-pem", front.CertFile, "--healthz-url", backend.HealthzURL, "--output", "json")
	cmd.Env = append(os.Environ(), "MILVUS_L7_PROBE_CONFIG=")
	stdout, err := cmd.Output()
	require.NoError(t, err, string(stdout))

	var doc struct {
		Target   string `json:"target"`
		Success  bool   `json:"success"`
		ExitCode int    `json:"exit_code"`
		Checks   []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(stdout, &doc))
	assert.True(t, doc.Success)
	assert.Zero(t, doc.ExitCode)
	statuses := map[string]string{}
	for _, c := range doc.Checks {
		statuses[c.Name] = c.Status
	}
	for _, name := range []string{"connect", "tls", "alpn", "grpc_health", "milvus", "healthz"} {
		assert.Equal(t, "pass", statuses[name], name)
	}
}

// buildProbe builds the milvus-l7-probe binary into a temporary folder.
func buildProbe(t *testing.T) string {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "milvus-l7-probe")
	out, err := exec.Command("go", "build", "-o", binary, "../cmd/milvus-l7-probe").CombinedOutput()
	require.NoError(t, err, string(out))
	return binary
}

// TestCertCommandFilesServeTheGuide serves the files that the cert command
// writes from nginx, and connects with pymilvus the way Milvus's guide
// does and with the probe.
func TestCertCommandFilesServeTheGuide(t *testing.T) {
	backend := plainMilvus.Get(t)
	binary := buildProbe(t)
	dir := t.TempDir()
	out, err := exec.Command(binary, "cert", "--domain", serverName, "--out-dir", dir).CombinedOutput()
	require.NoError(t, err, string(out))
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	nginx := rig.StartNginx(t, rig.NginxOptions{CertFile: certFile, KeyFile: keyFile, Upstream: backend.Addr})

	result := rig.RunPymilvus(t, rig.PymilvusOptions{Address: nginx.Addr, ServerName: serverName, ServerPEM: certFile})
	assert.True(t, result.OK, result.Error)
	assert.Equal(t, milvusVersion, result.Version)

	check := exec.Command(binary, "check", "--address", nginx.Addr, "--server-name", serverName,
		"--server-pem", certFile, "--healthz-url", backend.HealthzURL)
	check.Env = append(os.Environ(), "MILVUS_L7_PROBE_CONFIG=")
	stdout, err := check.Output()
	require.NoError(t, err, string(stdout))
	assert.Contains(t, string(stdout), "all checks passed")
	assert.NotContains(t, string(stdout), "cert_no_san", "cert writes a SAN")
}
