package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/render"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// maxCertDays caps --days at ten years; a longer self-signed certificate
// hides a forgotten rotation.
const maxCertDays = 3650

const certExample = `  # Key and certificate for the default domain, in the current folder:
  milvus-l7-probe cert --domain my-release.milvus.io

  # ECDSA key, an extra name and IP, and the Secret manifest for kubectl:
  milvus-l7-probe cert --domain my-release.milvus.io --key-type ecdsa-p256 \
    --dns milvus.internal --ip 10.0.0.5 --out-dir certs --secret-out certs/secret.yaml
  kubectl apply -f certs/secret.yaml`

// certOptions are the flags of the cert command.
type certOptions struct {
	domain     string
	keyType    string
	dnsNames   []string
	ipTexts    []string
	days       int
	outDir     string
	force      bool
	secretOut  string
	release    string
	namespace  string
	secretName string

	ips []net.IP
}

func newCertCommand(io streams) *cobra.Command {
	o := &certOptions{}
	cmd := &cobra.Command{
		Use:   "cert --domain HOST",
		Short: "Create the self-managed TLS key and certificate, and optionally their Secret",
		Long: `cert creates a private key and a self-signed certificate for the domain,
with the domain as Common Name and as a DNS subject alternative name (SAN),
which Go and gRPC clients require. It writes tls.key (mode 0600) and tls.crt
as PEM, the files that nginx, Milvus (tls.serverPemPath/serverKeyPath) and
pymilvus (server_pem_path) read. With --secret-out it also writes the
kubernetes.io/tls Secret that kubectl create secret tls would create.

It prints the certificate's SHA-256 fingerprint and SPKI pin, never the key.`,
		Example: certExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.complete()
			if err := o.validate(); err != nil {
				return usageError(err)
			}
			return o.run(io.Out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.domain, "domain", "", "DNS name of the certificate: Common Name and first DNS SAN (required)")
	f.StringVar(&o.keyType, "key-type", string(tlsutil.KeyRSA2048), "private key algorithm: rsa2048 or ecdsa-p256")
	f.StringSliceVar(&o.dnsNames, "dns", nil, "extra DNS SAN, repeatable or comma-separated")
	f.StringSliceVar(&o.ipTexts, "ip", nil, "IP address SAN, repeatable or comma-separated")
	f.IntVar(&o.days, "days", 365, fmt.Sprintf("validity of the certificate in days, 1 to %d", maxCertDays))
	f.StringVar(&o.outDir, "out-dir", ".", "folder to write tls.key and tls.crt into")
	f.BoolVar(&o.force, "force", false, "overwrite existing tls.key, tls.crt and --secret-out files")
	f.StringVar(&o.secretOut, "secret-out", "", "also write a kubernetes.io/tls Secret manifest to this file (it contains the key: mode 0600)")
	f.StringVar(&o.release, "release", "my-release", "Helm release name of Milvus; the Secret is named <release>-milvus-tls")
	f.StringVar(&o.namespace, "namespace", "default", "namespace of the Secret")
	f.StringVar(&o.secretName, "secret-name", "", "name of the Secret (default <release>-milvus-tls)")
	return cmd
}

func (o *certOptions) complete() {
	if o.secretName == "" {
		o.secretName = o.release + "-milvus-tls"
	}
}

func (o *certOptions) validate() error {
	if o.domain == "" {
		return errors.New("--domain is required: use the host name clients dial, e.g. --domain my-release.milvus.io")
	}
	if err := render.ValidateDomain(o.domain); err != nil {
		return fmt.Errorf("--domain: %w", err)
	}
	for _, name := range o.dnsNames {
		if err := render.ValidateDomain(strings.TrimPrefix(name, "*.")); err != nil {
			return fmt.Errorf("--dns: %w", err)
		}
	}
	o.ips = nil
	for _, text := range o.ipTexts {
		ip := net.ParseIP(text)
		if ip == nil {
			return fmt.Errorf("--ip %q is invalid: use an IPv4 or IPv6 address, e.g. 34.1.2.3", text)
		}
		o.ips = append(o.ips, ip)
	}
	if o.days < 1 || o.days > maxCertDays {
		return fmt.Errorf("--days %d is invalid: use 1 to %d", o.days, maxCertDays)
	}
	switch tlsutil.KeyType(o.keyType) {
	case tlsutil.KeyRSA2048, tlsutil.KeyECDSAP256:
	default:
		return fmt.Errorf("--key-type %q is invalid: use %s or %s", o.keyType, tlsutil.KeyRSA2048, tlsutil.KeyECDSAP256)
	}
	if o.secretOut == "-" {
		return errors.New("--secret-out - is invalid: the Secret contains the private key and is never printed; name a file")
	}
	return o.validateOverwrite()
}

// validateOverwrite rejects existing output files before any is written,
// so a refused run leaves no half-replaced key pair.
func (o *certOptions) validateOverwrite() error {
	if o.force {
		return nil
	}
	for _, path := range o.outputPaths() {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s exists: pass --force to overwrite it, or choose another --out-dir", path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", path, err)
		}
	}
	return nil
}

