package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// waitTargets waits until /metrics shows exactly the targets names.
func waitTargets(t *testing.T, d *runningDaemon, names ...string) {
	t.Helper()
	eventually(t, func() bool {
		got := targetNames(scrape(t, d.url))
		slices.Sort(got)
		return slices.Equal(got, names)
	}, "targets on /metrics")
}

func TestRunReadyAfterFirstCycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "a", "b")
	d := startDaemon(t, Options{Load: fileLoader(path)}, newFakeTargets())

	eventually(t, func() bool {
		code, _ := get(t, d.url+"/readyz")
		return code == http.StatusOK
	}, "readyz 200")
	waitTargets(t, d, "a", "b")
	families := scrape(t, d.url)
	n, err := gaugeValue(families, "milvus_l7_probe_targets")
	require.NoError(t, err)
	assert.Equal(t, 2.0, n)
	ok, err := gaugeValue(families, "milvus_l7_probe_config_last_reload_successful")
	require.NoError(t, err)
	assert.Equal(t, 1.0, ok)
}

func TestRunReloadHTTP(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "a")
	d := startDaemon(t, Options{Load: fileLoader(path)}, newFakeTargets())
	waitTargets(t, d, "a")

	writeTargets(t, path, "b", "c")
	code, body := post(t, d.url+"/-/reload")
	require.Equal(t, http.StatusOK, code, body)
	waitTargets(t, d, "b", "c")
}

func TestRunReloadSIGHUP(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "a")
	signals, stop := NotifyReload()
	defer stop()
	d := startDaemon(t, Options{Load: fileLoader(path), ReloadSignals: signals}, newFakeTargets())
	waitTargets(t, d, "a")

	writeTargets(t, path, "b")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	waitTargets(t, d, "b")
}

// TestRunReloadConfigMapSwap replays what the kubelet does when a mounted
// ConfigMap changes: it writes the new files into a new timestamped
// directory, points a temporary symlink at it, and renames that over
// ..data. The visible file is a symlink through ..data and gets no event.
func TestRunReloadConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	writeConfigMapVersion(t, dir, "..2026_12_04_15_00_00.1", "a")
	require.NoError(t, os.Symlink("..2026_12_04_15_00_00.1", filepath.Join(dir, "..data")))
	require.NoError(t, os.Symlink(filepath.Join("..data", targetsFile), filepath.Join(dir, targetsFile)))

	for _, watched := range []string{dir, filepath.Join(dir, targetsFile)} {
		t.Run(filepath.Base(watched), func(t *testing.T) {
			writeConfigMapVersion(t, dir, "..v1", "a")
			swapConfigMap(t, dir, "..v1")
			d := startDaemon(t, Options{Load: fileLoader(watched), ConfigPath: watched}, newFakeTargets())
			waitTargets(t, d, "a")

			writeConfigMapVersion(t, dir, "..v2", "b", "c")
			swapConfigMap(t, dir, "..v2")
			waitTargets(t, d, "b", "c")
		})
	}
}

func writeConfigMapVersion(t *testing.T, dir, version string, names ...string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, version), 0o755))
	writeTargets(t, filepath.Join(dir, version, targetsFile), names...)
}

func swapConfigMap(t *testing.T, dir, version string) {
	t.Helper()
	tmp := filepath.Join(dir, "..data_tmp")
	require.NoError(t, os.Symlink(version, tmp))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
}

func TestRunReloadPlainFileEdit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, targetsFile)
	writeTargets(t, path, "a")
	d := startDaemon(t, Options{Load: fileLoader(path), ConfigPath: path}, newFakeTargets())
	waitTargets(t, d, "a")

	writeTargets(t, filepath.Join(dir, "unrelated.txt"), "x")
	writeTargets(t, path, "b")
	waitTargets(t, d, "b")
}

