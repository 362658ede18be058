package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func TestCommandFlagsFromEnvironment(t *testing.T) {
	addr := testserver.ClosedPort(t)

	t.Run("invalid wait timeout", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_WAIT_TIMEOUT", "5")
		code, _, stderr := runCLI(t, "", "wait", "--address", addr, "--plaintext")
		assert.Equal(t, probe.ExitConfig, code)
		assert.Contains(t, stderr, `MILVUS_L7_PROBE_WAIT_TIMEOUT "5" (for --wait-timeout) is invalid`)
	})
	t.Run("wait timeout applies", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_WAIT_TIMEOUT", "1ms")
		code, _, stderr := runCLI(t, "", "wait", "--address", addr, "--plaintext", "--progress", "none")
		assert.Equal(t, probe.ExitConnect, code, stderr)
		assert.Contains(t, stderr, "--wait-timeout 1ms")
	})
	t.Run("flag wins over environment", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_OUTPUT", "yaml")
		code, stdout, stderr := runCLI(t, "", "check", "--address", addr, "--plaintext", "--output", "json")
		assert.Equal(t, probe.ExitConnect, code, stderr)
		assert.Contains(t, stdout, `"exit_code": 2`)
	})
	t.Run("invalid output from environment", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_OUTPUT", "yaml")
		code, _, stderr := runCLI(t, "", "check", "--address", addr, "--plaintext")
		assert.Equal(t, probe.ExitConfig, code)
		assert.Contains(t, stderr, `output "yaml" is invalid`)
	})
}
