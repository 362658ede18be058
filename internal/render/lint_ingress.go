package render

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// lintIngresses checks the backend port, the TLS Secret and the managed
// certificates of every Ingress in m.
func lintIngresses(m *Manifests) []Finding {
	var findings []Finding
	for _, ing := range m.Ingresses {
		base := Finding{
			Severity: SeverityError,
			Object:   objectName("Ingress", ing.Value.Namespace, ing.Value.Name),
			Source:   ing.Source,
		}
		findings = append(findings, lintBackendPorts(base, m, &ing.Value)...)
		findings = append(findings, lintTLSSecrets(base, m, &ing.Value)...)
		findings = append(findings, lintManagedCerts(base, m, &ing.Value)...)
	}
	return findings
}

func findService(m *Manifests, namespace, name string) *corev1.Service {
	for i := range m.Services {
		svc := &m.Services[i].Value
		if svc.Name == name && sameNamespace(svc.Namespace, namespace) {
			return svc
		}
	}
	return nil
}

// backendPortNumber resolves the backend's port to a number through the
// Service when the backend names the port; 0 means unknown.
func backendPortNumber(m *Manifests, namespace string, b *networkingv1.IngressServiceBackend) int32 {
	if b.Port.Name == "" {
		return b.Port.Number
	}
	if svc := findService(m, namespace, b.Name); svc != nil {
		if p := servicePortByName(svc, b.Port.Name); p != nil {
			return p.Port
		}
	}
	return 0
}

func lintBackendPorts(base Finding, m *Manifests, ing *networkingv1.Ingress) []Finding {
	var findings []Finding
	for _, b := range ingressBackends(ing) {
		number := backendPortNumber(m, ing.Namespace, b.backend)
		if number == 0 || number == MilvusGRPCPort {
			continue
		}
		f := base
		f.Rule = "ingress-backend-port"
		f.Path = b.path + ".port"
		f.Value = strconv.Itoa(int(number))
		if b.backend.Port.Name != "" {
			f.Value = fmt.Sprintf("%s (%d)", b.backend.Port.Name, number)
		}
		f.Message = "the backend is not Milvus's gRPC port 19530; 9091 serves only /healthz and /metrics over plain HTTP"
		f.Fix = "set the backend service port number to 19530"
		findings = append(findings, f)
	}
	return findings
}

func lintTLSSecrets(base Finding, m *Manifests, ing *networkingv1.Ingress) []Finding {
	var findings []Finding
	for i, tls := range ing.Spec.TLS {
		if tls.SecretName == "" || hasSecret(m, ing.Namespace, tls.SecretName) {
			continue
		}
		f := base
		f.Rule = "ingress-tls-secret-missing"
		f.Severity = SeverityWarning
		f.Path = fmt.Sprintf("spec.tls[%d].secretName", i)
		f.Value = tls.SecretName
		f.Message = "the TLS Secret is not in the input; if it does not exist in the cluster either, the load balancer serves no certificate for the host"
		// An Ingress without a namespace is applied with kubectl -n, so
		// the namespace is left for the reader to fill in.
		namespace := ing.Namespace
		if namespace == "" {
			namespace = "NAMESPACE"
		}
		f.Fix = fmt.Sprintf("create it in the Ingress's namespace with milvus-l7-probe cert --domain HOST --secret-out secret.yaml "+
			"--secret-name %s --namespace %s, then kubectl apply -f secret.yaml (or use kubectl create secret tls)", tls.SecretName, namespace)
		findings = append(findings, f)
	}
	return findings
}

func hasSecret(m *Manifests, namespace, name string) bool {
	for _, s := range m.Secrets {
		if s.Value.Name == name && sameNamespace(s.Value.Namespace, namespace) {
			return true
		}
	}
	return false
}

func findManagedCert(m *Manifests, namespace, name string) *ManagedCertificate {
	for i := range m.ManagedCerts {
		mc := &m.ManagedCerts[i].Value
		if mc.Name == name && sameNamespace(mc.Namespace, namespace) {
			return mc
		}
	}
	return nil
}

func lintManagedCerts(base Finding, m *Manifests, ing *networkingv1.Ingress) []Finding {
	value, ok := ing.Annotations[AnnotationManagedCerts]
	if !ok {
		return nil
	}
	base.Path = annotationPath(AnnotationManagedCerts)
	var findings []Finding
	for _, name := range strings.Split(value, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f := base
		f.Value = name
		mc := findManagedCert(m, ing.Namespace, name)
		if mc == nil {
			f.Rule = "ingress-managed-cert-missing"
			f.Severity = SeverityWarning
			f.Message = "the ManagedCertificate is not in the input; if it does not exist in the cluster either, the load balancer gets no certificate"
			f.Fix = "apply the ManagedCertificate in the Ingress's namespace, or lint it together with the Ingress"
			findings = append(findings, f)
			continue
		}
		for _, host := range ingressHosts(ing) {
			if !containsFold(mc.Spec.Domains, host) {
				g := f
				g.Rule = "ingress-managed-cert-domain"
				g.Value = fmt.Sprintf("%s (domains: %s)", name, strings.Join(mc.Spec.Domains, ","))
				g.Message = fmt.Sprintf("the ManagedCertificate does not cover the Ingress host %q, so clients that use that name get a certificate name mismatch", host)
				g.Fix = fmt.Sprintf("add %q to spec.domains of ManagedCertificate %s", host, name)
				findings = append(findings, g)
			}
		}
	}
	return findings
}

func ingressHosts(ing *networkingv1.Ingress) []string {
	var hosts []string
	for _, rule := range ing.Spec.Rules {
		if rule.Host != "" {
			hosts = append(hosts, rule.Host)
		}
	}
	return hosts
}

func containsFold(list []string, s string) bool {
	for _, item := range list {
		if strings.EqualFold(strings.TrimSuffix(item, "."), strings.TrimSuffix(s, ".")) {
			return true
		}
	}
	return false
}
