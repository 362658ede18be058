package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func TestRunInvalidSettings(t *testing.T) {
	badWebConfig := filepath.Join(t.TempDir(), "web.yml")
	require.NoError(t, os.WriteFile(badWebConfig, []byte("tls_server_config:\n  cert_file: missing.crt\n"), 0o600))

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"timeout not below interval", []string{"--interval", "5s", "--timeout", "10s"},
			`timeout 10s must be less than interval 5s`},
		{"timeout equals interval", []string{"--interval", "10s", "--timeout", "10s"},
			`timeout 10s must be less than interval 10s`},
		{"log level", []string{"--log.level", "loud"}, `--log.level "loud" is invalid`},
		{"log format", []string{"--log.format", "xml"}, `--log.format "xml" is invalid`},
		{"web config", []string{"--web.config.file", badWebConfig}, `--web.config.file`},
		{"listen address without port", []string{"--web.listen-address", "127.0.0.1"},
			`--web.listen-address "127.0.0.1": not HOST:PORT; use HOST:PORT, e.g. :9469`},
		{"listen port out of range", []string{"--web.listen-address", "127.0.0.1:70000"},
			`--web.listen-address "127.0.0.1:70000": port "70000" must be a number from 0 to 65535`},
		{"listen port signed", []string{"--web.listen-address", "127.0.0.1:+80"},
			`port "+80" must be a number from 0 to 65535`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"run", "--address", "127.0.0.1:1", "--web.listen-address", "127.0.0.1:0"}, tt.args...)
			code := run(args, streams{In: bytes.NewReader(nil), Out: &bytes.Buffer{}, Err: &stderr})

			assert.Equal(t, probe.ExitConfig, code)
			assert.Contains(t, stderr.String(), tt.want)
		})
	}
}

func TestRunListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })

	var stderr bytes.Buffer
	args := []string{"run", "--address", "127.0.0.1:1", "--web.listen-address", ln.Addr().String()}
	code := run(args, streams{In: bytes.NewReader(nil), Out: &bytes.Buffer{}, Err: &stderr})

	assert.Equal(t, probe.ExitConfig, code)
	assert.Contains(t, stderr.String(), "address already in use; choose another --web.listen-address")
}
