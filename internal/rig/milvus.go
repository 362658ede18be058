package rig

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

//go:embed milvus_launch.py
var milvusLauncher []byte

// milvusPortKeys are the ports the launcher sets, in the order FreePorts
// fills them.
var milvusPortKeys = []string{
	"etcd_port", "etcd_peer_port", "root_coord_port", "proxy_port",
	"proxy_internal_port", "query_coord_port", "query_node_port",
	"index_coord_port", "index_node_port", "data_coord_port",
	"data_node_port", "metrics_port",
}

// DefaultMilvusStartTimeout bounds a Milvus start when MilvusOptions sets
// none. A start took 2.5 to 10 s on a 2-core machine, and 15 s when it
// first unpacked the binary. The bound leaves room for a slower CI machine.
const DefaultMilvusStartTimeout = 3 * time.Minute

// MilvusOptions configures a Milvus standalone server.
type MilvusOptions struct {
	// TLSMode is common.security.tlsMode: 0 serves gRPC in plain text, 1
	// serves TLS with CertFile and KeyFile, 2 also requires client
	// certificates signed by CAFile.
	TLSMode  int
	CertFile string
	KeyFile  string
	CAFile   string
	// AuthorizationEnabled sets common.security.authorizationEnabled, so
	// every call needs a user and password (root / Milvus by default).
	AuthorizationEnabled bool
	// DataDir holds the config, data and logs. Empty means a new temporary
	// folder that Milvus.Stop removes.
	DataDir string
	// StartTimeout bounds the wait for readiness; zero means
	// DefaultMilvusStartTimeout.
	StartTimeout time.Duration
	// Logf receives progress lines while the server starts; nil discards
	// them.
	Logf func(format string, args ...any)
}

// Milvus is a running Milvus standalone server.
type Milvus struct {
	// Addr is the gRPC address of the proxy, 127.0.0.1:PORT.
	Addr string
	// HealthzURL is http://127.0.0.1:PORT/healthz on the metrics port.
	HealthzURL string
	// LogDir holds the launcher's log and Milvus's own logs.
	LogDir string
	// Ports are the listening ports by the launcher's key (proxy_port,
	// metrics_port, etcd_port, ...).
	Ports map[string]int
	// StartDuration is the time from launch to readiness.
	StartDuration time.Duration

	proc       *process
	dataDir    string
	ownDataDir bool
}

// launchedMilvus is the JSON line that milvus_launch.py prints once the
// server process runs.
type launchedMilvus struct {
	PID   int            `json:"pid"`
	Ports map[string]int `json:"ports"`
}

// StartMilvus starts Milvus for a test, with its data and logs in the
// test's temporary folder, and stops it in t.Cleanup. It fails the test
// with the tail of the logs when the server does not become ready.
func StartMilvus(t testing.TB, opts MilvusOptions) *Milvus {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	m, err := LaunchMilvus(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Stop(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// LaunchMilvus starts Milvus and waits until /healthz returns OK and the gRPC
// port accepts connections. On failure it stops what it started and the
// error has the tail of the logs.
func LaunchMilvus(ctx context.Context, opts MilvusOptions) (*Milvus, error) {
	m, err := launchMilvus(opts)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	if err := m.waitReady(ctx, opts); err != nil {
		// A canceled start is the caller's choice, so it needs no logs.
		if !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w\n%s", err, m.LogTail(20))
		}
		return nil, errors.Join(err, m.Stop())
	}
	m.StartDuration = time.Since(started)
	logf(opts, "milvus ready at %s (healthz %s) after %s", m.Addr, m.HealthzURL,
		m.StartDuration.Round(time.Millisecond))
	return m, nil
}

// Stop stops the launcher and Milvus, and removes the data folder when
// LaunchMilvus created it.
func (m *Milvus) Stop() error {
	err := m.proc.stop()
	if m.ownDataDir {
		err = errors.Join(err, os.RemoveAll(m.dataDir))
	}
	return err
}

// LogTail returns the last n lines of each log file of the server.
func (m *Milvus) LogTail(n int) string {
	var b strings.Builder
	paths, _ := filepath.Glob(filepath.Join(m.LogDir, "*.log"))
	for _, path := range paths {
		fmt.Fprintf(&b, "--- %s (last %d lines)\n%s", path, n, tailFile(path, n))
	}
	return b.String()
}

func logf(opts MilvusOptions, format string, args ...any) {
	if opts.Logf != nil {
		opts.Logf(format, args...)
	}
}
