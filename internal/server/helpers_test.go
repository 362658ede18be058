package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/scheduler"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// targetsFile is the file a test config directory holds.
const targetsFile = "targets.txt"

// fileLoader reads one target name per line from path, or from
// path/targets.txt when path is a directory. A line "invalid" makes the
// config invalid.
func fileLoader(path string) Loader {
	return func() ([]scheduler.Target, error) {
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			path = filepath.Join(path, targetsFile)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var targets []scheduler.Target
		lines := bufio.NewScanner(f)
		for lines.Scan() {
			name := strings.TrimSpace(lines.Text())
			if name == "invalid" {
				return nil, errors.New("config is invalid")
			}
			if name != "" {
				targets = append(targets, scheduler.Target{
					Name: name, Interval: 50 * time.Millisecond, Timeout: 40 * time.Millisecond,
					Probe: probe.Target{Name: name},
				})
			}
		}
		return targets, lines.Err()
	}
}

func writeTargets(t *testing.T, path string, names ...string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(names, "\n")+"\n"), 0o644))
}

// fakeTargets is a prober whose verdict per target the test sets.
type fakeTargets struct {
	mu      sync.Mutex
	failing map[string]bool
	hang    map[string]bool // probes that block until cancelled
}

func newFakeTargets() *fakeTargets {
	return &fakeTargets{failing: make(map[string]bool), hang: make(map[string]bool)}
}

func (f *fakeTargets) setFailing(name string, failing bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing[name] = failing
}

func (f *fakeTargets) probe(ctx context.Context, t probe.Target) probe.Report {
	f.mu.Lock()
	failing, hang := f.failing[t.Name], f.hang[t.Name]
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
	}
	if failing {
		return probe.Report{Checks: []probe.Result{
			{Name: probe.CheckConnect, Status: probe.StatusFail, Reason: probe.ReasonConnectRefused},
		}}
	}
	return probe.Report{Success: true, Checks: []probe.Result{
		{Name: probe.CheckConnect, Status: probe.StatusPass},
	}}
}

// runningDaemon is a daemon started by startDaemon.
type runningDaemon struct {
	url    string
	cancel context.CancelFunc
	done   chan error
}

// startDaemon runs Run on 127.0.0.1 with a fresh registry until the test
// ends. Options fields left zero get the test's fakes.
func startDaemon(t *testing.T, opts Options, targets *fakeTargets) *runningDaemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	rec, err := metrics.NewRecorder(reg, metrics.BuildInfo{Version: "test"})
	require.NoError(t, err)
	opts.Listener, opts.Gatherer, opts.Recorder, opts.Prober = ln, reg, rec, targets.probe

	ctx, cancel := context.WithCancel(t.Context())
	d := &runningDaemon{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- Run(ctx, opts) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-d.done)
	})
	return d
}

// stop cancels the daemon and returns Run's error and how long it took.
func (d *runningDaemon) stop() (time.Duration, error) {
	start := time.Now()
	d.cancel()
	err := <-d.done
	d.done <- err // for the cleanup
	return time.Since(start), err
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// scrape returns the metric families served on /metrics.
func scrape(t *testing.T, baseURL string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, baseURL+"/metrics")
	require.Equal(t, http.StatusOK, code)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err)
	return families
}

// targetNames returns the target label values of probe_success.
func targetNames(families map[string]*dto.MetricFamily) []string {
	var names []string
	for _, m := range families["probe_success"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "target" {
				names = append(names, l.GetValue())
			}
		}
	}
	return names
}

func gaugeValue(families map[string]*dto.MetricFamily, name string) (float64, error) {
	mf, ok := families[name]
	if !ok || len(mf.GetMetric()) != 1 {
		return 0, fmt.Errorf("want one series of %s", name)
	}
	return mf.GetMetric()[0].GetGauge().GetValue(), nil
}

// eventually polls cond every 10 ms for up to 5 s.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 10*time.Millisecond, msg)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}
