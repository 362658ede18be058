package tlsutil

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// LoadCertificates reads every certificate of a PEM file. It fails when the
// file is missing, unreadable, or holds no certificate; a private key in the
// file is named as such but never echoed.
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file %q does not exist; give the path of a PEM certificate", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("file %q: %w", path, err)
	}
	return certs, nil
}

// ParseCertificates decodes every CERTIFICATE block of PEM data.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	var otherTypes []string
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			otherTypes = append(otherTypes, block.Type)
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d is invalid: %w", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) > 0 {
		return certs, nil
	}
	if len(otherTypes) > 0 {
		return nil, fmt.Errorf("contains no certificate, only PEM blocks of type %s; "+
			"give the certificate file (tls.crt), not the key", strings.Join(otherTypes, ", "))
	}
	return nil, errors.New("contains no PEM certificate; expected a block that starts with -----BEGIN CERTIFICATE-----")
}

// ParseSPKIPin checks a SPKI pin and returns it in canonical form: the
// base64 SHA-256 of a SubjectPublicKeyInfo. The prefixes "sha256/" and
// "sha256//" (as curl's --pinnedpubkey takes them) are accepted.
func ParseSPKIPin(pin string) (string, error) {
	value := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(pin), "sha256/"), "/")
	sum, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return "", fmt.Errorf("SPKI pin %q is not valid base64; "+
			"use the pin that the cert command prints (base64 SHA-256 of the public key)", pin)
	}
	if len(sum) != 32 {
		return "", fmt.Errorf("SPKI pin %q decodes to %d bytes, not the 32 of a SHA-256 digest", pin, len(sum))
	}
	return value, nil
}
