package render

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"sigs.k8s.io/yaml"
)

// userYAMLPath is the values key of the extra Milvus config file that the
// Milvus chart mounts as user.yaml.
const userYAMLPath = "extraConfigFiles.user.yaml"

// milvus26Tag matches image tags of Milvus 2.6, such as v2.6.3 or 2.6.0-rc1.
var milvus26Tag = regexp.MustCompile(`^v?2\.6(\.|$|-)`)

// valuesInput holds the facts that the values rules need from the whole
// input.
// helm install -f a.yaml -f b.yaml merges maps, so one file may set the
// image tag and another the TLS mode, but a later user.yaml string
// replaces an earlier one as a whole.
type valuesInput struct {
	// http2 is set when a Service or service.annotations in the input gives
	// a port the HTTP2 app protocol.
	http2 bool
	// tlsOn is set when some values document turns TLS on in user.yaml.
	tlsOn bool
	// imageTag is image.all.tag of the last values document that sets it.
	imageTag string
	// restDisabled is set when some values document sets the chart's
	// proxy.http.enabled to false.
	restDisabled bool
}

func newValuesInput(m *Manifests) valuesInput {
	input := valuesInput{http2: hasHTTP2AppProtocol(m)}
	for _, v := range m.Values {
		if tag, ok := lookup(v.Value, "image", "all", "tag"); ok {
			input.imageTag = fmt.Sprint(tag)
		}
		if enabled, ok := lookup(v.Value, "proxy", "http", "enabled"); ok && fmt.Sprint(enabled) == "false" {
			input.restDisabled = true
		}
		user, finding := userConfig(Finding{}, v.Value)
		if finding == nil {
			mode, _ := lookup(user, "common", "security", "tlsMode")
			if n, _ := toInt(mode); n > milvusTLSModeOff {
				input.tlsOn = true
			}
		}
	}
	return input
}

// lintValues checks the TLS settings in every Helm values document of m.
func lintValues(m *Manifests) []Finding {
	var findings []Finding
	input := newValuesInput(m)
	for _, v := range m.Values {
		base := Finding{Severity: SeverityError, Object: "HelmValues/" + v.Source, Source: v.Source}
		if mode, ok := lookup(v.Value, "common", "security", "tlsMode"); ok {
			f := base
			f.Rule = "values-tlsmode-top-level"
			f.Path, f.Value = "common.security.tlsMode", fmt.Sprint(mode)
			f.Message = "the Milvus chart ignores common.security at the top level of its values, so Milvus keeps TLS off"
			f.Fix = "move it into extraConfigFiles.user.yaml: |\n  common:\n    security:\n      tlsMode: 1"
			findings = append(findings, f)
		}
		user, userFinding := userConfig(base, v.Value)
		if userFinding != nil {
			findings = append(findings, *userFinding)
			continue
		}
		findings = append(findings, lintTLSMode(base, user, input)...)
	}
	return findings
}

// userConfig parses extraConfigFiles.user.yaml; a nil map with no finding
// means the values do not set it.
func userConfig(base Finding, values map[string]any) (map[string]any, *Finding) {
	raw, ok := lookup(values, "extraConfigFiles", "user.yaml")
	if !ok {
		return nil, nil
	}
	text, isString := raw.(string)
	var user map[string]any
	err := fmt.Errorf("it is a %T, not a string", raw)
	if isString {
		err = yaml.Unmarshal([]byte(text), &user)
	}
	if err != nil {
		base.Rule = "values-user-yaml-invalid"
		base.Path, base.Value = userYAMLPath, shortValue(fmt.Sprint(raw))
		base.Message = fmt.Sprintf("the chart writes this string to Milvus's user.yaml, and it is not a YAML map: %v", err)
		base.Fix = "write user.yaml as a block string: user.yaml: |+ followed by indented YAML"
		return nil, &base
	}
	return user, nil
}

func lintTLSMode(base Finding, user map[string]any, input valuesInput) []Finding {
	modePath := userYAMLPath + ": common.security.tlsMode"
	raw, set := lookup(user, "common", "security", "tlsMode")
	mode, _ := toInt(raw)
	base.Path, base.Value = modePath, fmt.Sprint(mode)
	if !set {
		base.Value = "<unset> (0)"
	}
	switch {
	case mode == milvusTLSModeMutual:
		base.Rule = "values-tlsmode-mutual"
		base.Message = "tlsMode 2 is mutual TLS: Milvus demands a client certificate, which the load balancer cannot present, so every request fails"
		base.Fix = "set tlsMode: 1 (server-side TLS)"
		return []Finding{base}
	case mode == milvusTLSModeOff && input.http2 && (set || !input.tlsOn):
		base.Rule = "values-tlsmode-off"
		base.Message = "Milvus serves plaintext while the Service's app-protocols says HTTP2, and the load balancer speaks HTTP/2 to backends only over TLS, so every request fails (502)"
		base.Fix = "set tlsMode: 1 in extraConfigFiles.user.yaml"
		return []Finding{base}
	case mode > milvusTLSModeOff:
		return lintRESTPort(base, user, input)
	}
	return nil
}

// lintRESTPort flags Milvus 2.6 with TLS on while the REST server shares
// the gRPC port: the proxy then stops at start-up with "tls mode must be 0".
func lintRESTPort(base Finding, user map[string]any, input valuesInput) []Finding {
	if !milvus26Tag.MatchString(input.imageTag) || input.restDisabled {
		return nil
	}
	if enabled, ok := lookup(user, "proxy", "http", "enabled"); ok && fmt.Sprint(enabled) == "false" {
		return nil
	}
	if port, ok := lookup(user, "proxy", "http", "port"); ok {
		if n, isInt := toInt(port); isInt && n != MilvusGRPCPort {
			return nil
		}
	}
	base.Rule = "values-rest-port-shared"
	base.Path, base.Value = userYAMLPath+": proxy.http.port", "<unset> (shares 19530), image.all.tag "+input.imageTag
	base.Message = `Milvus 2.6 with TLS on does not start while its REST server shares port 19530: the proxy exits with "tls mode must be 0"`
	base.Fix = fmt.Sprintf("set proxy.http.port: %d in user.yaml, or proxy.http.enabled: false", MilvusRESTPort)
	return []Finding{base}
}

// hasHTTP2AppProtocol reports whether a Service in m or the service
// annotations of Helm values in m give any port the HTTP2 app protocol.
func hasHTTP2AppProtocol(m *Manifests) bool {
	values := make([]string, 0, len(m.Services))
	for _, svc := range m.Services {
		values = append(values, svc.Value.Annotations[AnnotationAppProtocols])
	}
	for _, v := range m.Values {
		if raw, ok := lookup(v.Value, "service", "annotations", AnnotationAppProtocols); ok {
			values = append(values, fmt.Sprint(raw))
		}
	}
	for _, value := range values {
		var protocols map[string]string
		if json.Unmarshal([]byte(value), &protocols) != nil {
			continue
		}
		for _, p := range protocols {
			if p == appProtocolHTTP2 {
				return true
			}
		}
	}
	return false
}

// lookup returns the value at path in nested maps.
func lookup(m map[string]any, path ...string) (any, bool) {
	var current any = m
	for _, key := range path {
		node, ok := current.(map[string]any)
		if !ok {
			return nil, false
		}
		if current, ok = node[key]; !ok {
			return nil, false
		}
	}
	return current, true
}

// toInt reads a number that YAML decoded as float64 or that was quoted.
func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), n == float64(int(n))
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}
