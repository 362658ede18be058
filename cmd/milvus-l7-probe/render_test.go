package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderWritesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errOut := runCLI(t, "", "render", "--cert-mode", "google-managed", "--out", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "wrote 14 files to "+dir)

	want, err := os.ReadFile("../../deploy/google-managed/ingress.yaml")
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "ingress.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "defaults must render what deploy/ holds")
	_, err = os.Stat(filepath.Join(dir, "PLAN.md"))
	assert.NoError(t, err)
}

func TestRenderOutTrailingSlash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "setup")
	code, out, errOut := runCLI(t, "", "render", "--out", dir+"/")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "wrote 13 files to "+dir+"; follow "+dir+"/PLAN.md\n")
	assert.NotContains(t, out, "//")
}

func TestRenderStreamLintsClean(t *testing.T) {
	code, stream, errOut := runCLI(t, "", "render", "--release", "prod", "--namespace", "vector", "--domain", "milvus.example.com")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, stream, "kind: Ingress")
	assert.Contains(t, stream, "host: milvus.example.com")
	assert.Contains(t, stream, "# ==== PLAN.md ====")

	code, out, errOut := runCLI(t, stream, "lint", "-")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "0 errors")
}

func TestRenderRejectsInvalidFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"cert mode", []string{"--cert-mode", "foo"}, `--cert-mode "foo" is invalid: use self-managed or google-managed`},
		{"domain", []string{"--domain", "not a domain"}, `--domain: domain "not a domain" is invalid`},
		{"release", []string{"--release", "My_Release"}, `--release "My_Release" is invalid`},
		{"namespace", []string{"--namespace", "-x"}, `--namespace "-x" is invalid`},
		{"address", []string{"--address", "34.1.2.3"}, `--address: address "34.1.2.3": missing port`},
		{"address ipv6", []string{"--address", "::1:443"}, `an IPv6 literal must be in brackets with the port after them, e.g. [::1]:443`},
		{"probe image", []string{"--probe-image", "UPPER CASE:tag"}, `--probe-image "UPPER CASE:tag" is invalid`},
		{"schedule", []string{"--check-schedule", "every hour"}, `--check-schedule "every hour" is invalid`},
		{"positional argument", []string{"extra"}, `unknown command "extra"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"render"}, c.args...)...)
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, c.want)
			assert.Empty(t, out)
		})
	}
}
