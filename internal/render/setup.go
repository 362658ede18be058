package render

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Annotation keys of the GKE Ingress controller on a Service and an Ingress.
const (
	AnnotationAppProtocols     = "cloud.google.com/app-protocols"
	AnnotationBackendConfig    = "cloud.google.com/backend-config"
	AnnotationNEG              = "cloud.google.com/neg"
	AnnotationManagedCerts     = "networking.gke.io/managed-certificates"
	healthCheckType            = "HTTP"
	healthCheckPath            = "/healthz"
	appProtocolHTTP2           = "HTTP2"
	managedCertificateAPI      = "networking.gke.io/v1"
	backendConfigAPI           = "cloud.google.com/v1"
	milvusTLSModeServerOnly    = 1
	milvusTLSModeMutual        = 2
	milvusTLSModeOff           = 0
	helmValuesExtraConfigFiles = "extraConfigFiles"
)

func objectMeta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace}
}

// HelmValues returns the values for the Milvus Helm chart: a ClusterIP
// Service, TLS mode 1 through extraConfigFiles.user.yaml with the Secret
// mounted where the cert paths point, and the REST server moved off 19530.
func HelmValues(o Options) map[string]any {
	userYAML := fmt.Sprintf(`common:
  security:
    tlsMode: %d
tls:
  serverPemPath: %s/tls.crt
  serverKeyPath: %s/tls.key
proxy:
  http:
    port: %d
`, milvusTLSModeServerOnly, milvusTLSMountPath, milvusTLSMountPath, MilvusRESTPort)
	return map[string]any{
		"service": map[string]any{"type": "ClusterIP"},
		helmValuesExtraConfigFiles: map[string]any{
			"user.yaml": userYAML,
		},
		"volumes": []any{map[string]any{
			"name":   "milvus-tls",
			"secret": map[string]any{"secretName": o.SecretName},
		}},
		"volumeMounts": []any{map[string]any{
			"name":      "milvus-tls",
			"mountPath": milvusTLSMountPath,
			"readOnly":  true,
		}},
	}
}

// NewBackendConfig returns the BackendConfig that points the load balancer's
// health check at Milvus's plain-HTTP /healthz on 9091.
func NewBackendConfig(o Options) *BackendConfig {
	return &BackendConfig{
		TypeMeta:   metav1.TypeMeta{APIVersion: backendConfigAPI, Kind: "BackendConfig"},
		ObjectMeta: objectMeta(o.BackendConfigName, o.Namespace),
		Spec: BackendConfigSpec{HealthCheck: &HealthCheckConfig{
			Type:        ptr.To(healthCheckType),
			Port:        ptr.To(int64(MilvusMetricsPort)),
			RequestPath: ptr.To(healthCheckPath),
		}},
	}
}

// ServiceAnnotations returns the three annotations that the Milvus Service
// needs behind a GKE Ingress, with their JSON values.
func ServiceAnnotations(o Options) map[string]string {
	return map[string]string{
		AnnotationAppProtocols:  mustJSON(map[string]string{MilvusPortName: appProtocolHTTP2}),
		AnnotationBackendConfig: mustJSON(map[string]string{"default": o.BackendConfigName}),
		AnnotationNEG:           mustJSON(map[string]bool{"ingress": true}),
	}
}

// NewServicePatch returns a patch of the Milvus Service that adds its
// annotations, for kubectl patch --patch-file.
func NewServicePatch(o Options) *corev1.Service {
	meta := objectMeta(o.ServiceName, o.Namespace)
	meta.Annotations = ServiceAnnotations(o)
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta,
	}
}

// NewManagedCertificate returns the Google-managed certificate for the
// domain.
func NewManagedCertificate(o Options) *ManagedCertificate {
	return &ManagedCertificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: managedCertificateAPI, Kind: "ManagedCertificate"},
		ObjectMeta: objectMeta(o.ManagedCertName, o.Namespace),
		Spec:       ManagedCertificateSpec{Domains: []string{o.Domain}},
	}
}

// NewIngress returns the Ingress that routes the domain to the Milvus
// Service's gRPC port, with the front certificate of the chosen mode.
func NewIngress(o Options) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: objectMeta(o.IngressName, o.Namespace),
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			Host: o.Domain,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path:     "/",
					PathType: ptr.To(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: o.ServiceName,
						Port: networkingv1.ServiceBackendPort{Number: MilvusGRPCPort},
					}},
				}},
			}},
		}}},
	}
	switch o.CertMode {
	case CertGoogleManaged:
		ing.Annotations = map[string]string{AnnotationManagedCerts: o.ManagedCertName}
	default:
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{o.Domain}, SecretName: o.SecretName}}
	}
	return ing
}

// AnnotateCommand returns the kubectl annotate command that sets the
// Service annotations, with each JSON value in single quotes for a POSIX
// shell.
func AnnotateCommand(o Options) string {
	ann := ServiceAnnotations(o)
	return fmt.Sprintf("kubectl annotate service %s -n %s --overwrite \\\n  %s='%s' \\\n  %s='%s' \\\n  %s='%s'",
		o.ServiceName, o.Namespace,
		AnnotationAppProtocols, ann[AnnotationAppProtocols],
		AnnotationBackendConfig, ann[AnnotationBackendConfig],
		AnnotationNEG, ann[AnnotationNEG])
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal constant JSON value: %v", err))
	}
	return string(b)
}

func mustQuantity(s string) resource.Quantity {
	return resource.MustParse(s)
}
