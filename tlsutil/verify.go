package tlsutil

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TrustMode names how a presented chain is trusted.
type TrustMode string

// The trust modes, from the strictest to none.
const (
	TrustSystem   TrustMode = "system_roots"
	TrustCAFile   TrustMode = "ca_file"
	TrustPinned   TrustMode = "pinned_certificate"
	TrustSPKI     TrustMode = "spki_pins"
	TrustInsecure TrustMode = "insecure_skip_verify"
)

// Trust decides which presented certificate chains are accepted. The zero
// value trusts the system roots.
type Trust struct {
	// Roots replaces the system roots (a CA file); nil means system roots.
	Roots *x509.CertPool
	// Pinned holds certificates the leaf must equal byte for byte, the way
	// pymilvus's server_pem_path pins the certificate of a self-managed
	// setup.
	Pinned []*x509.Certificate
	// SPKIPins holds base64 SHA-256 digests of public keys; one of the
	// presented certificates must have one of them. Without Roots they
	// replace chain verification; with Roots both must pass.
	SPKIPins []string
	// InsecureSkipVerify accepts any chain. It is reported in every output.
	InsecureSkipVerify bool
}

// Mode returns the trust mode that Verify applies.
func (t Trust) Mode() TrustMode {
	switch {
	case t.InsecureSkipVerify:
		return TrustInsecure
	case len(t.Pinned) > 0:
		return TrustPinned
	case len(t.SPKIPins) > 0:
		return TrustSPKI
	case t.Roots != nil:
		return TrustCAFile
	default:
		return TrustSystem
	}
}

// Verification is the outcome of a successful Verify.
type Verification struct {
	// Verified is false only when verification was skipped on purpose.
	Verified bool
	// CommonNameMatch is true when the leaf has no SAN and the server name
	// matched its Common Name, which only a pinned certificate allows.
	CommonNameMatch bool
}

// Verify checks a presented chain, leaf first, for serverName at time now.
// The error is one of the types of this package, so the caller can tell a
// name mismatch from an untrusted chain or a pin mismatch.
func (t Trust) Verify(chain []*x509.Certificate, serverName string, now time.Time) (Verification, error) {
	if len(chain) == 0 {
		return Verification{}, errors.New("the server presented no certificate")
	}
	leaf := chain[0]
	switch t.Mode() {
	case TrustInsecure:
		return Verification{Verified: false}, nil
	case TrustPinned:
		return t.verifyPinned(leaf, serverName, now)
	case TrustSPKI:
		return t.verifySPKI(chain, serverName, now)
	default:
		return Verification{Verified: true}, t.verifyChain(chain, serverName, now)
	}
}

func (t Trust) verifyPinned(leaf *x509.Certificate, serverName string, now time.Time) (Verification, error) {
	if !t.leafPinned(leaf) {
		return Verification{}, &PinMismatchError{Presented: Fingerprint(leaf), Pinned: fingerprints(t.Pinned)}
	}
	if err := checkValidity(leaf, now); err != nil {
		return Verification{}, err
	}
	return verifyNameOrCommonName(leaf, serverName)
}

func (t Trust) leafPinned(leaf *x509.Certificate) bool {
	for _, pinned := range t.Pinned {
		if bytes.Equal(pinned.Raw, leaf.Raw) {
			return true
		}
	}
	return false
}

func (t Trust) verifySPKI(chain []*x509.Certificate, serverName string, now time.Time) (Verification, error) {
	if !t.spkiPinned(chain) {
		return Verification{}, &PinMismatchError{SPKI: true, Presented: SPKIPin(chain[0]), Pinned: t.SPKIPins}
	}
	if t.Roots != nil {
		return Verification{Verified: true}, t.verifyChain(chain, serverName, now)
	}
	if err := checkValidity(chain[0], now); err != nil {
		return Verification{}, err
	}
	return verifyNameOrCommonName(chain[0], serverName)
}

func (t Trust) spkiPinned(chain []*x509.Certificate) bool {
	for _, cert := range chain {
		presented := SPKIPin(cert)
		for _, pin := range t.SPKIPins {
			if pin == presented {
				return true
			}
		}
	}
	return false
}

// verifyChain checks the name first, so that a certificate for another host
// reads as a name mismatch even when its issuer is unknown too.
func (t Trust) verifyChain(chain []*x509.Certificate, serverName string, now time.Time) error {
	leaf := chain[0]
	if err := leaf.VerifyHostname(serverName); err != nil {
		if hasNoSAN(leaf) && commonNameMatches(leaf, serverName) {
			return &NoSANError{CommonName: leaf.Subject.CommonName}
		}
		return &NameMismatchError{ServerName: serverName, Names: CertNames(leaf)}
	}
	intermediates := x509.NewCertPool()
	for _, cert := range chain[1:] {
		intermediates.AddCert(cert)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         t.Roots,
		Intermediates: intermediates,
		CurrentTime:   now,
	})
	return classifyChainError(leaf, err, now)
}

func classifyChainError(leaf *x509.Certificate, err error, now time.Time) error {
	if err == nil {
		return nil
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
		return &ValidityError{NotBefore: invalid.Cert.NotBefore, NotAfter: invalid.Cert.NotAfter,
			NotYetValid: now.Before(invalid.Cert.NotBefore)}
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return &UntrustedError{SelfSigned: isSelfSigned(leaf), Issuer: leaf.Issuer.String(), Err: err}
	}
	return &InvalidError{Err: err}
}

