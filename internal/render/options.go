// Package render builds the Kubernetes manifests, Helm values, probe config
// and plan of a Milvus setup behind a GKE Ingress, and lints existing
// manifests of that setup for known mistakes.
package render

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
)

// CertMode selects where the load balancer's front certificate comes from.
type CertMode string

// The certificate modes. Self-managed serves a kubernetes.io/tls Secret named
// in the Ingress spec.tls; google-managed serves a ManagedCertificate named
// in the Ingress annotation networking.gke.io/managed-certificates.
const (
	CertSelfManaged   CertMode = "self-managed"
	CertGoogleManaged CertMode = "google-managed"
)

// Ports and paths that Milvus and the probe use.
const (
	// MilvusGRPCPort is the Milvus proxy's gRPC port, the Ingress backend.
	MilvusGRPCPort = 19530
	// MilvusMetricsPort serves Milvus's plain-HTTP /healthz and /metrics.
	MilvusMetricsPort = 9091
	// MilvusPortName is the Service port name the Milvus Helm chart gives
	// the gRPC port; app-protocols refers to the port by this name.
	MilvusPortName = "milvus"
	// MilvusRESTPort is where render moves the Milvus 2.6 REST server, which
	// otherwise shares 19530 and stops the proxy from starting with TLS on.
	MilvusRESTPort = 8080
	// ProbePort is the probe daemon's HTTP port for /metrics, /healthz and
	// /readyz. It lies in the 9100-9999 exporter range and collides with no
	// port that Milvus listens on (19530, 19529, 9091, 8080).
	ProbePort = 9469
	// DefaultProbeImage is the container image of the probe in rendered
	// manifests; --probe-image overrides it.
	DefaultProbeImage = "ghcr.io/milvus-l7-probe/milvus-l7-probe:latest"
	// milvusTLSMountPath is the folder in the Milvus pods that the TLS
	// Secret is mounted at, the one in the TLS example of the Milvus Helm
	// chart's values.yaml.
	milvusTLSMountPath = "/etc/milvus/certs"
)

// Options are the values that one rendering is made from. Empty names take
// their defaults from the release in Complete.
type Options struct {
	Release   string
	Namespace string
	Domain    string
	CertMode  CertMode
	// Address is the probe's gRPC target, HOST:PORT of the load balancer;
	// empty means the domain on port 443.
	Address string

	ServiceName        string
	BackendConfigName  string
	IngressName        string
	SecretName         string
	ManagedCertName    string
	MilvusDeployment   string
	ProbeName          string
	ProbeImage         string
	ProbeCheckSchedule string
}

// Complete fills every empty field with its default, derived from Release.
func (o *Options) Complete() {
	setDefault(&o.Release, "my-release")
	setDefault(&o.Namespace, "default")
	setDefault(&o.Domain, o.Release+".milvus.io")
	if o.CertMode == "" {
		o.CertMode = CertSelfManaged
	}
	setDefault(&o.Address, o.Domain+":443")
	setDefault(&o.ServiceName, o.Release+"-milvus")
	setDefault(&o.BackendConfigName, o.Release+"-milvus-backendconfig")
	setDefault(&o.IngressName, o.Release+"-milvus")
	setDefault(&o.SecretName, o.Release+"-milvus-tls")
	setDefault(&o.ManagedCertName, o.Release+"-milvus-cert")
	// The Milvus chart installs a cluster by default (cluster.enabled: true),
	// whose gRPC endpoint is the proxy Deployment.
	setDefault(&o.MilvusDeployment, o.Release+"-milvus-proxy")
	setDefault(&o.ProbeName, o.Release+"-milvus-l7-probe")
	setDefault(&o.ProbeImage, DefaultProbeImage)
	setDefault(&o.ProbeCheckSchedule, "*/10 * * * *")
}

func setDefault(field *string, value string) {
	if *field == "" {
		*field = value
	}
}

