package render

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// lintServices checks the GKE annotations of every Milvus Service in m.
func lintServices(m *Manifests) []Finding {
	var findings []Finding
	for _, svc := range milvusServices(m) {
		base := Finding{
			Severity: SeverityError,
			Object:   objectName("Service", svc.Value.Namespace, svc.Value.Name),
			Source:   svc.Source,
		}
		findings = append(findings, lintAnnotationsPresent(base, &svc.Value)...)
		findings = append(findings, lintAppProtocols(base, m, &svc.Value)...)
		findings = append(findings, lintBackendConfigRef(base, m, &svc.Value)...)
	}
	return findings
}

func lintAnnotationsPresent(base Finding, svc *corev1.Service) []Finding {
	want := ServiceAnnotations(Options{BackendConfigName: "NAME"})
	reasons := map[string]string{
		AnnotationAppProtocols:  "without it the load balancer speaks HTTP/1.1 to Milvus, which gRPC cannot use",
		AnnotationBackendConfig: "without it the load balancer's health check probes the serving port and never passes",
		AnnotationNEG:           "without it the Ingress uses instance groups and node ports instead of container-native load balancing to the pods",
	}
	var findings []Finding
	for _, key := range []string{AnnotationAppProtocols, AnnotationBackendConfig, AnnotationNEG} {
		if _, ok := svc.Annotations[key]; ok {
			continue
		}
		f := base
		f.Rule = "service-annotation-missing"
		f.Path, f.Value = annotationPath(key), "<unset>"
		f.Message = "the annotation is missing: " + reasons[key]
		f.Fix = fmt.Sprintf("add %s: '%s'", key, want[key])
		findings = append(findings, f)
	}
	return findings
}

// ingressPortName returns the name of the Service port 19530 that an
// Ingress routes to. Backends on other ports are skipped, because the rule
// ingress-backend-port reports them.
func ingressPortName(m *Manifests, svc *corev1.Service) (string, bool) {
	for _, b := range ingressBackendsFor(m, svc) {
		if b.Port.Name != "" {
			if p := servicePortByName(svc, b.Port.Name); p != nil && p.Port == MilvusGRPCPort {
				return b.Port.Name, true
			}
		}
	}
	if p := servicePortByNumber(svc, MilvusGRPCPort); p != nil {
		return p.Name, true
	}
	return "", false
}

func lintAppProtocols(base Finding, m *Manifests, svc *corev1.Service) []Finding {
	value, ok := svc.Annotations[AnnotationAppProtocols]
	if !ok {
		return nil
	}
	base.Path, base.Value = annotationPath(AnnotationAppProtocols), shortValue(value)
	var protocols map[string]string
	if err := json.Unmarshal([]byte(value), &protocols); err != nil {
		base.Rule = "service-app-protocols-json"
		base.Message = fmt.Sprintf("the value is not a JSON object of port name to protocol (%v), so GKE ignores it", err)
		base.Fix = `use '{"milvus":"HTTP2"}' with straight double quotes`
		return []Finding{base}
	}
	portName, found := ingressPortName(m, svc)
	if !found {
		return nil
	}
	protocol, named := protocols[portName]
	if !named {
		base.Rule = "service-app-protocols-port"
		base.Message = fmt.Sprintf("the value does not name the port %q that the Ingress routes to, so the load balancer speaks HTTP/1.1 to it", portName)
		base.Fix = fmt.Sprintf(`use '{"%s":"HTTP2"}'`, portName)
		if portName == "" {
			base.Message = "the Service port that the Ingress routes to has no name, and app-protocols refers to ports by name"
			base.Fix = `name the port (the Milvus chart calls it "milvus") and use '{"milvus":"HTTP2"}'`
		}
		return []Finding{base}
	}
	if protocol != appProtocolHTTP2 {
		base.Rule = "service-app-protocols-http2"
		base.Message = fmt.Sprintf("protocol %q for port %q: gRPC needs HTTP/2, and the load balancer uses HTTP/2 to the backend only with HTTP2", protocol, portName)
		base.Fix = fmt.Sprintf(`use '{"%s":"HTTP2"}'`, portName)
		return []Finding{base}
	}
	return nil
}

func lintBackendConfigRef(base Finding, m *Manifests, svc *corev1.Service) []Finding {
	value, ok := svc.Annotations[AnnotationBackendConfig]
	if !ok {
		return nil
	}
	base.Path, base.Value = annotationPath(AnnotationBackendConfig), shortValue(value)
	name, ok := backendConfigName(value)
	if !ok {
		base.Rule = "service-backend-config-json"
		base.Message = `the value is not valid JSON of the form {"default": NAME}, so GKE ignores it`
		base.Fix = `use '{"default":"<release>-milvus-backendconfig"}' naming your BackendConfig`
		return []Finding{base}
	}
	for _, bc := range m.BackendConfigs {
		if bc.Value.Name == name && sameNamespace(bc.Value.Namespace, svc.Namespace) {
			return nil
		}
	}
	base.Rule = "service-backend-config-missing"
	base.Severity = SeverityWarning
	base.Message = fmt.Sprintf("BackendConfig %q is not in the input; if it does not exist in the cluster either, the Ingress reports an error and keeps the default health check", name)
	base.Fix = "apply the BackendConfig in the Service's namespace, or lint it together with the Service"
	return []Finding{base}
}
