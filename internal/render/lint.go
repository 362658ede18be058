package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Severity is error when a finding breaks the setup, and warning when it
// may break it, depending on objects that lint did not see.
type Severity string

// The severities of a finding.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one mistake that lint found: the object, the field path and its
// value, what is wrong, and the fix.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Object   string   `json:"object"`
	Source   string   `json:"source"`
	Path     string   `json:"path"`
	Value    string   `json:"value"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
}

// HasErrors reports whether any finding has severity error.
func HasErrors(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Manifests are the objects that lint reads, grouped by kind. Documents of
// other kinds are skipped.
type Manifests struct {
	Services       []Object[corev1.Service]
	Ingresses      []Object[networkingv1.Ingress]
	Secrets        []Object[corev1.Secret]
	BackendConfigs []Object[BackendConfig]
	ManagedCerts   []Object[ManagedCertificate]
	Values         []Object[map[string]any]
	// Documents counts the Kubernetes objects and Helm values documents
	// read, including objects of kinds that no rule checks and List items.
	Documents int
}

// Object is one decoded document with the file it came from.
type Object[T any] struct {
	Source string
	Value  T
}

// ReadManifests adds every document of the YAML stream r to m. source names
// the stream in findings. A stream may hold several documents separated by
// ---, and a document of kind List (kubectl get -o yaml) adds its items.
func (m *Manifests) ReadManifests(r io.Reader, source string) error {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for index := 1; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", source, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		docJSON, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return fmt.Errorf("%s: document %d is not valid YAML: %w", source, index, err)
		}
		if err := m.add(docJSON, fmt.Sprintf("%s#%d", source, index)); err != nil {
			return err
		}
	}
}

// typeHeader is the part of every document that names its type.
type typeHeader struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

func (m *Manifests) add(doc []byte, source string) error {
	if string(doc) == "null" {
		return nil
	}
	var header typeHeader
	if err := json.Unmarshal(doc, &header); err != nil {
		// A scalar or a sequence at the top is no object and no values file.
		return nil
	}
	var err error
	switch {
	case header.Kind == "List" || (strings.HasSuffix(header.Kind, "List") && header.Items != nil):
		for i, item := range header.Items {
			if err := m.add(item, fmt.Sprintf("%s items[%d]", source, i)); err != nil {
				return err
			}
		}
	case header.APIVersion == "" && header.Kind == "":
		err = m.addValues(doc, source)
	case header.Kind == "":
		// apiVersion without kind is no object that kubectl would apply.
	default:
		m.Documents++
		err = m.addObject(header.Kind, doc, source)
	}
	return err
}

func (m *Manifests) addObject(kind string, doc []byte, source string) error {
	var err error
	switch kind {
	case "Service":
		m.Services, err = appendDecoded(m.Services, doc, source)
	case "Ingress":
		m.Ingresses, err = appendDecoded(m.Ingresses, doc, source)
	case "Secret":
		m.Secrets, err = appendDecoded(m.Secrets, doc, source)
	case "BackendConfig":
		m.BackendConfigs, err = appendDecoded(m.BackendConfigs, doc, source)
	case "ManagedCertificate":
		m.ManagedCerts, err = appendDecoded(m.ManagedCerts, doc, source)
	}
	return err
}

func appendDecoded[T any](list []Object[T], doc []byte, source string) ([]Object[T], error) {
	var value T
	if err := json.Unmarshal(doc, &value); err != nil {
		return list, fmt.Errorf("%s: decode %T: %w", source, value, err)
	}
	return append(list, Object[T]{Source: source, Value: value}), nil
}

// addValues keeps a document without apiVersion and kind as Helm values of
// the Milvus chart when it has one of the chart's keys extraConfigFiles,
// service or image.
func (m *Manifests) addValues(doc []byte, source string) error {
	var values map[string]any
	if err := json.Unmarshal(doc, &values); err != nil {
		return nil
	}
	for _, key := range []string{"extraConfigFiles", "service", "image"} {
		if _, ok := values[key]; ok {
			m.Values = append(m.Values, Object[map[string]any]{Source: source, Value: values})
			m.Documents++
			return nil
		}
	}
	return nil
}

// Lint runs every rule on m and returns the findings, errors first, then by
// object and path.
func Lint(m *Manifests) []Finding {
	var findings []Finding
	findings = append(findings, lintBackendConfigs(m)...)
	findings = append(findings, lintServices(m)...)
	findings = append(findings, lintIngresses(m)...)
	findings = append(findings, lintValues(m)...)
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.Severity != b.Severity {
			return a.Severity == SeverityError
		}
		if a.Object != b.Object {
			return a.Object < b.Object
		}
		return a.Path < b.Path
	})
	return findings
}

// objectName is the kind/namespace/name form that findings use.
func objectName(kind, namespace, name string) string {
	if namespace == "" {
		namespace = "default"
	}
	return kind + "/" + namespace + "/" + name
}
