package rig

import (
	"context"
	"encoding/json"
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
	"time"
)

// pollInterval is how often the rig checks whether a part is ready.
const pollInterval = 250 * time.Millisecond

// progressInterval is how often a waiting start logs a progress line.
const progressInterval = 5 * time.Second

// launchMilvus chooses the ports, writes the launcher script and starts it.
func launchMilvus(opts MilvusOptions) (*Milvus, error) {
	python, err := VenvPython()
	if err != nil {
		return nil, err
	}
	binDir, err := milvusBinDir()
	if err != nil {
		return nil, err
	}
	m := &Milvus{dataDir: opts.DataDir}
	if m.dataDir == "" {
		if m.dataDir, err = os.MkdirTemp("", "milvus-rig-"); err != nil {
			return nil, fmt.Errorf("start milvus: %w", err)
		}
		m.ownDataDir = true
	}
	m.LogDir = filepath.Join(m.dataDir, "logs")
	if err := os.MkdirAll(m.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("start milvus: %w", err)
	}

	// A ports file left from an earlier start in the same folder would name
	// ports that are closed now.
	if err := os.Remove(m.portsFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("start milvus: %w", err)
	}
	args, err := m.launcherArgs(opts, binDir)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, args...)
	m.proc, err = startProcess("milvus", cmd, filepath.Join(m.LogDir, "launcher.log"))
	if err != nil {
		return nil, err
	}
	return m, nil
}

// launcherArgs writes the launcher script into the data folder and returns
// its command line.
func (m *Milvus) launcherArgs(opts MilvusOptions, binDir string) ([]string, error) {
	script := filepath.Join(m.dataDir, "milvus_launch.py")
	if err := os.WriteFile(script, milvusLauncher, 0o644); err != nil {
		return nil, fmt.Errorf("start milvus: write launcher: %w", err)
	}
	ports, err := FreePorts(len(milvusPortKeys))
	if err != nil {
		return nil, err
	}
	portsByKey := make(map[string]int, len(ports))
	for i, key := range milvusPortKeys {
		portsByKey[key] = ports[i]
	}
	portsJSON, err := json.Marshal(portsByKey)
	if err != nil {
		return nil, fmt.Errorf("start milvus: %w", err)
	}

	args := []string{script,
		"--data-dir", m.dataDir,
		"--bin-dir", binDir,
		"--ports", string(portsJSON),
		"--ports-file", m.portsFile(),
		"--tls-mode", strconv.Itoa(opts.TLSMode),
	}
	for flag, value := range map[string]string{
		"--server-pem": opts.CertFile, "--server-key": opts.KeyFile, "--ca-pem": opts.CAFile,
	} {
		if value != "" {
			args = append(args, flag, value)
		}
	}
	if opts.AuthorizationEnabled {
		args = append(args, "--authorization-enabled")
	}
	return args, nil
}

func (m *Milvus) portsFile() string {
	return filepath.Join(m.dataDir, "ports.json")
}

// waitReady polls until the server is ready, the launcher exits, or the
// start timeout passes, and logs progress every progressInterval.
func (m *Milvus) waitReady(ctx context.Context, opts MilvusOptions) error {
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = DefaultMilvusStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := time.Now()
	lastProgress := started
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()

	var state error
	for {
		if exited, err := m.proc.exited(); exited {
			return fmt.Errorf("milvus launcher exited before milvus was ready: %v", err)
		}
		if state = m.checkReady(ctx); state == nil {
			return nil
		}
		if time.Since(lastProgress) >= progressInterval {
			lastProgress = time.Now()
			logf(opts, "waiting for milvus: %s elapsed: %v", time.Since(started).Round(time.Second), state)
		}
		select {
		case <-ctx.Done():
			elapsed := time.Since(started).Round(time.Second)
			if errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("milvus start canceled after %s: %w", elapsed, ctx.Err())
			}
			return fmt.Errorf("milvus not ready after %s: %v", elapsed, state)
		case <-ticker.C:
		}
	}
}

// checkReady returns nil once the ports are known, /healthz returns 200
// with the body OK, and the gRPC port accepts a TCP connection.
func (m *Milvus) checkReady(ctx context.Context) error {
	if m.Ports == nil {
		if err := m.readPorts(); err != nil {
			return err
		}
	}
	if err := getHealthz(ctx, m.HealthzURL); err != nil {
		return err
	}
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("grpc port: %w", err)
	}
	return conn.Close()
}

func (m *Milvus) readPorts() error {
	data, err := os.ReadFile(m.portsFile())
	if err != nil {
		return fmt.Errorf("launcher has not written its ports yet: %w", err)
	}
	var launched launchedMilvus
	if err := json.Unmarshal(data, &launched); err != nil {
		return fmt.Errorf("read %s: %w", m.portsFile(), err)
	}
	m.Ports = launched.Ports
	m.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(m.Ports["proxy_port"]))
	m.HealthzURL = fmt.Sprintf("http://127.0.0.1:%d/healthz", m.Ports["metrics_port"])
	return nil
}

// getHealthz returns nil when url returns 200 with the body OK, as Milvus
// 2.3 does once every component is healthy.
func getHealthz(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("healthz: read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("healthz: %s: %q", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
