package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/promtest"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
)

func scrapeFamilies(t *testing.T, baseURL string) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	code, body := httpGet(t, baseURL+"/metrics")
	require.Equal(t, http.StatusOK, code)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err)
	return families, body
}

// seriesOf returns the label sets (as name=value joined by commas, sorted
// by name) of every series of name for target.
func seriesOf(families map[string]*dto.MetricFamily, name, target string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range families[name].GetMetric() {
		var labels []string
		matches := false
		for _, l := range m.GetLabel() {
			if l.GetName() == "target" {
				matches = l.GetValue() == target
				continue
			}
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		if matches {
			out[strings.Join(labels, ",")] = m.GetGauge().GetValue()
		}
	}
	return out
}

// TestRunFailingTargetMetrics probes, with the real prober, targets that
// send no certificate and one whose certificate is not trusted, and checks
// the scrape: no certificate or TLS series without a certificate, an
// expiry that stays for an untrusted one.
func TestRunFailingTargetMetrics(t *testing.T) {
	plaintext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "OK")
	}))
	defer plaintext.Close()
	untrusted := startGRPCTarget(t)
	closed := "127.0.0.1:" + strconv.Itoa(freePort(t))

	dir := writeConfig(t, fmt.Sprintf(`interval: 3s
timeout: 1s
server_name: %s
targets:
  - name: closed-port
    address: %s
  - name: plaintext-http
    address: %s
  - name: silent-server
    address: %s
  - name: untrusted-cert
    address: %s
`, serverName, closed, plaintext.Listener.Addr(), testserver.StartSilent(t), untrusted.address))
	url := startRun(t, "--config", dir)
	require.Eventually(t, func() bool {
		code, _ := httpGet(t, url+"/readyz")
		return code == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "readyz")
	families, body := scrapeFamilies(t, url)

	tests := []struct {
		target string
		check  string
		reason string
	}{
		{"closed-port", "connect", "connect_refused"},
		{"plaintext-http", "tls", "server_not_tls"},
		{"silent-server", "tls", "tls_timeout"},
		{"untrusted-cert", "tls", "tls_untrusted"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			assert.Equal(t, map[string]float64{"": 0}, seriesOf(families, "probe_success", tt.target))
			assert.Equal(t, map[string]float64{"check=" + tt.check + ",reason=" + tt.reason: 1},
				seriesOf(families, "milvus_l7_probe_failure_info", tt.target))
			if tt.target == "untrusted-cert" {
				assert.Len(t, seriesOf(families, "probe_ssl_earliest_cert_expiry", tt.target), 1)
				assert.Equal(t, map[string]float64{"": 0}, seriesOf(families, "milvus_l7_probe_tls_verified", tt.target))
				return
			}
			for _, name := range []string{
				"probe_ssl_earliest_cert_expiry", "probe_tls_version_info",
				"milvus_l7_probe_tls_verified", "probe_http_version", "milvus_l7_probe_alpn_info",
			} {
				assert.Empty(t, seriesOf(families, name, tt.target), "series %s must be absent", name)
			}
		})
	}

	t.Run("promtool check metrics", func(t *testing.T) {
		promtool, err := exec.LookPath("promtool")
		require.NoError(t, err, "promtool comes with prometheus: %s", promtest.InstallHint)
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool check metrics:\n%s", out)
		assert.Empty(t, strings.TrimSpace(string(out)))
	})
}

// TestRunReloadsConfigMap mounts the config as the kubelet mounts a
// ConfigMap (config.yaml a symlink through ..data) and swaps ..data to a
// new version, as the kubelet does on an update.
func TestRunReloadsConfigMap(t *testing.T) {
	dir := t.TempDir()
	writeVersion := func(version, name string) {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, version), 0o755))
		body := fmt.Sprintf("interval: 2s\ntimeout: 1s\ntargets:\n  - name: %s\n    address: 127.0.0.1:%d\n",
			name, freePort(t))
		require.NoError(t, os.WriteFile(filepath.Join(dir, version, "config.yaml"), []byte(body), 0o644))
		tmp := filepath.Join(dir, "..data_tmp")
		require.NoError(t, os.Symlink(version, tmp))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
	}
	writeVersion("..v1", "before")
	require.NoError(t, os.Symlink(filepath.Join("..data", "config.yaml"), filepath.Join(dir, "config.yaml")))
	url := startRun(t, "--config", dir)
	waitTarget := func(name string) {
		t.Helper()
		require.Eventually(t, func() bool {
			families, _ := scrapeFamilies(t, url)
			success := families["probe_success"].GetMetric()
			return len(success) == 1 && len(seriesOf(families, "probe_success", name)) == 1
		}, 10*time.Second, 20*time.Millisecond, "probe_success of target %q only", name)
	}
	waitTarget("before")

	writeVersion("..v2", "after")
	waitTarget("after")
}
