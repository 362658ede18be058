package rig

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

//go:embed pymilvus_verify.py
var pymilvusVerifier []byte

// DefaultPymilvusTimeout is pymilvus's own default connect timeout.
const DefaultPymilvusTimeout = 10 * time.Second

// PymilvusOptions are the arguments of the guide's connections.connect.
type PymilvusOptions struct {
	// Address is HOST:PORT of the load balancer (here: nginx).
	Address string
	// ServerName is server_name: the TLS SNI and the name verified against
	// the certificate.
	ServerName string
	// ServerPEM is server_pem_path: the certificate trusted as the only root.
	ServerPEM string
	// Timeout is the connect and call timeout; zero means
	// DefaultPymilvusTimeout.
	Timeout time.Duration
}

// PymilvusResult is the outcome of the guide's check.
type PymilvusResult struct {
	OK      bool   `json:"ok"`
	Version string `json:"version"`
	// Error is str() of the exception pymilvus raised, and ErrorType its
	// class name.
	Error     string `json:"error"`
	ErrorType string `json:"error_type"`
}

// RunPymilvus runs the guide's check for a test. It fails the test only
// when the check could not run; a failed connection is a result.
func RunPymilvus(t testing.TB, opts PymilvusOptions) PymilvusResult {
	t.Helper()
	result, err := VerifyPymilvus(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pymilvus %s (server name %q): %+v", opts.Address, opts.ServerName, result)
	return result
}

// VerifyPymilvus runs pymilvus_verify.py with the rig's Python:
// connections.connect(host, port, secure=True, server_name,
// server_pem_path) and then utility.get_server_version().
func VerifyPymilvus(ctx context.Context, opts PymilvusOptions) (PymilvusResult, error) {
	python, err := VenvPython()
	if err != nil {
		return PymilvusResult{}, err
	}
	host, port, err := net.SplitHostPort(opts.Address)
	if err != nil {
		return PymilvusResult{}, fmt.Errorf("pymilvus address %q: %w; use HOST:PORT", opts.Address, err)
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultPymilvusTimeout
	}
	script, cleanup, err := writeTempScript("pymilvus_verify.py", pymilvusVerifier)
	if err != nil {
		return PymilvusResult{}, err
	}
	defer cleanup()

	// The script bounds its own calls by timeout; the context also bounds
	// the interpreter's start and import of pymilvus.
	ctx, cancel := context.WithTimeout(ctx, timeout*2+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "--host", host, "--port", port,
		"--server-name", opts.ServerName, "--server-pem", opts.ServerPEM,
		"--timeout", strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return PymilvusResult{}, fmt.Errorf("run pymilvus check: %w\n%s", err, stderr.String())
	}

	var result PymilvusResult
	if err := json.Unmarshal(stdout.Bytes(), &result); err != nil {
		return PymilvusResult{}, fmt.Errorf("read pymilvus check output %q: %w\n%s",
			stdout.String(), err, stderr.String())
	}
	return result, nil
}

func writeTempScript(name string, source []byte) (string, func(), error) {
	dir, err := os.MkdirTemp("", "rig-script-")
	if err != nil {
		return "", nil, fmt.Errorf("write %s: %w", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, source, 0o644); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("write %s: %w", name, err)
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
