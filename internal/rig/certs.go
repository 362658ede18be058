package rig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// CertFiles are the PEM files of a generated certificate and its key.
type CertFiles struct {
	CertFile string
	KeyFile  string
	Pair     *tlsutil.KeyPair
}

// WriteCert generates a self-signed RSA 2048 certificate for dnsNames,
// valid for a day, and writes tls.crt and tls.key into dir, the names the
// kubernetes.io/tls Secret uses.
func WriteCert(dir string, dnsNames ...string) (CertFiles, error) {
	if len(dnsNames) == 0 {
		return CertFiles{}, errors.New("generate certificate: missing DNS name")
	}
	pair, err := tlsutil.Generate(tlsutil.CertRequest{
		CommonName: dnsNames[0],
		DNSNames:   dnsNames,
		KeyType:    tlsutil.KeyRSA2048,
		Validity:   24 * time.Hour,
	})
	if err != nil {
		return CertFiles{}, fmt.Errorf("generate certificate for %v: %w", dnsNames, err)
	}
	files := CertFiles{
		CertFile: filepath.Join(dir, "tls.crt"),
		KeyFile:  filepath.Join(dir, "tls.key"),
		Pair:     pair,
	}
	if err := os.WriteFile(files.CertFile, pair.CertPEM, 0o644); err != nil {
		return CertFiles{}, fmt.Errorf("write certificate: %w", err)
	}
	if err := os.WriteFile(files.KeyFile, pair.KeyPEM, 0o600); err != nil {
		return CertFiles{}, fmt.Errorf("write key: %w", err)
	}
	return files, nil
}

// NewCert writes a certificate for dnsNames into a new folder under the
// test's temporary folder.
func NewCert(t testing.TB, dnsNames ...string) CertFiles {
	t.Helper()
	dir, err := os.MkdirTemp(t.TempDir(), "cert-")
	if err != nil {
		t.Fatal(err)
	}
	files, err := WriteCert(dir, dnsNames...)
	if err != nil {
		t.Fatal(err)
	}
	return files
}
