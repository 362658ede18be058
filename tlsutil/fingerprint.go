package tlsutil

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Fingerprint returns the SHA-256 fingerprint of the certificate's DER
// bytes as colon-separated upper-case hex, the form openssl x509
// -fingerprint -sha256 prints.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexSum); i += 2 {
		pairs = append(pairs, hexSum[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// SPKIPin returns the base64 SHA-256 of the certificate's
// SubjectPublicKeyInfo, the pin form of RFC 7469.
func SPKIPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
