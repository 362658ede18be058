// Package tlsutil generates certificates, loads PEM files, and verifies a
// presented certificate chain against roots, a pinned certificate or SPKI
// pins, with the reason for each failure.
package tlsutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// KeyType is the algorithm of a generated private key.
type KeyType string

// The key types that Generate supports. RSA 2048 is what Milvus's TLS guide
// uses with openssl.
const (
	KeyRSA2048   KeyType = "rsa2048"
	KeyECDSAP256 KeyType = "ecdsa-p256"
)

// CertRequest describes a certificate to generate. The zero NotBefore means
// one minute ago, so a clock that runs slightly behind still accepts it.
type CertRequest struct {
	CommonName  string
	DNSNames    []string
	IPAddresses []net.IP
	KeyType     KeyType
	NotBefore   time.Time
	Validity    time.Duration
	// IsCA marks the certificate as a CA that may sign others.
	IsCA bool
	// Signer signs the certificate; nil makes it self-signed.
	Signer *KeyPair
}

// KeyPair is a generated certificate with its private key, parsed and in
// PEM form.
type KeyPair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// Generate creates a private key and a certificate for req.
func Generate(req CertRequest) (*KeyPair, error) {
	if req.Validity <= 0 {
		return nil, fmt.Errorf("validity %s is invalid: must be greater than zero", req.Validity)
	}
	key, err := newKey(req.KeyType)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}

	notBefore := req.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Minute)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: req.CommonName},
		DNSNames:              req.DNSNames,
		IPAddresses:           req.IPAddresses,
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(req.Validity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  req.IsCA,
	}
	if req.IsCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}

	parent, signer := tmpl, key
	if req.Signer != nil {
		parent, signer = req.Signer.Cert, req.Signer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse generated certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &KeyPair{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  keyPEM,
	}, nil
}

func newKey(kind KeyType) (crypto.Signer, error) {
	switch kind {
	case KeyRSA2048, "":
		return rsa.GenerateKey(rand.Reader, 2048)
	case KeyECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("key type %q is not supported: use %s or %s", kind, KeyRSA2048, KeyECDSAP256)
	}
}

// encodeKey writes RSA keys as PKCS #1 ("RSA PRIVATE KEY"), the form that
// openssl genrsa and kubectl create secret tls examples show, and ECDSA keys
// as SEC 1 ("EC PRIVATE KEY").
func encodeKey(key crypto.Signer) ([]byte, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		der := x509.MarshalPKCS1PrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), nil
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("encode ECDSA key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
	default:
		return nil, errors.New("encode key: unsupported key type")
	}
}
