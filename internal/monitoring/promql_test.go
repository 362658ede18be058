package monitoring

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// dashboardModel is the part of the Grafana JSON model the tests read.
type dashboardModel struct {
	SchemaVersion int          `json:"schemaVersion"`
	UID           string       `json:"uid"`
	Panels        []panelModel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panelModel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func loadDashboard(t *testing.T) dashboardModel {
	t.Helper()
	var dashboard dashboardModel
	require.NoError(t, json.Unmarshal(Dashboard(), &dashboard))
	return dashboard
}

// grafanaVariables are replaced by values of the same PromQL type before
// parsing, as Grafana does before it sends a query.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__interval", "30s",
	"$__range", "6h",
	"${target}", "milvus",
	"$target", "milvus",
)

// checkExpr parses expr and checks that each selector names a known series.
func checkExpr(t *testing.T, expr string) {
	t.Helper()
	expanded := grafanaVariables.Replace(expr)
	require.NotContains(t, expanded, "$", "unknown template variable in %q", expr)
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expanded)
	require.NoError(t, err, "parse %q", expanded)

	known := KnownSeriesNames()
	selectors := 0
	parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
		selector, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		selectors++
		assert.True(t, known[selector.Name],
			"selector %s in %q names no metric of the contract", selector, expr)
		checkLabelValues(t, selector)
		return nil
	})
	assert.Positive(t, selectors, "no metric selector in %q", expr)
}

func TestRuleExpressionsUseContractMetrics(t *testing.T) {
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
				Expr  string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(Rules(), &file))
	count := 0
	for _, group := range file.Groups {
		for _, rule := range group.Rules {
			t.Run(rule.Alert, func(t *testing.T) { checkExpr(t, rule.Expr) })
			count++
		}
	}
	assert.GreaterOrEqual(t, count, 16)
}

func TestDashboardQueriesUseContractMetrics(t *testing.T) {
	dashboard := loadDashboard(t)
	for _, panel := range dashboard.Panels {
		if panel.Type == "row" {
			continue
		}
		t.Run(panel.Title, func(t *testing.T) {
			require.NotEmpty(t, panel.Targets)
			for _, target := range panel.Targets {
				checkExpr(t, target.Expr)
			}
		})
	}
}

// knownLabelValues lists, for the enum labels of the contract, the values
// the probe package defines. Alerts on a misspelt check would never fire.
var knownLabelValues = map[string][]string{
	"check": {
		string(probe.CheckResolve), string(probe.CheckConnect), string(probe.CheckTLS),
		string(probe.CheckALPN), string(probe.CheckGRPCHealth), string(probe.CheckMilvus),
		string(probe.CheckHealthz), string(probe.CheckCanary),
	},
	"status": {
		string(probe.StatusPass), string(probe.StatusFail),
		string(probe.StatusWarn), string(probe.StatusSkip),
	},
	"reason": {string(probe.ReasonTLSPinMismatch)},
}

// checkLabelValues checks that each value a matcher of an enum label names
// is a value the probe exports; a regular expression is split at "|".
func checkLabelValues(t *testing.T, selector *parser.VectorSelector) {
	t.Helper()
	for _, matcher := range selector.LabelMatchers {
		values, ok := knownLabelValues[matcher.Name]
		if !ok {
			continue
		}
		for _, value := range strings.Split(matcher.Value, "|") {
			assert.Contains(t, values, value, "label %s in %s", matcher.Name, selector)
		}
	}
}

var labelValuesPattern = regexp.MustCompile(`^label_values\((.+), target\)$`)

func TestDashboardVariables(t *testing.T) {
	dashboard := loadDashboard(t)
	variables := map[string]string{}
	for _, variable := range dashboard.Templating.List {
		variables[variable.Name] = variable.Type
		switch variable.Name {
		case "datasource":
			assert.JSONEq(t, `"prometheus"`, string(variable.Query))
		case "target":
			var query struct {
				Query string `json:"query"`
			}
			require.NoError(t, json.Unmarshal(variable.Query, &query))
			match := labelValuesPattern.FindStringSubmatch(query.Query)
			require.NotNil(t, match, "target query %q", query.Query)
			checkExpr(t, match[1])
		}
	}
	assert.Equal(t, map[string]string{"datasource": "datasource", "target": "query"}, variables)
}

func TestDashboardPanels(t *testing.T) {
	dashboard := loadDashboard(t)
	assert.GreaterOrEqual(t, dashboard.SchemaVersion, 39)
	assert.Equal(t, "milvus-l7-probe", dashboard.UID)

	ids := map[int]bool{}
	types := map[string]int{}
	exprs := ""
	for _, panel := range dashboard.Panels {
		assert.False(t, ids[panel.ID], "panel id %d used twice", panel.ID)
		ids[panel.ID] = true
		types[panel.Type]++
		if panel.Type == "row" {
			continue
		}
		require.NotNil(t, panel.Datasource, "panel %q has no datasource", panel.Title)
		assert.Equal(t, "${datasource}", panel.Datasource.UID, "panel %q", panel.Title)
		for _, target := range panel.Targets {
			exprs += target.Expr + "\n"
		}
	}
	assert.Equal(t, 1, types["state-timeline"], "one check status timeline")
	for _, metric := range []string{
		"probe_success", "milvus_l7_probe_check_status",
		"milvus_l7_probe_phase_duration_seconds", "probe_ssl_earliest_cert_expiry",
		"milvus_l7_probe_alpn_info", "milvus_l7_probe_milvus_info",
	} {
		assert.Contains(t, exprs, metric+"{", "no panel shows %s", metric)
	}
}
