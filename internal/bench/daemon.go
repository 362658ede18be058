package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// readyPoll is how often /readyz is asked while the daemon starts.
const readyPoll = 2 * time.Millisecond

// Daemon is a running `milvus-l7-probe run`.
type Daemon struct {
	URL   string
	cmd   *exec.Cmd
	start time.Time
	done  chan error
}

// WriteConfig writes a daemon config with n targets, all pointing at the
// fixture under distinct names, and returns its path.
func WriteConfig(dir string, f *Fixture, n int) (string, error) {
	var b strings.Builder
	b.WriteString("timeout: 5s\ntargets:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: target-%04d\n    address: %s\n    server_name: %s\n"+
			"    healthz_url: %s\n    tls:\n      server_pem: %s\n",
			i, f.Addr, ServerName, f.HealthzURL, f.CertFile)
	}
	path := filepath.Join(dir, fmt.Sprintf("targets-%d.yaml", n))
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("write daemon config: %w", err)
	}
	return path, nil
}

// StartDaemon starts the probe binary's run command with config and
// interval, listening on a free port of 127.0.0.1.
func StartDaemon(binary, config string, interval time.Duration) (*Daemon, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "run", "--config", config, "--interval", interval.String(),
		"--web.listen-address", addr, "--log.level", "error")
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	d := &Daemon{URL: "http://" + addr, cmd: cmd, done: make(chan error, 1)}
	d.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start daemon: %w", err)
	}
	go func() { d.done <- cmd.Wait() }()
	return d, nil
}

// WaitReady polls /readyz until it returns 200 and returns the time since
// the process started.
func (d *Daemon) WaitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(d.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(d.start), nil
			}
		}
		select {
		case err := <-d.done:
			return 0, fmt.Errorf("daemon exited before ready: %v", err)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(readyPoll):
		}
	}
	return 0, fmt.Errorf("daemon %s: /readyz not 200 after %s", d.URL, timeout)
}

// Stop sends SIGTERM and waits for the daemon to exit.
func (d *Daemon) Stop() error {
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop daemon: %w", err)
	}
	select {
	case err := <-d.done:
		return err
	case <-time.After(30 * time.Second):
		return errors.Join(errors.New("daemon did not stop 30s after SIGTERM"), d.cmd.Process.Kill())
	}
}

// CPUTime returns the daemon's user plus system time from /proc/PID/stat.
func (d *Daemon) CPUTime() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read daemon CPU time: %w", err)
	}
	// The command name in parentheses may hold spaces; fields count from
	// the closing one. utime and stime are fields 14 and 15.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("read daemon CPU time: short /proc stat %q", data)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read daemon CPU time: %w", err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// PeakRSS returns VmHWM, the daemon's peak resident memory, in bytes.
func (d *Daemon) PeakRSS() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read daemon memory: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("read daemon memory: no VmHWM in /proc status")
}

// Scrape is one GET /metrics, asking for gzip as Prometheus does.
type Scrape struct {
	Latency time.Duration
	// Bytes is the exposition's size; WireBytes its gzip size.
	Bytes     int
	WireBytes int
	// Passing counts the targets whose probe_success is 1.
	Passing int
}

// ScrapeMetrics fetches /metrics once. The latency ends when the last
// byte arrived, before the body is unpacked.
func (d *Daemon) ScrapeMetrics(client *http.Client) (Scrape, error) {
	req, err := http.NewRequest(http.MethodGet, d.URL+"/metrics", nil)
	if err != nil {
		return Scrape{}, fmt.Errorf("scrape daemon: %w", err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Scrape{}, fmt.Errorf("scrape daemon: %w", err)
	}
	defer resp.Body.Close()
	wire, err := io.ReadAll(resp.Body)
	latency := time.Since(start)
	if err != nil {
		return Scrape{}, fmt.Errorf("scrape daemon: %w", err)
	}
	body, err := gunzip(wire, resp.Header.Get("Content-Encoding"))
	if err != nil {
		return Scrape{}, fmt.Errorf("scrape daemon: %w", err)
	}
	passing := 0
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "probe_success{") && strings.HasSuffix(line, " 1\n") {
			passing++
		}
	}
	return Scrape{Latency: latency, Bytes: len(body), WireBytes: len(wire), Passing: passing}, nil
}

func gunzip(data []byte, encoding string) ([]byte, error) {
	if encoding != "gzip" {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