func TestRunInvalidReloadKeepsTargets(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "a")
	targets := newFakeTargets()
	d := startDaemon(t, Options{Load: fileLoader(path)}, targets)
	waitTargets(t, d, "a")

	writeTargets(t, path, "b", "invalid")
	code, body := post(t, d.url+"/-/reload")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, body, "config is invalid")

	families := scrape(t, d.url)
	ok, err := gaugeValue(families, "milvus_l7_probe_config_last_reload_successful")
	require.NoError(t, err)
	assert.Equal(t, 0.0, ok)
	assert.Equal(t, []string{"a"}, targetNames(families))

	// The old target is still probed: a change of its verdict shows up.
	targets.setFailing("a", true)
	eventually(t, func() bool {
		v, err := gaugeValue(scrape(t, d.url), "probe_success")
		return err == nil && v == 0
	}, "probe_success of the kept target turns 0")
}

func TestRunInvalidFirstConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "invalid")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{})
	require.NoError(t, err)

	err = Run(t.Context(), Options{
		Listener: ln, Gatherer: reg, Recorder: rec, Prober: newFakeTargets().probe, Load: fileLoader(path),
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "load config: config is invalid")
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "the listener must be closed")
}

func TestRunHungTarget(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "hung", "fast")
	targets := newFakeTargets()
	targets.hang["hung"] = true
	d := startDaemon(t, Options{Load: fileLoader(path)}, targets)
	waitTargets(t, d, "fast")

	code, body := get(t, d.url+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code, "hung target has not finished a cycle")
	assert.Contains(t, body, "not ready")
	code, _ = get(t, d.url+"/healthz")
	assert.Equal(t, http.StatusOK, code)
	start := time.Now()
	scrape(t, d.url)
	assert.Less(t, time.Since(start), time.Second, "a scrape must not wait for a hung probe")

	took, err := d.stop()
	require.NoError(t, err)
	t.Logf("shutdown with a hung probe in flight took %s", took)
	assert.Less(t, took, time.Second)
}

func TestRunShutdownBoundedWhenProberIgnoresCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), targetsFile)
	writeTargets(t, path, "stuck")
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{}, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Listener: ln, Gatherer: reg, Recorder: rec, Load: fileLoader(path),
			ShutdownTimeout: 200 * time.Millisecond,
			Prober: func(context.Context, probe.Target) probe.Report {
				started <- struct{}{}
				<-release // ignores its context on purpose
				return probe.Report{}
			},
		})
	}()
	<-started

	start := time.Now()
	cancel()
	err = <-done
	took := time.Since(start)
	t.Logf("shutdown with a prober that ignores cancellation took %s", took)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stuck")
	assert.Less(t, took, time.Second)
}

func TestRunWebConfigTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	pair, err := tlsutil.Generate(tlsutil.CertRequest{
		CommonName: "127.0.0.1", IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyType: tlsutil.KeyECDSAP256, Validity: time.Hour,
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.crt"), pair.CertPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.key"), pair.KeyPEM, 0o600))
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	require.NoError(t, err)
	webConfig := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(webConfig, []byte(
		"tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"+
			"basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600))
	path := filepath.Join(dir, targetsFile)
	writeTargets(t, path, "a")

	d := startDaemon(t, Options{Load: fileLoader(path), WebConfigFile: webConfig}, newFakeTargets())
	roots := x509.NewCertPool()
	roots.AddCert(pair.Cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer client.CloseIdleConnections()
	httpsURL := "https://" + strings.TrimPrefix(d.url, "http://") + "/metrics"

	tests := []struct {
		name     string
		user     string
		password string
		want     int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", "prometheus", "wrong", http.StatusUnauthorized},
		{"valid credentials", "prometheus", "s3cret", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, httpsURL, nil)
			require.NoError(t, err)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.password)
			}
			resp, err := client.Do(req)
			require.NoError(t, err)
			readBody(t, resp)
			assert.Equal(t, tt.want, resp.StatusCode)
		})
	}

	// exporter-toolkit applies basic auth to every path, so the health
	// endpoints need credentials too, as the README and run's help say.
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := client.Get(strings.TrimSuffix(httpsURL, "/metrics") + path)
		require.NoError(t, err)
		readBody(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
	}

	resp, err := http.Get(d.url + "/metrics")
	require.NoError(t, err, "Go's TLS server answers plain HTTP with a 400")
	readBody(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP to the TLS listener")
}
