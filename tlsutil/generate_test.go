package tlsutil_test

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestGenerate(t *testing.T) {
	t.Run("rsa by default", func(t *testing.T) {
		kp, err := tlsutil.Generate(tlsutil.CertRequest{CommonName: host, DNSNames: []string{host}, Validity: time.Hour})
		require.NoError(t, err)
		assert.IsType(t, &rsa.PrivateKey{}, kp.Key)
		assert.Equal(t, 2048, kp.Key.(*rsa.PrivateKey).N.BitLen())
		assert.Contains(t, string(kp.KeyPEM), "RSA PRIVATE KEY")
		assert.Contains(t, string(kp.CertPEM), "BEGIN CERTIFICATE")
		assert.Equal(t, []string{host}, kp.Cert.DNSNames)
		assert.False(t, kp.Cert.IsCA)
		assert.WithinDuration(t, time.Now().Add(-time.Minute), kp.Cert.NotBefore, 5*time.Second)
		assert.Equal(t, time.Hour, kp.Cert.NotAfter.Sub(kp.Cert.NotBefore))
	})
	t.Run("ecdsa with IP", func(t *testing.T) {
		kp := generate(t, tlsutil.CertRequest{IPAddresses: []net.IP{net.ParseIP("::1")}, KeyType: tlsutil.KeyECDSAP256})
		assert.IsType(t, &ecdsa.PrivateKey{}, kp.Key)
		assert.Contains(t, string(kp.KeyPEM), "EC PRIVATE KEY")
		require.Len(t, kp.Cert.IPAddresses, 1)
		assert.True(t, kp.Cert.IPAddresses[0].Equal(net.ParseIP("::1")))
	})
	t.Run("signed by a CA", func(t *testing.T) {
		ca := generate(t, tlsutil.CertRequest{CommonName: "test CA", IsCA: true})
		leaf := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, Signer: ca})
		assert.True(t, ca.Cert.IsCA)
		require.NoError(t, leaf.Cert.CheckSignatureFrom(ca.Cert))
		assert.Equal(t, ca.Cert.Subject.String(), leaf.Cert.Issuer.String())
	})
	t.Run("invalid validity", func(t *testing.T) {
		_, err := tlsutil.Generate(tlsutil.CertRequest{CommonName: host})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "greater than zero")
	})
	t.Run("unsupported key type", func(t *testing.T) {
		_, err := tlsutil.Generate(tlsutil.CertRequest{CommonName: host, Validity: time.Hour, KeyType: "dsa"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"dsa"`)
		assert.Contains(t, err.Error(), string(tlsutil.KeyECDSAP256))
	})
}

func TestFingerprint(t *testing.T) {
	cert := generate(t, tlsutil.CertRequest{DNSNames: []string{host}}).Cert
	sum := sha256.Sum256(cert.Raw)

	got := tlsutil.Fingerprint(cert)

	assert.Len(t, got, 32*3-1)
	assert.Equal(t, strings.ToUpper(hex.EncodeToString(sum[:])), strings.ReplaceAll(got, ":", ""))
}
