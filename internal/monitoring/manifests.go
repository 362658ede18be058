// Package monitoring holds the alert rules and the Grafana dashboard of
// milvus-l7-probe and renders them, with the ServiceMonitor and PodMonitor
// that scrape the probe, as Kubernetes manifests.
package monitoring

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/util/validation"
)

// rulesSource is the source of every rules file this package writes.
//
//go:embed alerts.rules.yml
var rulesSource []byte

// dashboardSource is the Grafana dashboard JSON model, shipped unchanged.
//
//go:embed grafana-dashboard.json
var dashboardSource []byte

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))

// manifestTemplates maps each manifest file name to its template.
var manifestTemplates = map[string]string{
	"prometheusrule.yaml":              "prometheusrule.yaml.tmpl",
	"servicemonitor.yaml":              "servicemonitor.yaml.tmpl",
	"podmonitor.yaml":                  "podmonitor.yaml.tmpl",
	"grafana-dashboard-configmap.yaml": "grafana-dashboard-configmap.yaml.tmpl",
}

const rulesHeader = `# Alert rules for milvus-l7-probe, generated from the project's rule
# source; regenerate them instead of editing them. docs/alerts.md explains
# each alert.
`

// Rules returns the Prometheus alert rules file, ready for rule_files.
func Rules() []byte {
	return append([]byte(rulesHeader), rulesBody()...)
}

// Dashboard returns the Grafana dashboard JSON model.
func Dashboard() []byte {
	return bytes.Clone(dashboardSource)
}

// Manifests renders the monitoring manifests for one Helm release of Milvus
// in one namespace: a PrometheusRule, a ServiceMonitor for the probe's
// Deployment, a PodMonitor for the probe as a sidecar, and the dashboard
// ConfigMap for Grafana's sidecar. The map keys are file names.
func Manifests(namespace, release string) (map[string][]byte, error) {
	if err := validateName("namespace", namespace); err != nil {
		return nil, err
	}
	if err := validateName("release", release); err != nil {
		return nil, err
	}

	values := map[string]string{
		"Namespace": namespace,
		"Release":   release,
		"Rules":     indent(rulesBody(), "  "),
		"Dashboard": indent(dashboardSource, "    "),
	}
	out := make(map[string][]byte, len(manifestTemplates))
	for file, name := range manifestTemplates {
		var buf bytes.Buffer
		if err := templates.ExecuteTemplate(&buf, name, values); err != nil {
			return nil, fmt.Errorf("render %s: %w", file, err)
		}
		out[file] = buf.Bytes()
	}
	return out, nil
}

// validateName checks that a namespace or release is a DNS-1123 label, as a
// namespace name and the app.kubernetes.io/instance label value must be.
func validateName(field, value string) error {
	if errs := validation.IsDNS1123Label(value); len(errs) > 0 {
		return fmt.Errorf("%s %q: invalid: %s", field, value, strings.Join(errs, "; "))
	}
	return nil
}

// rulesBody returns the rule source without its leading comment block,
// because it describes the source file itself.
func rulesBody() []byte {
	lines := strings.SplitAfter(string(rulesSource), "\n")
	start := 0
	for start < len(lines) && isCommentOrBlank(lines[start]) {
		start++
	}
	return []byte(strings.Join(lines[start:], ""))
}

func isCommentOrBlank(line string) bool {
	trimmed := strings.TrimSpace(line)
	return trimmed == "" || strings.HasPrefix(trimmed, "#")
}

// indent prefixes every non-empty line of text with prefix. Empty lines stay
// empty so that YAML block scalars and the output carry no trailing spaces.
func indent(text []byte, prefix string) string {
	lines := strings.SplitAfter(string(text), "\n")
	var b strings.Builder
	for _, line := range lines {
		if strings.TrimSpace(line) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(line)
	}
	return b.String()
}
