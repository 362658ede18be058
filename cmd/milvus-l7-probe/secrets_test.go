package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
)

// Known secret values; no command may write them, or their base64 forms,
// anywhere.
const (
	secretPassword = "Pw-known-secret-7731"
	secretToken    = "Tk-known-secret-9154"
)

// secretNeedles returns every form of the secrets a leak could take.
func secretNeedles(extra ...string) []string {
	b64 := base64.StdEncoding.EncodeToString
	needles := []string{
		secretPassword, secretToken,
		b64([]byte(secretPassword)), b64([]byte(secretToken)),
		b64([]byte("root:" + secretPassword)),
	}
	return append(needles, extra...)
}

func assertNoSecret(t *testing.T, where, text string, needles []string) {
	t.Helper()
	for _, needle := range needles {
		assert.NotContains(t, text, needle, "%s contains a secret", where)
	}
}

// TestNoCommandWritesSecrets runs every command with known secrets in the
// environment, in files and in a certificate's private key, and searches
// everything each one wrote.
func TestNoCommandWritesSecrets(t *testing.T) {
	passwordServer := testserver.NewFakeMilvus()
	passwordServer.RequireAuthorization(base64.StdEncoding.EncodeToString([]byte("root:" + secretPassword)))
	passwordAddr, pem := startMilvus(t, passwordServer)
	tokenServer := testserver.NewFakeMilvus()
	tokenServer.RequireAuthorization(base64.StdEncoding.EncodeToString([]byte(secretToken)))
	tokenAddr, tokenPEM := startMilvus(t, tokenServer)

	passwordFile := testserver.WriteFile(t, "password", []byte(secretPassword+"\n"))
	tokenFile := testserver.WriteFile(t, "token", []byte(secretToken))
	certDir := t.TempDir()
	target := []string{"--server-name", testserver.ServerName}

	runs := []struct {
		name string
		exit int
		args []string
		env  map[string]string
	}{
		{"check password env", 0, append([]string{"check", "--address", passwordAddr, "--server-pem", pem, "--username", "root"}, target...),
			map[string]string{"MILVUS_L7_PROBE_PASSWORD": secretPassword}},
		{"check password file json", 0, append([]string{"check", "--address", passwordAddr, "--server-pem", pem,
			"--username", "root", "--password-file", passwordFile, "--output", "json"}, target...), nil},
		{"check wrong password junit", 3, append([]string{"check", "--address", passwordAddr, "--server-pem", pem,
			"--username", "other", "--output", "junit"}, target...),
			map[string]string{"MILVUS_L7_PROBE_PASSWORD": secretPassword}},
		{"check token file", 0, append([]string{"check", "--address", tokenAddr, "--server-pem", tokenPEM,
			"--token-file", tokenFile}, target...), nil},
		{"check token env json", 0, append([]string{"check", "--address", tokenAddr, "--server-pem", tokenPEM,
			"--output", "json"}, target...), map[string]string{"MILVUS_L7_PROBE_TOKEN": secretToken}},
		{"wait token", 0, append([]string{"wait", "--address", tokenAddr, "--server-pem", tokenPEM,
			"--token-file", tokenFile, "--wait-timeout", "5s", "--progress", "log"}, target...), nil},
		{"cert with secret", 0, []string{"cert", "--domain", "my-release.milvus.io", "--out-dir", certDir,
			"--secret-out", filepath.Join(certDir, "secret.yaml")}, nil},
		{"render", 0, []string{"render"}, map[string]string{"MILVUS_L7_PROBE_PASSWORD": secretPassword}},
		{"version", 0, []string{"version"}, map[string]string{"MILVUS_L7_PROBE_TOKEN": secretToken}},
	}
	var wrote strings.Builder
	for _, r := range runs {
		for key, value := range r.env {
			t.Setenv(key, value)
		}
		code, stdout, stderr := runCLI(t, "", r.args...)
		assert.Equal(t, r.exit, code, "%s: %s%s", r.name, stdout, stderr)
		wrote.WriteString(r.name + ": " + stdout + stderr)
		assertNoSecret(t, r.name, stdout+stderr, secretNeedles())
		for key := range r.env {
			t.Setenv(key, "")
		}
	}

	t.Run("lint of the secret", func(t *testing.T) {
		keyLines := privateKeyLines(t, filepath.Join(certDir, "tls.key"))
		code, stdout, stderr := runCLI(t, "", "lint", certDir)
		assert.Less(t, code, 9, stderr)
		assertNoSecret(t, "lint", stdout+stderr, keyLines)
		assertNoSecret(t, "the other commands", wrote.String(), keyLines)
	})
	t.Run("run", func(t *testing.T) {
		runDaemonWithSecrets(t, passwordAddr, pem)
	})
}

// privateKeyLines returns the base64 lines of a PEM private key, each long
// enough to be a unique needle.
func privateKeyLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			lines = append(lines, line)
		}
	}
	require.NotEmpty(t, lines)
	return lines
}

// runDaemonWithSecrets runs the daemon as a child process with debug logs,
// reads every endpoint, reloads, stops it, and searches all it wrote.
func runDaemonWithSecrets(t *testing.T, address, pem string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listen := l.Addr().String()
	require.NoError(t, l.Close())
	self, err := os.Executable()
	require.NoError(t, err)

	var logs bytes.Buffer
	cmd := exec.Command(self, "run", "--address", address, "--server-name", testserver.ServerName,
		"--server-pem", pem, "--username", "root", "--interval", "1s", "--timeout", "500ms",
		"--web.listen-address", listen, "--log.level", "debug")
	cmd.Env = append(os.Environ(), runAsMainEnv+"=1", "MILVUS_L7_PROBE_PASSWORD="+secretPassword)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	base := "http://" + listen
	var bodies strings.Builder
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 15*time.Second, 50*time.Millisecond, "daemon not ready")
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies.Write(body)
	}
	resp, err := http.Post(base+"/-/reload", "text/plain", nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	bodies.Write(body)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	_ = cmd.Wait()
	assert.Contains(t, bodies.String(), "probe_success{target=\""+address+"\"} 1",
		"the daemon authenticated with the password from the environment")
	assertNoSecret(t, "run's endpoints", bodies.String(), secretNeedles())
	assertNoSecret(t, "run's logs", logs.String(), secretNeedles())
}