func (o *certOptions) outputPaths() []string {
	paths := []string{o.keyPath(), o.certPath()}
	if o.secretOut != "" {
		paths = append(paths, o.secretOut)
	}
	return paths
}

func (o *certOptions) keyPath() string  { return filepath.Join(o.outDir, corev1.TLSPrivateKeyKey) }
func (o *certOptions) certPath() string { return filepath.Join(o.outDir, corev1.TLSCertKey) }

func (o *certOptions) run(out io.Writer) error {
	pair, err := tlsutil.Generate(tlsutil.CertRequest{
		CommonName:  o.domain,
		DNSNames:    append([]string{o.domain}, o.dnsNames...),
		IPAddresses: o.ips,
		KeyType:     tlsutil.KeyType(o.keyType),
		Validity:    time.Duration(o.days) * 24 * time.Hour,
	})
	if err != nil {
		return &exitError{Code: probe.ExitInternal, Err: fmt.Errorf("generate certificate: %w", err)}
	}

	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return usageError(fmt.Errorf("create --out-dir %s: %w", o.outDir, err))
	}
	if err := writeFile(o.keyPath(), pair.KeyPEM, 0o600); err != nil {
		return usageError(err)
	}
	if err := writeFile(o.certPath(), pair.CertPEM, 0o644); err != nil {
		return usageError(err)
	}
	if o.secretOut != "" {
		if err := o.writeSecret(pair); err != nil {
			return usageError(err)
		}
	}
	o.printSummary(out, pair)
	return nil
}

// writeFile writes data with mode perm, also when the file already exists
// with a wider mode (os.WriteFile keeps an existing file's mode).
func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := os.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(path, perm); err != nil {
		return fmt.Errorf("set mode of %s: %w", path, err)
	}
	return nil
}

// newTLSSecret returns the Secret that kubectl create secret tls NAME
// --cert --key -n NAMESPACE creates.
func newTLSSecret(name, namespace string, pair *tlsutil.KeyPair) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       pair.CertPEM,
			corev1.TLSPrivateKeyKey: pair.KeyPEM,
		},
	}
}

func (o *certOptions) writeSecret(pair *tlsutil.KeyPair) error {
	data, err := yaml.Marshal(newTLSSecret(o.secretName, o.namespace, pair))
	if err != nil {
		return fmt.Errorf("marshal Secret: %w", err)
	}
	if dir := filepath.Dir(o.secretOut); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create folder of --secret-out: %w", err)
		}
	}
	return writeFile(o.secretOut, data, 0o600)
}

func (o *certOptions) printSummary(out io.Writer, pair *tlsutil.KeyPair) {
	cert := pair.Cert
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	fmt.Fprintf(out, "wrote %s (private key, mode 0600) and %s\n", o.keyPath(), o.certPath())
	if o.secretOut != "" {
		fmt.Fprintf(out, "wrote %s (Secret %s/%s, type %s, mode 0600)\n", o.secretOut, o.namespace, o.secretName, corev1.SecretTypeTLS)
	}
	fmt.Fprintf(out, "subject:      CN=%s\n", cert.Subject.CommonName)
	fmt.Fprintf(out, "dns names:    %s\n", strings.Join(cert.DNSNames, ", "))
	if len(ips) > 0 {
		fmt.Fprintf(out, "ip addresses: %s\n", strings.Join(ips, ", "))
	}
	fmt.Fprintf(out, "not after:    %s\n", cert.NotAfter.UTC().Format(time.RFC3339))
	fmt.Fprintf(out, "sha256 fingerprint: %s\n", tlsutil.Fingerprint(cert))
	fmt.Fprintf(out, "spki pin (sha256, base64): %s\n", tlsutil.SPKIPin(cert))
}
