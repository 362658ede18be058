package main

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startMilvus starts a TLS gRPC server with the health service and a fake
// Milvus, and returns its address and the path of its pinned certificate.
func startMilvus(t *testing.T, milvus *testserver.FakeMilvus) (string, string) {
	t.Helper()
	kp := testserver.SelfSigned(t, testserver.ServerName)
	l := testserver.ListenTLS(t, kp, testserver.ALPNH2)
	g := testserver.ServeGRPC(t, l, testserver.GRPCOptions{Milvus: milvus})
	return g.Addr, testserver.WriteFile(t, "tls.crt", kp.CertPEM)
}

func TestCheckInvalidInput(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		words []string
	}{
		{"address without port", []string{"check", "--address", "10.0.0.1"},
			[]string{"error: ", `address "10.0.0.1"`, "missing port"}},
		{"IPv6 without brackets", []string{"check", "--address", "2001:db8::1:443"},
			[]string{`"2001:db8::1:443"`, "[2001:db8::1]:443"}},
		{"missing server pem", []string{"check", "--address", "10.0.0.1:443", "--server-pem", "/nonexistent/tls.crt"},
			[]string{"--server-pem", `"/nonexistent/tls.crt"`, "does not exist"}},
		{"insecure with pin", []string{"check", "--address", "10.0.0.1:443", "--insecure-skip-verify", "--spki-pin", "x"},
			[]string{"--insecure-skip-verify", "--spki-pin"}},
		{"timeout zero", []string{"check", "--address", "10.0.0.1:443", "--timeout", "0s"},
			[]string{"timeout 0s is invalid", "--timeout"}},
		{"bad output", []string{"check", "--address", "10.0.0.1:443", "--output", "yaml"},
			[]string{`output "yaml" is invalid`}},
		{"bad duration", []string{"check", "--address", "10.0.0.1:443", "--timeout", "10"},
			[]string{"--timeout", `"10"`}},
		{"unknown flag", []string{"check", "--adress", "10.0.0.1:443"}, []string{"unknown flag: --adress"}},
		{"extra argument", []string{"check", "10.0.0.1:443"}, []string{"unknown command", "10.0.0.1:443"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tc.args...)

			assert.Equal(t, probe.ExitConfig, code)
			assert.Empty(t, stdout)
			for _, word := range tc.words {
				assert.Contains(t, stderr, word)
			}
		})
	}
}

func TestCheckPasses(t *testing.T) {
	addr, pem := startMilvus(t, testserver.NewFakeMilvus())
	args := []string{"check", "--address", addr, "--server-name", testserver.ServerName, "--server-pem", pem}

	t.Run("table", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "", args...)

		assert.Equal(t, probe.ExitOK, code, stdout+stderr)
		assert.Empty(t, stderr)
		assert.Regexp(t, `(?m)^tls\s+PASS\s+`, stdout)
		assert.Regexp(t, `(?m)^milvus\s+PASS\s+.*Milvus v2\.6\.6 is healthy`, stdout)
		assert.Contains(t, stdout, addr+": all checks passed in ")
	})
	t.Run("json", func(t *testing.T) {
		code, stdout, _ := runCLI(t, "", append(args, "--output", "json")...)

		assert.Equal(t, probe.ExitOK, code)
		var doc struct {
			Success  bool `json:"success"`
			ExitCode int  `json:"exit_code"`
			Checks   []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"checks"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &doc), stdout)
		assert.True(t, doc.Success)
		assert.Equal(t, 0, doc.ExitCode)
		assert.Len(t, doc.Checks, 8)
	})
}

func TestCheckFailureExitCode(t *testing.T) {
	addr, pem := startMilvus(t, testserver.NewFakeMilvus())

	code, stdout, stderr := runCLI(t, "", "check", "--address", addr, "--server-name", "wrong.example.com", "--server-pem", pem)

	assert.Equal(t, probe.ExitTLS, code)
	assert.Empty(t, stderr, "the report is the whole output")
	assert.Contains(t, stdout, "FAILED at tls (tls_name_mismatch), exit code 5")
	assert.Contains(t, stdout, "hint: set --server-name")
}

func TestCheckCredentialsStaySecret(t *testing.T) {
	const password = "s3cret-Passw0rd"
	milvus := testserver.NewFakeMilvus()
	milvus.RequireAuthorization(base64.StdEncoding.EncodeToString([]byte("root:" + password)))
	addr, pem := startMilvus(t, milvus)
	args := []string{"check", "--address", addr, "--server-name", testserver.ServerName, "--server-pem", pem}

	t.Run("without credentials", func(t *testing.T) {
		code, stdout, _ := runCLI(t, "", args...)

		assert.Equal(t, probe.ExitRPC, code)
		assert.Contains(t, stdout, "FAILED at milvus (auth_required)")
	})
	t.Run("password from env", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_PASSWORD", password)
		for _, output := range []string{"table", "json"} {
			code, stdout, stderr := runCLI(t, "", append(args, "--username", "root", "--output", output)...)

			assert.Equal(t, probe.ExitOK, code, stdout)
			assert.NotContains(t, stdout+stderr, password, output)
			assert.NotContains(t, stdout+stderr, base64.StdEncoding.EncodeToString([]byte("root:"+password)), output)
		}
	})
	t.Run("password file", func(t *testing.T) {
		file := testserver.WriteFile(t, "password", []byte(password+"\n"))

		code, stdout, stderr := runCLI(t, "", append(args, "--username", "root", "--password-file", file)...)

		assert.Equal(t, probe.ExitOK, code, stdout)
		assert.NotContains(t, stdout+stderr, password)
	})
}

func TestCheckHelpHasExample(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "check", "--help")

	assert.Equal(t, probe.ExitOK, code)
	assert.Contains(t, stdout, "Examples:")
	assert.Contains(t, stdout, "--server-pem tls.crt")
}

func TestCheckLayerExitCodes(t *testing.T) {
	addr, _ := startMilvus(t, testserver.NewFakeMilvus())
	cases := []struct {
		name   string
		args   []string
		code   int
		reason string
	}{
		{"plaintext to the TLS port", []string{"--address", addr, "--plaintext"}, probe.ExitTLS, "tls_required"},
		{"system roots for a self-signed certificate", []string{"--address", addr, "--server-name", testserver.ServerName},
			probe.ExitTLS, "tls_untrusted"},
		{"closed port", []string{"--address", testserver.ClosedPort(t)}, probe.ExitConnect, "connect_refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"check", "--timeout", "5s"}, tc.args...)...)

			assert.Equal(t, tc.code, code, stdout)
			assert.Empty(t, stderr)
			assert.Contains(t, stdout, "("+tc.reason+")")
		})
	}
}
