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
	for _, name := range []struct{ flag, value string }{
		{"--release", o.release},
		{"--namespace", o.namespace},
		{"--secret-name", o.secretName},
	} {
		if err := render.ValidateName(name.flag, name.value); err != nil {
			return err
		}
	}
	if o.secretOut == "-" {
		return errors.New("--secret-out - is invalid: the Secret contains the private key and is never printed; name a file")
	}
	return o.validateOutputs()
}

// outputFile is one file that cert writes, with the flag that names it.
type outputFile struct {
	path string
	flag string
	data []byte
	perm os.FileMode
}

// validateOutputs rejects output paths that cannot be written before any is
// written, so a rejected run leaves no half-replaced key pair.
func (o *certOptions) validateOutputs() error {
	if err := o.validateSecretOutDistinct(); err != nil {
		return err
	}
	for _, file := range o.outputFiles(nil) {
		if err := validateOutputFile(file, o.force); err != nil {
			return err
		}
	}
	return nil
}

// validateSecretOutDistinct rejects a --secret-out that names tls.key or
// tls.crt, which the Secret would overwrite right after they are written.
func (o *certOptions) validateSecretOutDistinct() error {
	if o.secretOut == "" {
		return nil
	}
	for _, path := range []string{o.keyPath(), o.certPath()} {
		if sameFile(o.secretOut, path) {
			return fmt.Errorf("--secret-out %s is the same file as %s, which cert also writes: name another file, e.g. --secret-out %s",
				o.secretOut, path, filepath.Join(o.outDir, "secret.yaml"))
		}
	}
	return nil
}

// sameFile reports whether a and b name one file: the same cleaned absolute
// path, or, when both exist, the same file through a link.
func sameFile(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	infoA, errA := os.Stat(a)
	infoB, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(infoA, infoB)
}

// validateOutputFile rejects a path that is a directory, whose parent is a
// file, or that exists while force is off.
func validateOutputFile(file outputFile, force bool) error {
	if info, err := os.Stat(filepath.Dir(file.path)); err == nil && !info.IsDir() {
		return fmt.Errorf("%s: %s is not a directory: choose another %s", file.path, filepath.Dir(file.path), file.flag)
	}
	info, err := os.Stat(file.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("check %s: %w", file.path, err)
	case info.IsDir():
		return fmt.Errorf("%s is a directory: choose another %s that names a file", file.path, file.flag)
	case !force:
		return fmt.Errorf("%s exists: pass --force to overwrite it, or choose another %s", file.path, file.flag)
	}
	return nil
}

// outputFiles lists the files cert writes, with their contents from pair
// when pair is not nil.
func (o *certOptions) outputFiles(pair *tlsutil.KeyPair) []outputFile {
	files := []outputFile{
		{path: o.keyPath(), flag: "--out-dir", perm: 0o600},
		{path: o.certPath(), flag: "--out-dir", perm: 0o644},
	}
	if pair != nil {
		files[0].data, files[1].data = pair.KeyPEM, pair.CertPEM
	}
	if o.secretOut != "" {
		files = append(files, outputFile{path: o.secretOut, flag: "--secret-out", perm: 0o600})
	}
	return files
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

	files := o.outputFiles(pair)
	if o.secretOut != "" {
		secret, err := yaml.Marshal(newTLSSecret(o.secretName, o.namespace, pair))
		if err != nil {
			return &exitError{Code: probe.ExitInternal, Err: fmt.Errorf("marshal Secret: %w", err)}
		}
		files[2].data = secret
	}
	if err := writeOutputFiles(files); err != nil {
		return usageError(err)
	}
	o.printSummary(out, pair)
	return nil
}

// writeOutputFiles writes each file to a temporary file next to it and
// renames them into place only when every write has succeeded. A directory
// without write permission or a full disk thus leaves the old files intact.
func writeOutputFiles(files []outputFile) error {
	temps := make([]string, 0, len(files))
	defer func() {
		for _, temp := range temps {
			os.Remove(temp) // fails with ErrNotExist after a successful rename
		}
	}()
	for _, file := range files {
		temp, err := writeTemp(file)
		if err != nil {
			return err
		}
		temps = append(temps, temp)
	}
	for i, file := range files {
		if err := os.Rename(temps[i], file.path); err != nil {
			return fmt.Errorf("write %s: %w", file.path, err)
		}
	}
	return nil
}

// writeTemp writes file.data with mode file.perm to a new temporary file in
// the directory of file.path, creating the directory, and returns its path.
func writeTemp(file outputFile) (string, error) {
	dir := filepath.Dir(file.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create directory of %s %s: %w", file.flag, file.path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(file.path)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", file.path, err)
	}
	_, err = f.Write(file.data)
	if err == nil {
		err = f.Chmod(file.perm)
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write %s: %w", file.path, err)
	}
	return f.Name(), nil
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
