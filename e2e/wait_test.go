package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/xml"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/report"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/wait"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// TestWaitUntilBackendUp waits through nginx for a Milvus backend that
// comes up during the wait, as after a deploy: nginx returns 502 while its
// upstream closes connections, and the wait passes once the upstream
// forwards to Milvus. The switch happens after a count of connections, so
// the test does not depend on timing.
func TestWaitUntilBackendUp(t *testing.T) {
	backend := plainMilvus.Get(t)
	const closedConnections = 4
	relay := startRelay(t, backend.Addr, closedConnections)
	front := rig.NewCert(t, serverName)
	nginx := rig.StartNginx(t, rig.NginxOptions{
		CertFile: front.CertFile, KeyFile: front.KeyFile, Upstream: relay.addr,
	})

	var failed []probe.Reason
	w := &wait.Waiter{
		Options: wait.Options{Timeout: time.Minute, Interval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond},
		Attempt: func(ctx context.Context) probe.Report {
			return probe.Run(ctx, probe.Target{
				Address: nginx.Addr, ServerName: serverName,
				TLS: probe.TLS{Enabled: true, Trust: tlsutil.Trust{
					Pinned: []*x509.Certificate{front.Pair.Cert},
				}},
				HealthzURL: backend.HealthzURL,
				Timeouts:   probe.Timeouts{Total: 10 * time.Second},
			})
		},
		Observer: failedReasons(func(a wait.Attempt) { failed = append(failed, a.Failing.Reason) }),
	}

	res := w.Run(context.Background())

	require.Equal(t, wait.Passed, res.Outcome, "last report: %+v", res.Last.Report)
	t.Logf("failed attempts: %v; relay connections: %d", failed, relay.accepted.Load())
	// An attempt sends its three RPCs at once, and nginx (1.22 here) opens
	// an upstream connection for each and does not retry the only server
	// of a grpc_pass, so the closed connections fail one or two attempts.
	require.NotEmpty(t, failed)
	require.LessOrEqual(t, len(failed), closedConnections)
	for _, reason := range failed {
		assert.Equal(t, probe.ReasonLBError, reason, "nginx answered for the closed upstream")
	}
	assert.Greater(t, relay.accepted.Load(), int32(closedConnections))

	var xmlOut bytes.Buffer
	require.NoError(t, report.WriteJUnit(&xmlOut, []probe.Report{res.Last.Report}))
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	require.NoError(t, xml.Unmarshal(xmlOut.Bytes(), &doc))
	assert.Equal(t, len(res.Last.Report.Checks), doc.Tests)
	assert.Equal(t, 0, doc.Failures)
}

// relay is a TCP relay on 127.0.0.1 that closes its first closeFirst
// connections at once and forwards every later one to target.
type relay struct {
	addr     string
	accepted atomic.Int32
}

func startRelay(t *testing.T, target string, closeFirst int32) *relay {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &relay{addr: l.Addr().String()}

	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	track := func(c net.Conn) {
		mu.Lock()
		defer mu.Unlock()
		conns = append(conns, c)
	}
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if r.accepted.Add(1) <= closeFirst {
				c.Close()
				continue
			}
			track(c)
			wg.Go(func() { forward(c, target, track) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return r
}

// forward copies between c and a new connection to target until either
// side closes.
func forward(c net.Conn, target string, track func(net.Conn)) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	track(up)
	defer up.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyAndClose(up, c)
	}()
	copyAndClose(c, up)
	<-done
}

// copyAndClose copies src to dst and then closes both, so the copy in the
// other direction ends too. A copy error is a closed or reset connection,
// which only ends the relay of this connection.
func copyAndClose(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// failedReasons is a wait.Observer that calls f after each failed attempt.
type failedReasons func(wait.Attempt)

func (f failedReasons) Running(int)                            {}
func (f failedReasons) Failed(a wait.Attempt, _ time.Duration) { f(a) }
func (f failedReasons) Waiting(wait.Attempt, time.Duration)    {}
func (f failedReasons) Passed(wait.Attempt)                    {}
func (f failedReasons) Stopped()                               {}
