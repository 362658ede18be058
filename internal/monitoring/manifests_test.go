package monitoring

import (
	"log/slog"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func renderManifests(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Manifests("milvus", "prod")
	require.NoError(t, err)
	require.Len(t, files, 4)
	return files
}

// decodeStrict decodes a manifest and fails on any field the type lacks.
func decodeStrict(t *testing.T, data []byte, into any) {
	t.Helper()
	require.NoError(t, yaml.UnmarshalStrict(data, into))
}

func TestRulesParseWithRulefmt(t *testing.T) {
	groups, errs := rulefmt.Parse(Rules(), false, model.UTF8Validation,
		parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	for _, group := range groups.Groups {
		for _, rule := range group.Rules {
			assert.NotEmpty(t, rule.Alert, "group %s has a recording rule", group.Name)
			assert.Contains(t, []string{"warning", "critical"}, rule.Labels["severity"], rule.Alert)
			for _, key := range []string{"summary", "description", "runbook"} {
				assert.NotEmpty(t, rule.Annotations[key], "%s has no %s", rule.Alert, key)
			}
		}
	}
}

func TestPrometheusRuleMatchesRules(t *testing.T) {
	var rule monitoringv1.PrometheusRule
	decodeStrict(t, renderManifests(t)["prometheusrule.yaml"], &rule)
	assert.Equal(t, "PrometheusRule", rule.Kind)
	assert.Equal(t, "monitoring.coreos.com/v1", rule.APIVersion)
	assert.Equal(t, "prod-milvus-l7-probe", rule.Name)
	assert.Equal(t, "milvus", rule.Namespace)

	var plain monitoringv1.PrometheusRuleSpec
	decodeStrict(t, Rules(), &plain)
	assert.Equal(t, plain, rule.Spec)
	assert.Len(t, rule.Spec.Groups, 3)
}

func TestServiceMonitor(t *testing.T) {
	var monitor monitoringv1.ServiceMonitor
	decodeStrict(t, renderManifests(t)["servicemonitor.yaml"], &monitor)
	assert.Equal(t, "ServiceMonitor", monitor.Kind)
	assert.Equal(t, "prod-milvus-l7-probe", monitor.Name)
	assert.Equal(t, "milvus", monitor.Namespace)
	assert.Equal(t, map[string]string{
		"app.kubernetes.io/name":     "milvus-l7-probe",
		"app.kubernetes.io/instance": "prod",
	}, monitor.Spec.Selector.MatchLabels)
	assert.Equal(t, []string{"milvus"}, monitor.Spec.NamespaceSelector.MatchNames)
	require.Len(t, monitor.Spec.Endpoints, 1)
	endpoint := monitor.Spec.Endpoints[0]
	assert.Equal(t, "metrics", endpoint.Port)
	assertJobRelabel(t, endpoint.RelabelConfigs)
}

func TestPodMonitor(t *testing.T) {
	var monitor monitoringv1.PodMonitor
	decodeStrict(t, renderManifests(t)["podmonitor.yaml"], &monitor)
	assert.Equal(t, "PodMonitor", monitor.Kind)
	assert.Equal(t, "prod-milvus-l7-probe", monitor.Name)
	assert.Equal(t, "prod", monitor.Spec.Selector.MatchLabels["app.kubernetes.io/instance"])
	assert.Equal(t, []string{"milvus"}, monitor.Spec.NamespaceSelector.MatchNames)
	require.Len(t, monitor.Spec.PodMetricsEndpoints, 1)
	endpoint := monitor.Spec.PodMetricsEndpoints[0]
	require.NotNil(t, endpoint.Port)
	assert.Equal(t, "metrics", *endpoint.Port)

	require.NotEmpty(t, endpoint.RelabelConfigs)
	keep := endpoint.RelabelConfigs[0]
	assert.Equal(t, "keep", keep.Action)
	assert.Equal(t, []monitoringv1.LabelName{"__meta_kubernetes_pod_container_name"}, keep.SourceLabels)
	assert.Equal(t, "milvus-l7-probe", keep.Regex)
	assertJobRelabel(t, endpoint.RelabelConfigs)
}

// assertJobRelabel checks that the relabelings set job="milvus-l7-probe",
// the job the alert rules select.
func assertJobRelabel(t *testing.T, configs []monitoringv1.RelabelConfig) {
	t.Helper()
	last := configs[len(configs)-1]
	assert.Equal(t, "replace", last.Action)
	assert.Equal(t, "job", last.TargetLabel)
	require.NotNil(t, last.Replacement)
	assert.Equal(t, "milvus-l7-probe", *last.Replacement)
}

func TestDashboardConfigMap(t *testing.T) {
	var configMap corev1.ConfigMap
	decodeStrict(t, renderManifests(t)["grafana-dashboard-configmap.yaml"], &configMap)
	assert.Equal(t, "ConfigMap", configMap.Kind)
	assert.Equal(t, "prod-milvus-l7-probe-dashboard", configMap.Name)
	assert.Equal(t, "milvus", configMap.Namespace)
	assert.Equal(t, "1", configMap.Labels["grafana_dashboard"])
	assert.Equal(t, string(Dashboard()), configMap.Data["milvus-l7-probe.json"])
}

func TestManifestsRejectInvalidNames(t *testing.T) {
	tests := []struct {
		name, namespace, release, message string
	}{
		{"empty namespace", "", "prod", `namespace "": invalid`},
		{"upper case release", "milvus", "Prod", `release "Prod": invalid`},
		{"underscore namespace", "my_ns", "prod", `namespace "my_ns": invalid`},
		{"release too long", "milvus", strings.Repeat("r", 64), "no more than 63 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Manifests(tt.namespace, tt.release)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.message)
			assert.Nil(t, files)
		})
	}
}

func TestRulesWithForRewritesEveryFor(t *testing.T) {
	rules := string(RulesWithFor(0))
	forLines := 0
	for _, line := range strings.Split(rules, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "for:") {
			forLines++
			assert.Equal(t, "for: 0s", strings.TrimSpace(line))
		}
	}
	assert.Equal(t, strings.Count(string(Rules()), "\n        for: "), forLines)
	assert.Positive(t, forLines)
}
