package tlsutil_test

import (
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const host = "my-release.milvus.io"

func generate(t *testing.T, req tlsutil.CertRequest) *tlsutil.KeyPair {
	t.Helper()
	if req.Validity == 0 {
		req.Validity = 24 * time.Hour
	}
	if req.KeyType == "" {
		req.KeyType = tlsutil.KeyECDSAP256
	}
	kp, err := tlsutil.Generate(req)
	require.NoError(t, err)
	return kp
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestTrustMode(t *testing.T) {
	cert := generate(t, tlsutil.CertRequest{DNSNames: []string{host}}).Cert
	cases := []struct {
		trust tlsutil.Trust
		want  tlsutil.TrustMode
	}{
		{tlsutil.Trust{}, tlsutil.TrustSystem},
		{tlsutil.Trust{Roots: pool(cert)}, tlsutil.TrustCAFile},
		{tlsutil.Trust{Pinned: []*x509.Certificate{cert}}, tlsutil.TrustPinned},
		{tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(cert)}}, tlsutil.TrustSPKI},
		{tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(cert)}, Roots: pool(cert)}, tlsutil.TrustSPKI},
		{tlsutil.Trust{InsecureSkipVerify: true, Pinned: []*x509.Certificate{cert}}, tlsutil.TrustInsecure},
	}
	for _, tc := range cases {
		t.Run(string(tc.want), func(t *testing.T) {
			assert.Equal(t, tc.want, tc.trust.Mode())
		})
	}
}

