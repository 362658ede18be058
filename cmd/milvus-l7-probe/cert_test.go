package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, rest := pem.Decode(data)
	require.NotNil(t, block, "%s is not PEM", path)
	assert.Empty(t, rest, "%s holds more than one PEM block", path)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return cert
}

func TestCertWritesPEMPair(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--dns", "milvus.internal",
		"--ip", "127.0.0.1", "--days", "30", "--out-dir", dir)
	require.Equal(t, 0, code, errOut)

	keyInfo, err := os.Stat(filepath.Join(dir, "tls.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), keyInfo.Mode().Perm())
	_, err = tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	require.NoError(t, err, "the files must be a plain PEM key pair, as nginx reads them")

	cert := readCert(t, filepath.Join(dir, "tls.crt"))
	assert.Equal(t, "my-release.milvus.io", cert.Subject.CommonName)
	assert.Equal(t, []string{"my-release.milvus.io", "milvus.internal"}, cert.DNSNames)
	require.Len(t, cert.IPAddresses, 1)
	assert.Equal(t, "127.0.0.1", cert.IPAddresses[0].String())
	assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), cert.NotAfter, 2*time.Minute)
	assert.Equal(t, x509.RSA, cert.PublicKeyAlgorithm)

	assert.Contains(t, out, tlsutil.Fingerprint(cert))
	assert.Contains(t, out, tlsutil.SPKIPin(cert))
	assert.NotContains(t, out, "PRIVATE KEY")
}

func TestCertECDSAKey(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--key-type", "ecdsa-p256", "--out-dir", dir)
	require.Equal(t, 0, code, errOut)
	key, err := os.ReadFile(filepath.Join(dir, "tls.key"))
	require.NoError(t, err)
	assert.Contains(t, string(key), "-----BEGIN EC PRIVATE KEY-----")
	assert.Equal(t, x509.ECDSA, readCert(t, filepath.Join(dir, "tls.crt")).PublicKeyAlgorithm)
}

func TestCertOpenSSLReadsSAN(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	require.NoError(t, err, "openssl is needed to check that other tools read the certificate")
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--ip", "::1", "--out-dir", dir)
	require.Equal(t, 0, code, errOut)

	text, err := exec.Command(openssl, "x509", "-in", filepath.Join(dir, "tls.crt"), "-noout", "-text").CombinedOutput()
	require.NoError(t, err, string(text))
	assert.Contains(t, string(text), "X509v3 Subject Alternative Name")
	assert.Contains(t, string(text), "DNS:my-release.milvus.io")
	assert.Contains(t, string(text), "IP Address:0:0:0:0:0:0:0:1")
	assert.Regexp(t, `Subject: CN ?= ?my-release\.milvus\.io`, string(text))

	check, err := exec.Command(openssl, "rsa", "-in", filepath.Join(dir, "tls.key"), "-check", "-noout").CombinedOutput()
	require.NoError(t, err, string(check))
	assert.Contains(t, string(check), "RSA key ok")
}

func TestCertRejectsOverwriteWithoutForce(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--out-dir", dir)
	require.Equal(t, 0, code, errOut)
	first, err := os.ReadFile(filepath.Join(dir, "tls.crt"))
	require.NoError(t, err)

	code, _, errOut = runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--out-dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, filepath.Join(dir, "tls.key")+" exists")
	assert.Contains(t, errOut, "--force")
	unchanged, err := os.ReadFile(filepath.Join(dir, "tls.crt"))
	require.NoError(t, err)
	assert.Equal(t, first, unchanged, "a rejected run must not touch the files")

	require.NoError(t, os.Chmod(filepath.Join(dir, "tls.key"), 0o644))
	code, _, errOut = runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--out-dir", dir, "--force")
	require.Equal(t, 0, code, errOut)
	info, err := os.Stat(filepath.Join(dir, "tls.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "--force must reset the key's mode")
}

func TestCertRejectsInvalidFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing domain", nil, "--domain is required"},
		{"invalid domain", []string{"--domain", "bad domain"}, `--domain: domain "bad domain" is invalid`},
		{"single label domain", []string{"--domain", "milvus"}, `domain "milvus" is invalid`},
		{"days zero", []string{"--domain", "a.example.com", "--days", "0"}, "--days 0 is invalid: use 1 to 3650"},
		{"days too many", []string{"--domain", "a.example.com", "--days", "4000"}, "--days 4000 is invalid"},
		{"key type", []string{"--domain", "a.example.com", "--key-type", "rsa4096"}, `--key-type "rsa4096" is invalid: use rsa2048 or ecdsa-p256`},
		{"ip", []string{"--domain", "a.example.com", "--ip", "300.1.1.1"}, `--ip "300.1.1.1" is invalid`},
		{"dns", []string{"--domain", "a.example.com", "--dns", "bad_name"}, `--dns: domain "bad_name" is invalid`},
		{"secret to stdout", []string{"--domain", "a.example.com", "--secret-out", "-"}, "--secret-out - is invalid"},
		{"release", []string{"--domain", "a.example.com", "--release", "Bad_Release"}, `--release "Bad_Release" is invalid: use at most 63 lower-case letters`},
		{"namespace", []string{"--domain", "a.example.com", "--namespace", "NS!"}, `--namespace "NS!" is invalid`},
		{"secret name", []string{"--domain", "a.example.com", "--secret-name", "bad name"}, `--secret-name "bad name" is invalid`},
		{"secret name too long", []string{"--domain", "a.example.com", "--secret-name", strings.Repeat("a", 64)}, `--secret-name "` + strings.Repeat("a", 64) + `" is invalid`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"cert", "--out-dir", t.TempDir()}, c.args...)
			code, out, errOut := runCLI(t, "", args...)
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, c.want)
			assert.Empty(t, out)
		})
	}
}