// dns1123Label is a Kubernetes object name segment (RFC 1123 label).
var dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate reports the first option that is invalid, naming the flag that
// sets it, the value and the fix.
func (o *Options) Validate() error {
	if o.CertMode != CertSelfManaged && o.CertMode != CertGoogleManaged {
		return fmt.Errorf("--cert-mode %q is invalid: use %s or %s", o.CertMode, CertSelfManaged, CertGoogleManaged)
	}
	names := []struct{ flag, value string }{
		{"--release", o.Release},
		{"--namespace", o.Namespace},
		{"--service-name", o.ServiceName},
		{"--backend-config-name", o.BackendConfigName},
		{"--ingress-name", o.IngressName},
		{"--secret-name", o.SecretName},
		{"--managed-cert-name", o.ManagedCertName},
		{"--milvus-deployment", o.MilvusDeployment},
		{"--probe-name", o.ProbeName},
	}
	for _, n := range names {
		if err := ValidateName(n.flag, n.value); err != nil {
			return err
		}
	}
	if err := ValidateDomain(o.Domain); err != nil {
		return fmt.Errorf("--domain: %w", err)
	}
	if !validSchedule(o.ProbeCheckSchedule) {
		return fmt.Errorf("--check-schedule %q is invalid: use five cron fields or a macro such as @hourly, e.g. \"*/10 * * * *\"", o.ProbeCheckSchedule)
	}
	// probe-config.yaml gets the address, so it must pass the check that
	// check --config and run apply to it.
	if err := config.ValidateAddress(o.Address); err != nil {
		return fmt.Errorf("--address: %w", err)
	}
	if len(o.ProbeImage) > 255 || !imageReference.MatchString(o.ProbeImage) {
		return fmt.Errorf("--probe-image %q is invalid: use REGISTRY/REPOSITORY:TAG with a lower-case repository and no spaces, e.g. %s", o.ProbeImage, DefaultProbeImage)
	}
	return nil
}

// imageReference is the form of a container image reference, NAME[:TAG]
// [@DIGEST], after the grammar of github.com/distribution/reference that
// Docker and containerd parse. The registry host may have upper-case
// letters and a port, and the repository path is lower-case.
var imageReference = regexp.MustCompile(`^` +
	`(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::[\w][\w.-]{0,127})?` +
	`(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)

// ValidateName checks that value, set by flag, is a name that Kubernetes
// accepts for a namespace, a Service and every other object render writes:
// an RFC 1123 label.
func ValidateName(flag, value string) error {
	if len(value) > 63 || !dns1123Label.MatchString(value) {
		return fmt.Errorf("%s %q is invalid: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit", flag, value)
	}
	return nil
}

// domainPattern is the host name form that the ManagedCertificate CRD
// accepts for spec.domains (gke-managed-certs,
// deploy/managedcertificates-crd.yaml, the v1beta1 schema).
var domainPattern = regexp.MustCompile(`^(([a-zA-Z0-9]+|[a-zA-Z0-9][-a-zA-Z0-9]*[a-zA-Z0-9])\.)+[a-zA-Z][-a-zA-Z0-9]*[a-zA-Z0-9]\.?$`)

// ValidateDomain checks that domain is a fully qualified DNS name that an
// Ingress host, a certificate SAN and a ManagedCertificate all accept.
func ValidateDomain(domain string) error {
	if domain == "" {
		return fmt.Errorf("domain is empty: use a DNS name such as my-release.milvus.io")
	}
	if len(domain) > 253 || !domainPattern.MatchString(domain) {
		return fmt.Errorf("domain %q is invalid: use a DNS name with at least two labels of letters, digits and '-', such as my-release.milvus.io", domain)
	}
	return nil
}

// validSchedule accepts the forms a CronJob schedule takes: five fields, or
// a macro such as @hourly. The API server checks the fields themselves.
func validSchedule(schedule string) bool {
	if strings.HasPrefix(schedule, "@") {
		return len(schedule) > 1 && !strings.ContainsAny(schedule, " \t")
	}
	return len(strings.Fields(schedule)) == 5
}
