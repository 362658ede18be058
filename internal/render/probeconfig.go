package render

import (
	"fmt"
)

// ProbeConfig is the config file of milvus-l7-probe: the top-level keys are
// the default target, and targets adds more with overrides.
//
// It mirrors config.File, which has mapstructure tags and time.Duration
// fields and so does not marshal to this YAML. TestProbeConfigLoads feeds
// the rendered file to config.Load, so the two cannot drift apart.
type ProbeConfig struct {
	Address           string        `json:"address"`
	ServerName        string        `json:"server_name"`
	TLS               ProbeTLS      `json:"tls"`
	GRPCHealthService string        `json:"grpc_health_service"`
	HealthzURL        string        `json:"healthz_url,omitempty"`
	Timeout           string        `json:"timeout"`
	Interval          string        `json:"interval"`
	Credentials       *Credentials  `json:"credentials,omitempty"`
	Targets           []ProbeTarget `json:"targets,omitempty"`
}

// ProbeTLS selects how the probe verifies the load balancer's certificate.
// Empty server_pem, ca_file and spki_pins mean the system roots.
type ProbeTLS struct {
	Enabled            bool     `json:"enabled"`
	ServerPEM          string   `json:"server_pem,omitempty"`
	CAFile             string   `json:"ca_file,omitempty"`
	SPKIPins           []string `json:"spki_pins,omitempty"`
	InsecureSkipVerify bool     `json:"insecure_skip_verify"`
	MinCertValidity    string   `json:"min_cert_validity"`
}

// Credentials name the files that hold the Milvus user's password or token;
// the secrets themselves never appear in the config.
type Credentials struct {
	Username     string `json:"username,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
	TokenFile    string `json:"token_file,omitempty"`
}

// ProbeTarget is one more target; empty fields take the default target's
// values.
type ProbeTarget struct {
	Name       string    `json:"name"`
	Address    string    `json:"address"`
	ServerName string    `json:"server_name,omitempty"`
	TLS        *ProbeTLS `json:"tls,omitempty"`
	HealthzURL string    `json:"healthz_url,omitempty"`
}

// Paths inside the probe's container.
const (
	probeConfigDir  = "/etc/milvus-l7-probe"
	probeConfigPath = probeConfigDir + "/config.yaml"
	probeCertDir    = probeConfigDir + "/tls"
)

// NewProbeConfig returns the probe config for this setup. healthzURL is
// where the probe reaches Milvus's /healthz: 127.0.0.1 in a sidecar, the
// Service's cluster DNS name elsewhere.
func NewProbeConfig(o Options, healthzURL string) ProbeConfig {
	tls := ProbeTLS{Enabled: true, MinCertValidity: "336h"}
	if o.CertMode == CertSelfManaged {
		// The self-signed certificate is the only trusted root, exactly as
		// pymilvus's server_pem_path uses it.
		tls.ServerPEM = probeCertDir + "/tls.crt"
	}
	return ProbeConfig{
		Address:    o.Address,
		ServerName: o.Domain,
		TLS:        tls,
		HealthzURL: healthzURL,
		Timeout:    "10s",
		Interval:   "30s",
	}
}

// sidecarHealthzURL is Milvus's /healthz as a sidecar in the Milvus pod
// reaches it.
func sidecarHealthzURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/healthz", MilvusMetricsPort)
}

// serviceHealthzURL is Milvus's /healthz through the Milvus Service's
// cluster DNS name, for the probe's own Deployment and CronJob.
func serviceHealthzURL(o Options) string {
	return fmt.Sprintf("http://%s.%s.svc:%d/healthz", o.ServiceName, o.Namespace, MilvusMetricsPort)
}