// TestCertSecretMatchesKubectl checks the Secret against the fields that
// kubectl create secret tls --dry-run=client -o yaml writes (apiVersion v1,
// kind Secret, metadata.name and namespace, type kubernetes.io/tls, data
// tls.crt and tls.key as base64 PEM) and, when kubectl is on PATH, against
// kubectl's own output for the same files.
func TestCertSecretMatchesKubectl(t *testing.T) {
	dir := t.TempDir()
	secretPath := filepath.Join(dir, "secret.yaml")
	code, out, errOut := runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--out-dir", dir,
		"--namespace", "vector", "--secret-out", secretPath)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Secret vector/my-release-milvus-tls")
	info, err := os.Stat(secretPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	data, err := os.ReadFile(secretPath)
	require.NoError(t, err)
	var got corev1.Secret
	require.NoError(t, yaml.UnmarshalStrict(data, &got))
	crt, err := os.ReadFile(filepath.Join(dir, "tls.crt"))
	require.NoError(t, err)
	key, err := os.ReadFile(filepath.Join(dir, "tls.key"))
	require.NoError(t, err)
	assert.Equal(t, "v1", got.APIVersion)
	assert.Equal(t, "Secret", got.Kind)
	assert.Equal(t, "my-release-milvus-tls", got.Name)
	assert.Equal(t, "vector", got.Namespace)
	assert.Equal(t, corev1.SecretTypeTLS, got.Type)
	assert.Equal(t, map[string][]byte{"tls.crt": crt, "tls.key": key}, got.Data)

	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl is not on PATH: compared with the documented field set only")
		return
	}
	cmd := exec.Command(kubectl, "create", "secret", "tls", "my-release-milvus-tls", "-n", "vector",
		"--cert", filepath.Join(dir, "tls.crt"), "--key", filepath.Join(dir, "tls.key"),
		"--dry-run=client", "-o", "yaml")
	// A kubeconfig that does not exist keeps kubectl away from any cluster.
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "no-kubeconfig"))
	kubectlOut, err := cmd.Output()
	require.NoError(t, err)
	var want corev1.Secret
	require.NoError(t, yaml.UnmarshalStrict(kubectlOut, &want))
	assert.Equal(t, want, got)
	assert.False(t, strings.Contains(out, "PRIVATE KEY"))
}

func TestCertRejectsBadSecretOut(t *testing.T) {
	cases := []struct {
		name      string
		secretOut func(dir string) string
		want      string
	}{
		{"same as key", func(dir string) string { return filepath.Join(dir, "tls.key") }, "is the same file as " + "DIR/tls.key"},
		{"same as cert unclean", func(dir string) string { return dir + "/./tls.crt" }, "is the same file as DIR/tls.crt"},
		{"folder", func(dir string) string { return t.TempDir() }, "is a directory: choose another --secret-out that names a file"},
		{"parent is a file", func(dir string) string { return filepath.Join(dir, "notes.txt", "secret.yaml") }, "notes.txt is not a directory: choose another --secret-out"},
		{"exists", func(dir string) string { return filepath.Join(dir, "notes.txt") }, "notes.txt exists: pass --force to overwrite it, or choose another --secret-out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644))
			code, out, errOut := runCLI(t, "", "cert", "--domain", "my-release.milvus.io", "--out-dir", dir,
				"--secret-out", c.secretOut(dir))
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, strings.ReplaceAll(c.want, "DIR", dir))
			assert.Empty(t, out)
			assert.NoFileExists(t, filepath.Join(dir, "tls.key"), "a rejected run must write nothing")
			assert.NoFileExists(t, filepath.Join(dir, "tls.crt"), "a rejected run must write nothing")
		})
	}
}

func TestCertWriteFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "blocker")
	require.NoError(t, os.WriteFile(blocker, []byte("keep"), 0o644))
	files := []outputFile{
		{path: filepath.Join(dir, "tls.key"), flag: "--out-dir", data: []byte("key"), perm: 0o600},
		{path: filepath.Join(blocker, "secret.yaml"), flag: "--secret-out", data: []byte("secret"), perm: 0o600},
	}

	err := writeOutputFiles(files)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "create directory of --secret-out")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the blocker may remain, no key and no temporary file")
	assert.Equal(t, "blocker", entries[0].Name())
}