func TestVerifyPasses(t *testing.T) {
	ca := generate(t, tlsutil.CertRequest{CommonName: "test CA", IsCA: true})
	leaf := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, Signer: ca})
	wildcard := generate(t, tlsutil.CertRequest{DNSNames: []string{"*.milvus.io"}})
	ipCert := generate(t, tlsutil.CertRequest{IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}})
	cnOnly := generate(t, tlsutil.CertRequest{CommonName: host})
	cnWildcard := generate(t, tlsutil.CertRequest{CommonName: "*.milvus.io"})
	cases := []struct {
		name       string
		trust      tlsutil.Trust
		chain      []*x509.Certificate
		serverName string
		want       tlsutil.Verification
	}{
		{"ca file", tlsutil.Trust{Roots: pool(ca.Cert)}, []*x509.Certificate{leaf.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"ca file with chain", tlsutil.Trust{Roots: pool(ca.Cert)}, []*x509.Certificate{leaf.Cert, ca.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"pinned", tlsutil.Trust{Pinned: []*x509.Certificate{leaf.Cert}}, []*x509.Certificate{leaf.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"pinned wildcard", tlsutil.Trust{Pinned: []*x509.Certificate{wildcard.Cert}}, []*x509.Certificate{wildcard.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"pinned IP SAN", tlsutil.Trust{Pinned: []*x509.Certificate{ipCert.Cert}}, []*x509.Certificate{ipCert.Cert}, "127.0.0.1",
			tlsutil.Verification{Verified: true}},
		{"pinned common name only", tlsutil.Trust{Pinned: []*x509.Certificate{cnOnly.Cert}}, []*x509.Certificate{cnOnly.Cert}, host,
			tlsutil.Verification{Verified: true, CommonNameMatch: true}},
		{"pinned common name any case", tlsutil.Trust{Pinned: []*x509.Certificate{cnOnly.Cert}}, []*x509.Certificate{cnOnly.Cert}, "My-Release.Milvus.IO.",
			tlsutil.Verification{Verified: true, CommonNameMatch: true}},
		{"pinned wildcard common name", tlsutil.Trust{Pinned: []*x509.Certificate{cnWildcard.Cert}}, []*x509.Certificate{cnWildcard.Cert}, host,
			tlsutil.Verification{Verified: true, CommonNameMatch: true}},
		{"spki leaf", tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(leaf.Cert)}}, []*x509.Certificate{leaf.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"spki of the CA in the chain", tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(ca.Cert)}}, []*x509.Certificate{leaf.Cert, ca.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"spki and ca file", tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(leaf.Cert)}, Roots: pool(ca.Cert)}, []*x509.Certificate{leaf.Cert}, host,
			tlsutil.Verification{Verified: true}},
		{"insecure", tlsutil.Trust{InsecureSkipVerify: true}, []*x509.Certificate{cnOnly.Cert}, "other.example.com",
			tlsutil.Verification{Verified: false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.trust.Verify(tc.chain, tc.serverName, time.Now())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestVerifyFails(t *testing.T) {
	ca := generate(t, tlsutil.CertRequest{CommonName: "test CA", IsCA: true})
	otherCA := generate(t, tlsutil.CertRequest{CommonName: "other CA", IsCA: true})
	leaf := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, Signer: ca})
	selfSigned := generate(t, tlsutil.CertRequest{CommonName: host, DNSNames: []string{host}, KeyType: tlsutil.KeyRSA2048})
	cnOnly := generate(t, tlsutil.CertRequest{CommonName: host})
	expired := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, NotBefore: time.Now().Add(-48 * time.Hour), Validity: time.Hour})
	expiredByCA := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, Signer: ca, NotBefore: time.Now().Add(-48 * time.Hour), Validity: time.Hour})
	notYet := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, NotBefore: time.Now().Add(time.Hour)})

	t.Run("name mismatch", func(t *testing.T) {
		for name, trust := range map[string]tlsutil.Trust{
			"pinned": {Pinned: []*x509.Certificate{leaf.Cert}},
			"roots":  {Roots: pool(ca.Cert)},
			"spki":   {SPKIPins: []string{tlsutil.SPKIPin(leaf.Cert)}},
		} {
			_, err := trust.Verify([]*x509.Certificate{leaf.Cert}, "wrong.example.com", time.Now())
			var nameErr *tlsutil.NameMismatchError
			require.ErrorAs(t, err, &nameErr, name)
			assert.Equal(t, "wrong.example.com", nameErr.ServerName, name)
			assert.Equal(t, []string{host}, nameErr.Names, name)
			assert.EqualError(t, err, "certificate is valid for my-release.milvus.io, not wrong.example.com", name)
		}
	})
	t.Run("name mismatch of a common name only certificate", func(t *testing.T) {
		trust := tlsutil.Trust{Pinned: []*x509.Certificate{cnOnly.Cert}}
		_, err := trust.Verify([]*x509.Certificate{cnOnly.Cert}, "wrong.example.com", time.Now())
		var nameErr *tlsutil.NameMismatchError
		require.ErrorAs(t, err, &nameErr)
		assert.Contains(t, err.Error(), "CN="+host)
	})
	t.Run("common name only under roots", func(t *testing.T) {
		trust := tlsutil.Trust{Roots: pool(cnOnly.Cert)}
		_, err := trust.Verify([]*x509.Certificate{cnOnly.Cert}, host, time.Now())
		var noSAN *tlsutil.NoSANError
		require.ErrorAs(t, err, &noSAN)
		assert.Equal(t, host, noSAN.CommonName)
		assert.Contains(t, err.Error(), "no Subject Alternative Name")
	})
	t.Run("self-signed under system roots", func(t *testing.T) {
		_, err := tlsutil.Trust{}.Verify([]*x509.Certificate{selfSigned.Cert}, host, time.Now())
		var untrusted *tlsutil.UntrustedError
		require.ErrorAs(t, err, &untrusted)
		assert.True(t, untrusted.SelfSigned, "a self-signed leaf that is not a CA is still self-signed")
		assert.Contains(t, err.Error(), "self-signed")
		var unknown x509.UnknownAuthorityError
		assert.ErrorAs(t, err, &unknown, "the x509 error stays reachable")
	})
	t.Run("name mismatch wins over an unknown issuer", func(t *testing.T) {
		_, err := tlsutil.Trust{Roots: pool(otherCA.Cert)}.Verify([]*x509.Certificate{leaf.Cert}, "wrong.example.com", time.Now())
		var nameErr *tlsutil.NameMismatchError
		require.ErrorAs(t, err, &nameErr)
	})
	t.Run("common name only under system roots", func(t *testing.T) {
		_, err := tlsutil.Trust{}.Verify([]*x509.Certificate{cnOnly.Cert}, host, time.Now())
		var noSAN *tlsutil.NoSANError
		require.ErrorAs(t, err, &noSAN)
	})
	t.Run("self-signed CA under system roots", func(t *testing.T) {
		caLeaf := generate(t, tlsutil.CertRequest{DNSNames: []string{host}, IsCA: true})
		_, err := tlsutil.Trust{}.Verify([]*x509.Certificate{caLeaf.Cert}, host, time.Now())
		var untrusted *tlsutil.UntrustedError
		require.ErrorAs(t, err, &untrusted)
		assert.True(t, untrusted.SelfSigned)
	})
	t.Run("signed by another CA", func(t *testing.T) {
		_, err := tlsutil.Trust{Roots: pool(otherCA.Cert)}.Verify([]*x509.Certificate{leaf.Cert}, host, time.Now())
		var untrusted *tlsutil.UntrustedError
		require.ErrorAs(t, err, &untrusted)
		assert.False(t, untrusted.SelfSigned)
		assert.Contains(t, err.Error(), "unknown authority")
		assert.Contains(t, err.Error(), "CN=test CA")
	})
	t.Run("pin mismatch", func(t *testing.T) {
		trust := tlsutil.Trust{Pinned: []*x509.Certificate{selfSigned.Cert}}
		_, err := trust.Verify([]*x509.Certificate{leaf.Cert}, host, time.Now())
		var pinErr *tlsutil.PinMismatchError
		require.ErrorAs(t, err, &pinErr)
		assert.False(t, pinErr.SPKI)
		assert.Equal(t, tlsutil.Fingerprint(leaf.Cert), pinErr.Presented)
		assert.Equal(t, []string{tlsutil.Fingerprint(selfSigned.Cert)}, pinErr.Pinned)
		assert.Contains(t, err.Error(), "SHA-256")
	})
	t.Run("spki mismatch", func(t *testing.T) {
		trust := tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(selfSigned.Cert)}}
		_, err := trust.Verify([]*x509.Certificate{leaf.Cert, ca.Cert}, host, time.Now())
		var pinErr *tlsutil.PinMismatchError
		require.ErrorAs(t, err, &pinErr)
		assert.True(t, pinErr.SPKI)
		assert.Equal(t, tlsutil.SPKIPin(leaf.Cert), pinErr.Presented)
		assert.Contains(t, err.Error(), tlsutil.SPKIPin(selfSigned.Cert))
	})
	t.Run("spki matches but roots do not", func(t *testing.T) {
		trust := tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(leaf.Cert)}, Roots: pool(otherCA.Cert)}
		_, err := trust.Verify([]*x509.Certificate{leaf.Cert}, host, time.Now())
		var untrusted *tlsutil.UntrustedError
		require.ErrorAs(t, err, &untrusted)
	})
	t.Run("validity", func(t *testing.T) {
		cases := []struct {
			name        string
			trust       tlsutil.Trust
			cert        *x509.Certificate
			notYetValid bool
			text        string
		}{
			{"expired pinned", tlsutil.Trust{Pinned: []*x509.Certificate{expired.Cert}}, expired.Cert, false, "expired at"},
			{"expired spki", tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(expired.Cert)}}, expired.Cert, false, "expired at"},
			{"expired under roots", tlsutil.Trust{Roots: pool(ca.Cert)}, expiredByCA.Cert, false, "expired at"},
			{"not yet valid pinned", tlsutil.Trust{Pinned: []*x509.Certificate{notYet.Cert}}, notYet.Cert, true, "not valid before"},
		}
		for _, tc := range cases {
			_, err := tc.trust.Verify([]*x509.Certificate{tc.cert}, host, time.Now())
			var validity *tlsutil.ValidityError
			require.ErrorAs(t, err, &validity, tc.name)
			assert.Equal(t, tc.notYetValid, validity.NotYetValid, tc.name)
			assert.True(t, validity.NotAfter.Equal(tc.cert.NotAfter), tc.name)
			assert.Contains(t, err.Error(), tc.text, tc.name)
		}
	})
	t.Run("empty chain", func(t *testing.T) {
		_, err := tlsutil.Trust{}.Verify(nil, host, time.Now())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no certificate")
	})
}

func TestErrorMessages(t *testing.T) {
	inner := errors.New("x509: boom")
	assert.Equal(t, "certificate has no names; it is not valid for a.example",
		(&tlsutil.NameMismatchError{ServerName: "a.example"}).Error())
	assert.Equal(t, "x509: boom", (&tlsutil.InvalidError{Err: inner}).Error())
	assert.ErrorIs(t, &tlsutil.InvalidError{Err: inner}, inner)
	assert.True(t, strings.HasPrefix((&tlsutil.UntrustedError{Issuer: "CN=x"}).Error(), "certificate is signed by an unknown authority"))
}
