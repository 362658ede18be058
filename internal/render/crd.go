package render

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackendConfig is the GKE Ingress backend configuration, written from the
// published v1 API of backendconfigs.cloud.google.com (kubernetes/ingress-gce,
// pkg/apis/backendconfig/v1/types.go). No Go module on the proxy publishes
// it. Fields this tool does not read are kept as raw JSON, so a strict decode
// still accepts every field of the published schema.
type BackendConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   BackendConfigSpec `json:"spec,omitempty"`
	Status json.RawMessage   `json:"status,omitempty"`
}

// BackendConfigSpec is the spec of a BackendConfig.
type BackendConfigSpec struct {
	HealthCheck           *HealthCheckConfig `json:"healthCheck,omitempty"`
	TimeoutSec            *int64             `json:"timeoutSec,omitempty"`
	Iap                   json.RawMessage    `json:"iap,omitempty"`
	Cdn                   json.RawMessage    `json:"cdn,omitempty"`
	SecurityPolicy        json.RawMessage    `json:"securityPolicy,omitempty"`
	ConnectionDraining    json.RawMessage    `json:"connectionDraining,omitempty"`
	SessionAffinity       json.RawMessage    `json:"sessionAffinity,omitempty"`
	CustomRequestHeaders  json.RawMessage    `json:"customRequestHeaders,omitempty"`
	CustomResponseHeaders json.RawMessage    `json:"customResponseHeaders,omitempty"`
	Logging               json.RawMessage    `json:"logging,omitempty"`
}

// HealthCheckConfig is the load balancer's health check of the backends.
// Nil fields take the load balancer's defaults.
type HealthCheckConfig struct {
	CheckIntervalSec   *int64  `json:"checkIntervalSec,omitempty"`
	TimeoutSec         *int64  `json:"timeoutSec,omitempty"`
	HealthyThreshold   *int64  `json:"healthyThreshold,omitempty"`
	UnhealthyThreshold *int64  `json:"unhealthyThreshold,omitempty"`
	Type               *string `json:"type,omitempty"`
	Port               *int64  `json:"port,omitempty"`
	RequestPath        *string `json:"requestPath,omitempty"`
}

// ManagedCertificate is a Google-managed certificate, written from the
// published v1 API of managedcertificates.networking.gke.io
// (GoogleCloudPlatform/gke-managed-certs, pkg/apis/networking.gke.io/v1/types.go).
// No Go module on the proxy publishes it.
type ManagedCertificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ManagedCertificateSpec    `json:"spec"`
	Status *ManagedCertificateStatus `json:"status,omitempty"`
}

// ManagedCertificateSpec lists the domains of the certificate.
type ManagedCertificateSpec struct {
	Domains []string `json:"domains"`
}

// ManagedCertificateStatus is the provisioning state that the controller
// writes; certificateStatus becomes Active when the certificate serves.
type ManagedCertificateStatus struct {
	CertificateStatus string         `json:"certificateStatus,omitempty"`
	DomainStatus      []DomainStatus `json:"domainStatus,omitempty"`
	CertificateName   string         `json:"certificateName,omitempty"`
	ExpireTime        string         `json:"expireTime,omitempty"`
}

// DomainStatus is the provisioning state of one domain.
type DomainStatus struct {
	Domain string `json:"domain"`
	Status string `json:"status"`
}
