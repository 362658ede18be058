package tlsutil_test

import (
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestLoadCertificates(t *testing.T) {
	leaf := generate(t, tlsutil.CertRequest{DNSNames: []string{host}})
	ca := generate(t, tlsutil.CertRequest{CommonName: "test CA", IsCA: true})

	t.Run("one certificate", func(t *testing.T) {
		certs, err := tlsutil.LoadCertificates(writeFile(t, "tls.crt", leaf.CertPEM))
		require.NoError(t, err)
		require.Len(t, certs, 1)
		assert.Equal(t, leaf.Cert.Raw, certs[0].Raw)
	})
	t.Run("bundle with a key in it", func(t *testing.T) {
		data := append(append(append([]byte{}, leaf.CertPEM...), leaf.KeyPEM...), ca.CertPEM...)
		certs, err := tlsutil.LoadCertificates(writeFile(t, "bundle.pem", data))
		require.NoError(t, err)
		require.Len(t, certs, 2)
		assert.Equal(t, ca.Cert.Raw, certs[1].Raw)
	})
}

func TestLoadCertificatesErrors(t *testing.T) {
	rsaKey := generate(t, tlsutil.CertRequest{CommonName: host, KeyType: tlsutil.KeyRSA2048})
	ecKey := generate(t, tlsutil.CertRequest{CommonName: host, KeyType: tlsutil.KeyECDSAP256})
	missing := filepath.Join(t.TempDir(), "missing.crt")
	cases := []struct {
		name  string
		path  string
		words []string
	}{
		{"missing file", missing, []string{missing, "does not exist", "PEM certificate"}},
		{"folder", t.TempDir(), []string{"read", "is a directory"}},
		{"empty file", writeFile(t, "empty.crt", nil), []string{"contains no PEM certificate", "BEGIN CERTIFICATE"}},
		{"not PEM", writeFile(t, "der.crt", rsaKey.Cert.Raw), []string{"contains no PEM certificate"}},
		{"RSA key only", writeFile(t, "tls.key", rsaKey.KeyPEM), []string{"RSA PRIVATE KEY", "not the key"}},
		{"EC key only", writeFile(t, "ec.key", ecKey.KeyPEM), []string{"EC PRIVATE KEY", "not the key"}},
		{"broken certificate", writeFile(t, "broken.crt", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
			[]string{"certificate 1 is invalid"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tlsutil.LoadCertificates(tc.path)
			require.Error(t, err)
			for _, word := range tc.words {
				assert.Contains(t, err.Error(), word)
			}
			assert.Contains(t, err.Error(), tc.path)
		})
	}
	t.Run("key bytes never shown", func(t *testing.T) {
		for _, kp := range []*tlsutil.KeyPair{rsaKey, ecKey} {
			_, err := tlsutil.LoadCertificates(writeFile(t, "tls.key", kp.KeyPEM))
			require.Error(t, err)
			for _, line := range strings.Split(string(kp.KeyPEM), "\n") {
				if len(line) > 16 && !strings.HasPrefix(line, "-----") {
					assert.NotContains(t, err.Error(), line[:16])
				}
			}
		}
	})
}

func TestParseSPKIPin(t *testing.T) {
	cert := generate(t, tlsutil.CertRequest{DNSNames: []string{host}}).Cert
	pin := tlsutil.SPKIPin(cert)
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	require.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), pin)

	for name, input := range map[string]string{
		"bare":              pin,
		"sha256/ prefix":    "sha256/" + pin,
		"sha256// prefix":   "sha256//" + pin,
		"surrounding space": "  " + pin + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := tlsutil.ParseSPKIPin(input)
			require.NoError(t, err)
			assert.Equal(t, pin, got)
		})
	}
	t.Run("not base64", func(t *testing.T) {
		_, err := tlsutil.ParseSPKIPin("not base64!")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"not base64!"`)
		assert.Contains(t, err.Error(), "not valid base64")
	})
	t.Run("wrong length", func(t *testing.T) {
		short := base64.StdEncoding.EncodeToString([]byte("sixteen bytes!!!"))
		_, err := tlsutil.ParseSPKIPin(short)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "16 bytes")
		assert.Contains(t, err.Error(), "32")
	})
}
