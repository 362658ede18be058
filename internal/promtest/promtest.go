// Package promtest starts a real Prometheus server for tests: it writes a
// config and rule files to a temporary directory, runs the prometheus binary
// on 127.0.0.1, and reads query results and alerts through the HTTP API.
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// InstallHint names the ways to install the prometheus binary, for error
// messages of tests that need it.
const InstallHint = "run scripts/rig-setup.sh or apt-get install prometheus"

// startTimeout bounds how long Start waits for Prometheus to become ready.
const startTimeout = 30 * time.Second

// Options configures a test Prometheus. The zero value of a field selects
// the default given in its comment.
type Options struct {
	// Binary is the prometheus executable; default "prometheus" from PATH.
	Binary string
	// Job is the scrape job name of Targets; default "test".
	Job string
	// Targets are the HOST:PORT addresses scraped at /metrics.
	Targets []string
	// RuleFiles maps a file name to the rule file content loaded by
	// Prometheus.
	RuleFiles map[string][]byte
	// ScrapeInterval is the scrape interval; default 1s.
	ScrapeInterval time.Duration
	// EvaluationInterval is the rule evaluation interval; default 1s.
	EvaluationInterval time.Duration
}

// Prometheus is a running Prometheus server started by Start.
type Prometheus struct {
	// URL is the base URL of the server, e.g. http://127.0.0.1:40113.
	URL string

	cmd    *exec.Cmd
	logs   *logWriter
	client *http.Client
	done   chan struct{}
}

// Alert is one active alert as /api/v1/alerts returns it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	ActiveAt    time.Time         `json:"activeAt"`
	Value       string            `json:"value"`
}

// Start runs Prometheus with opts until the test ends, and returns once its
// API is ready. It fails the test if the binary is missing, the config is
// rejected, or the server is not ready within 30 seconds.
func Start(t testing.TB, opts Options) *Prometheus {
	t.Helper()
	opts = withDefaults(opts)
	binary, err := exec.LookPath(opts.Binary)
	if err != nil {
		t.Fatalf("find prometheus binary %q: %v; %s", opts.Binary, err, InstallHint)
	}
	dir := t.TempDir()
	configPath := writeConfig(t, dir, opts)

	address := make(chan string, 1)
	p := &Prometheus{
		logs:   &logWriter{address: address},
		client: &http.Client{Transport: &http.Transport{}},
		done:   make(chan struct{}),
	}
	p.cmd = exec.Command(binary,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:0",
	)
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })

	p.waitReady(t, address)
	return p
}

func withDefaults(opts Options) Options {
	if opts.Binary == "" {
		opts.Binary = "prometheus"
	}
	if opts.Job == "" {
		opts.Job = "test"
	}
	if opts.ScrapeInterval == 0 {
		opts.ScrapeInterval = time.Second
	}
	if opts.EvaluationInterval == 0 {
		opts.EvaluationInterval = time.Second
	}
	return opts
}

// writeConfig writes the rule files and prometheus.yml into dir and returns
// the config path. JSON is valid YAML, so the config is marshalled as JSON.
func writeConfig(t testing.TB, dir string, opts Options) string {
	t.Helper()
	names := make([]string, 0, len(opts.RuleFiles))
	for name := range opts.RuleFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	ruleFiles := make([]string, 0, len(names))
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, opts.RuleFiles[name], 0o600); err != nil {
			t.Fatalf("write rule file: %v", err)
		}
		ruleFiles = append(ruleFiles, path)
	}
	targets := opts.Targets
	if targets == nil {
		targets = []string{}
	}
	config := map[string]any{
		"global": map[string]any{
			"scrape_interval":     model.Duration(opts.ScrapeInterval).String(),
			"evaluation_interval": model.Duration(opts.EvaluationInterval).String(),
		},
		"rule_files": ruleFiles,
		"scrape_configs": []any{map[string]any{
			"job_name":       opts.Job,
			"static_configs": []any{map[string]any{"targets": targets}},
		}},
	}
	data, err := json.Marshal(config)
	if err != nil {
		t.Fatalf("marshal prometheus config: %v", err)
	}
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write prometheus config: %v", err)
	}
	return path
}

func (p *Prometheus) waitReady(t testing.TB, address <-chan string) {
	t.Helper()
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	select {
	case addr := <-address:
		p.URL = "http://" + addr
	case <-p.done:
		t.Fatalf("prometheus exited before listening; log:\n%s", p.logs)
	case <-deadline.C:
		t.Fatalf("prometheus did not listen within %s; log:\n%s", startTimeout, p.logs)
	}

	err := Eventually(startTimeout, func() (bool, error) {
		resp, err := p.client.Get(p.URL + "/-/ready")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("prometheus at %s not ready: %v; log:\n%s", p.URL, err, p.logs)
	}
}

// stop ends the server with SIGTERM, and with SIGKILL if it is still running
// after 10 seconds.
func (p *Prometheus) stop(t testing.TB) {
	defer p.client.CloseIdleConnections()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("prometheus did not stop on SIGTERM within 10s; killed it")
	}
	if t.Failed() {
		t.Logf("prometheus log:\n%s", p.logs)
	}
}

// Query runs an instant query and returns the resulting vector. It returns
// an error for any other result type.
func (p *Prometheus) Query(ctx context.Context, expr string) (model.Vector, error) {
	var result struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.get(ctx, "/api/v1/query?query="+url.QueryEscape(expr), &result); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	if result.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %q, expected vector", expr, result.ResultType)
	}
	var vector model.Vector
	if err := json.Unmarshal(result.Result, &vector); err != nil {
		return nil, fmt.Errorf("query %q: decode vector: %w", expr, err)
	}
	return vector, nil
}

// Alerts returns the pending and firing alerts.
func (p *Prometheus) Alerts(ctx context.Context) ([]Alert, error) {
	var data struct {
		Alerts []Alert `json:"alerts"`
	}
	if err := p.get(ctx, "/api/v1/alerts", &data); err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return data.Alerts, nil
}

// Logs returns what the server has logged so far.
func (p *Prometheus) Logs() string {
	return p.logs.String()
}

// get calls an API path and decodes the data field of a success response.
func (p *Prometheus) get(ctx context.Context, path string, data any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var envelope struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		return fmt.Errorf("decode response of %s (HTTP %d): %w", path, resp.StatusCode, err)
	}
	if envelope.Status != "success" {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, envelope.Error)
	}
	return json.Unmarshal(envelope.Data, data)
}

// Eventually calls condition every 100ms until it returns true, returns an
// error, or timeout passes. It is the polling loop for tests that wait for a
// scrape or an alert.
func Eventually(timeout time.Duration, condition func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		ok, err := condition()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("condition not met within %s", timeout)
		}
		<-ticker.C
	}
}

var listenPattern = regexp.MustCompile(`msg="Listening on" address=(\S+)`)

// logWriter collects the server's log, written by the exec package's copy
// goroutine and read by the test, and sends the address of the first
// "Listening on" line.
type logWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	address chan<- string
	sent    bool
}

func (w *logWriter) Write(data []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(data)
	if !w.sent {
		if m := listenPattern.FindSubmatch(w.buf.Bytes()); m != nil {
			w.address <- string(m[1])
			w.sent = true
		}
	}
	return len(data), nil
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