func checkValidity(leaf *x509.Certificate, now time.Time) error {
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return &ValidityError{NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter, NotYetValid: now.Before(leaf.NotBefore)}
	}
	return nil
}

// verifyNameOrCommonName matches the server name against the SANs, or
// against the Common Name when the certificate has no SAN at all. Go's own
// verifier rejects the second case since Go 1.15, but a pinned certificate
// made with the plain openssl recipe has only a Common Name.
func verifyNameOrCommonName(leaf *x509.Certificate, serverName string) (Verification, error) {
	if err := leaf.VerifyHostname(serverName); err == nil {
		return Verification{Verified: true}, nil
	}
	if hasNoSAN(leaf) && commonNameMatches(leaf, serverName) {
		return Verification{Verified: true, CommonNameMatch: true}, nil
	}
	return Verification{}, &NameMismatchError{ServerName: serverName, Names: CertNames(leaf)}
}

func hasNoSAN(cert *x509.Certificate) bool {
	return len(cert.DNSNames) == 0 && len(cert.IPAddresses) == 0 &&
		len(cert.EmailAddresses) == 0 && len(cert.URIs) == 0
}

func commonNameMatches(cert *x509.Certificate, serverName string) bool {
	cn := strings.TrimSuffix(strings.ToLower(cert.Subject.CommonName), ".")
	name := strings.TrimSuffix(strings.ToLower(serverName), ".")
	if cn == "" {
		return false
	}
	if cn == name {
		return true
	}
	suffix, ok := strings.CutPrefix(cn, "*.")
	if !ok {
		return false
	}
	_, rest, found := strings.Cut(name, ".")
	return found && rest == suffix
}

// isSelfSigned reports whether cert is signed by its own key. It checks the
// signature directly: CheckSignatureFrom rejects a parent that is not a CA,
// and a self-signed server certificate (Generate's, or openssl x509 -req
// -signkey) usually is not one.
func isSelfSigned(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawIssuer, cert.RawSubject) &&
		cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil
}

// CertNames lists the names a certificate is valid for: its DNS and IP
// SANs, or its Common Name when it has no SAN.
func CertNames(cert *x509.Certificate) []string {
	names := append([]string{}, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = append(names, "CN="+cert.Subject.CommonName)
	}
	return names
}

func fingerprints(certs []*x509.Certificate) []string {
	out := make([]string, 0, len(certs))
	for _, cert := range certs {
		out = append(out, Fingerprint(cert))
	}
	return out
}

// NameMismatchError reports a certificate that is not valid for the server
// name.
type NameMismatchError struct {
	ServerName string
	Names      []string
}

func (e *NameMismatchError) Error() string {
	if len(e.Names) == 0 {
		return fmt.Sprintf("certificate has no names; it is not valid for %s", e.ServerName)
	}
	return fmt.Sprintf("certificate is valid for %s, not %s", strings.Join(e.Names, ", "), e.ServerName)
}

// NoSANError reports a certificate whose Common Name matches but that has
// no Subject Alternative Name, which Go's verifier and browsers reject.
type NoSANError struct {
	CommonName string
}

func (e *NoSANError) Error() string {
	return fmt.Sprintf("certificate has Common Name %s but no Subject Alternative Name; "+
		"Go clients and browsers reject it", e.CommonName)
}

// UntrustedError reports a chain that does not lead to a trusted root.
type UntrustedError struct {
	SelfSigned bool
	Issuer     string
	Err        error
}

func (e *UntrustedError) Error() string {
	if e.SelfSigned {
		return "certificate is self-signed and not trusted by the configured roots"
	}
	return fmt.Sprintf("certificate is signed by an unknown authority (issuer %s)", e.Issuer)
}

func (e *UntrustedError) Unwrap() error { return e.Err }

// PinMismatchError reports a presented certificate or key that matches no
// pin.
type PinMismatchError struct {
	// SPKI is true for a public-key pin, false for a pinned certificate.
	SPKI      bool
	Presented string
	Pinned    []string
}

func (e *PinMismatchError) Error() string {
	if e.SPKI {
		return fmt.Sprintf("no presented certificate matches the SPKI pins: presented %s, pinned %s",
			e.Presented, strings.Join(e.Pinned, ", "))
	}
	return fmt.Sprintf("presented certificate does not match the pinned certificate: "+
		"presented SHA-256 %s, pinned %s", e.Presented, strings.Join(e.Pinned, ", "))
}

// ValidityError reports a certificate outside its validity period.
type ValidityError struct {
	NotBefore   time.Time
	NotAfter    time.Time
	NotYetValid bool
}

func (e *ValidityError) Error() string {
	if e.NotYetValid {
		return fmt.Sprintf("certificate is not valid before %s", e.NotBefore.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("certificate expired at %s", e.NotAfter.UTC().Format(time.RFC3339))
}

// InvalidError reports any other verification failure.
type InvalidError struct {
	Err error
}

func (e *InvalidError) Error() string { return e.Err.Error() }

func (e *InvalidError) Unwrap() error { return e.Err }
