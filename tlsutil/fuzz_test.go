package tlsutil

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzParseCertificates checks that PEM parsing never panics and returns
// certificates or an error, never both or neither.
func FuzzParseCertificates(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("not pem"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCertificates(data)
		if (err == nil) == (len(certs) == 0) {
			t.Fatalf("got %d certificates and error %v", len(certs), err)
		}
	})
}

// FuzzParseSPKIPin checks that an accepted pin is canonical base64 of a
// SHA-256 digest.
func FuzzParseSPKIPin(f *testing.F) {
	f.Add("sha256//V6Rv0YGacAAOmmKLjegREM6Ps3X/qxCKKyLVXT59DVo=")
	f.Add("V6Rv0YGacAAOmmKLjegREM6Ps3X/qxCKKyLVXT59DVo=")
	f.Add("")
	f.Fuzz(func(t *testing.T, pin string) {
		canonical, err := ParseSPKIPin(pin)
		if err != nil {
			return
		}
		sum, decodeErr := base64.StdEncoding.DecodeString(canonical)
		if decodeErr != nil || len(sum) != 32 || strings.HasPrefix(canonical, "sha256") {
			t.Fatalf("accepted %q as %q", pin, canonical)
		}
	})
}
