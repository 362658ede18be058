package render

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// sameNamespace matches two namespaces, where an empty one (a file applied
// with kubectl -n) matches any.
func sameNamespace(a, b string) bool {
	return a == "" || b == "" || a == b
}

// milvusServices returns the Services that an Ingress in m routes to, or,
// when m holds no Ingress, the Services with a port 19530.
func milvusServices(m *Manifests) []Object[corev1.Service] {
	var out []Object[corev1.Service]
	for _, svc := range m.Services {
		if len(m.Ingresses) == 0 {
			if servicePortByNumber(&svc.Value, MilvusGRPCPort) != nil {
				out = append(out, svc)
			}
			continue
		}
		if len(ingressBackendsFor(m, &svc.Value)) > 0 {
			out = append(out, svc)
		}
	}
	return out
}

// ingressBackendsFor returns the backends of every Ingress in m that name
// svc.
func ingressBackendsFor(m *Manifests, svc *corev1.Service) []*networkingv1.IngressServiceBackend {
	var out []*networkingv1.IngressServiceBackend
	for _, ing := range m.Ingresses {
		if !sameNamespace(ing.Value.Namespace, svc.Namespace) {
			continue
		}
		for _, b := range ingressBackends(&ing.Value) {
			if b.backend.Name == svc.Name {
				out = append(out, b.backend)
			}
		}
	}
	return out
}

// pathedBackend is an Ingress backend with its field path.
type pathedBackend struct {
	path    string
	backend *networkingv1.IngressServiceBackend
}

func ingressBackends(ing *networkingv1.Ingress) []pathedBackend {
	var out []pathedBackend
	if d := ing.Spec.DefaultBackend; d != nil && d.Service != nil {
		out = append(out, pathedBackend{"spec.defaultBackend.service", d.Service})
	}
	for i, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for j, p := range rule.HTTP.Paths {
			if p.Backend.Service != nil {
				path := fmt.Sprintf("spec.rules[%d].http.paths[%d].backend.service", i, j)
				out = append(out, pathedBackend{path, p.Backend.Service})
			}
		}
	}
	return out
}

func servicePortByNumber(svc *corev1.Service, number int32) *corev1.ServicePort {
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Port == number {
			return &svc.Spec.Ports[i]
		}
	}
	return nil
}

func servicePortByName(svc *corev1.Service, name string) *corev1.ServicePort {
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Name == name {
			return &svc.Spec.Ports[i]
		}
	}
	return nil
}

// lintBackendConfigs checks the health check of the BackendConfigs that a
// Milvus Service names, or of every BackendConfig when no Service names one.
func lintBackendConfigs(m *Manifests) []Finding {
	named := map[string]bool{}
	for _, svc := range milvusServices(m) {
		if name, ok := backendConfigName(svc.Value.Annotations[AnnotationBackendConfig]); ok {
			named[name] = true
		}
	}
	var findings []Finding
	for _, bc := range m.BackendConfigs {
		if len(named) > 0 && !named[bc.Value.Name] {
			continue
		}
		findings = append(findings, lintHealthCheck(bc)...)
	}
	return findings
}

func lintHealthCheck(bc Object[BackendConfig]) []Finding {
	f := Finding{
		Severity: SeverityError,
		Rule:     "backendconfig-health-check",
		Object:   objectName("BackendConfig", bc.Value.Namespace, bc.Value.Name),
		Source:   bc.Source,
	}
	hc := bc.Value.Spec.HealthCheck
	if hc == nil {
		f.Path, f.Value = "spec.healthCheck", "<unset>"
		f.Message = "no health check is set, so the load balancer checks the serving port 19530, which cannot pass, and every backend stays unhealthy (502)"
		f.Fix = "set spec.healthCheck to type: HTTP, port: 9091, requestPath: /healthz"
		return []Finding{f}
	}
	var findings []Finding
	if hc.Type == nil || *hc.Type != healthCheckType {
		g := f
		g.Path, g.Value = "spec.healthCheck.type", derefString(hc.Type)
		g.Message = "Milvus's /healthz on 9091 is plain HTTP; any other health check type fails against it"
		g.Fix = "set spec.healthCheck.type: HTTP"
		findings = append(findings, g)
	}
	if hc.Port == nil || *hc.Port != MilvusMetricsPort {
		g := f
		g.Path, g.Value = "spec.healthCheck.port", derefInt(hc.Port)
		g.Message = "Milvus serves /healthz on its metrics port 9091, not on the gRPC port"
		g.Fix = "set spec.healthCheck.port: 9091"
		findings = append(findings, g)
	}
	if hc.RequestPath == nil || *hc.RequestPath != healthCheckPath {
		g := f
		g.Path, g.Value = "spec.healthCheck.requestPath", derefString(hc.RequestPath)
		g.Message = "Milvus answers 200 only on /healthz; other paths return 404 and the backends stay unhealthy"
		g.Fix = "set spec.healthCheck.requestPath: /healthz"
		findings = append(findings, g)
	}
	return findings
}

func derefString(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

func derefInt(i *int64) string {
	if i == nil {
		return "<unset>"
	}
	return strconv.FormatInt(*i, 10)
}

// backendConfigName returns the BackendConfig named by the annotation value
// {"default": NAME}, or the first of {"ports": {...}}.
func backendConfigName(value string) (string, bool) {
	var parsed struct {
		Default string            `json:"default"`
		Ports   map[string]string `json:"ports"`
	}
	if err := json.Unmarshal([]byte(value), &parsed); err != nil {
		return "", false
	}
	if parsed.Default != "" {
		return parsed.Default, true
	}
	for _, name := range parsed.Ports {
		return name, true
	}
	return "", false
}

func annotationPath(key string) string {
	return fmt.Sprintf("metadata.annotations[%q]", key)
}

func shortValue(s string) string {
	if s == "" {
		return "<unset>"
	}
	return strings.TrimSpace(s)
}
