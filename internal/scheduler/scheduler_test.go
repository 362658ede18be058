package scheduler

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeObserver records what the scheduler hands it.
type fakeObserver struct {
	mu        sync.Mutex
	reports   map[string][]probe.Report
	forgotten []string
	observed  chan string // receives the target of every report, never blocks
}

func newFakeObserver() *fakeObserver {
	return &fakeObserver{reports: make(map[string][]probe.Report), observed: make(chan string, 1024)}
}

func (o *fakeObserver) Observe(target string, r probe.Report) {
	o.mu.Lock()
	o.reports[target] = append(o.reports[target], r)
	o.mu.Unlock()
	select {
	case o.observed <- target:
	default:
	}
}

func (o *fakeObserver) Forget(target string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.forgotten = append(o.forgotten, target)
}

func (o *fakeObserver) count(target string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.reports[target])
}

// waitReports waits until target has at least n reports.
func (o *fakeObserver) waitReports(t *testing.T, target string, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for o.count(target) < n {
		select {
		case <-o.observed:
		case <-deadline:
			t.Fatalf("target %q: %d reports after 5s, want %d", target, o.count(target), n)
		}
	}
}

func passing(context.Context, probe.Target) probe.Report {
	return probe.Report{Success: true}
}

// hangUntilCancelled is a prober that returns only when its context ends.
func hangUntilCancelled(ctx context.Context, _ probe.Target) probe.Report {
	<-ctx.Done()
	return probe.Report{}
}

func target(name string) Target {
	return named(Target{Interval: 20 * time.Millisecond, Timeout: 10 * time.Millisecond}, name)
}

// named sets the name of t, for the scheduler and the prober alike.
func named(t Target, name string) Target {
	t.Name, t.Probe.Name = name, name
	return t
}

func newTestScheduler(t *testing.T, prober Prober) (*Scheduler, *fakeObserver) {
	t.Helper()
	obs := newFakeObserver()
	s := New(t.Context(), Options{Prober: prober, Observer: obs})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, s.Stop(ctx))
	})
	return s, obs
}

func TestSchedulerProbesEveryInterval(t *testing.T) {
	s, obs := newTestScheduler(t, passing)
	require.NoError(t, s.Apply([]Target{target("a"), target("b")}))

	obs.waitReports(t, "a", 3)
	obs.waitReports(t, "b", 3)
	assert.Equal(t, []string{"a", "b"}, s.Targets())
}

func TestSchedulerHungTargetIsolated(t *testing.T) {
	prober := func(ctx context.Context, t probe.Target) probe.Report {
		if t.Name == "hung" {
			return hangUntilCancelled(ctx, t)
		}
		return passing(ctx, t)
	}
	s, obs := newTestScheduler(t, prober)
	hung := named(Target{Interval: time.Hour, Timeout: 59 * time.Minute}, "hung")
	require.NoError(t, s.Apply([]Target{hung, target("fast")}))

	obs.waitReports(t, "fast", 5)
	assert.Zero(t, obs.count("hung"))

	start := time.Now()
	require.NoError(t, s.Apply([]Target{target("fast")}), "removing a hung target")
	assert.Less(t, time.Since(start), time.Second, "reload must not wait for a hung probe")
	obs.waitReports(t, "fast", 7)
}

func TestSchedulerTimeoutBoundsProbe(t *testing.T) {
	deadlines := make(chan time.Duration, 16)
	prober := func(ctx context.Context, t probe.Target) probe.Report {
		d, ok := ctx.Deadline()
		if ok {
			deadlines <- time.Until(d)
		}
		<-ctx.Done()
		return probe.Report{}
	}
	s, obs := newTestScheduler(t, prober)
	require.NoError(t, s.Apply([]Target{{Name: "a", Interval: time.Second, Timeout: 50 * time.Millisecond}}))

	obs.waitReports(t, "a", 1)
	left := <-deadlines
	assert.LessOrEqual(t, left, 50*time.Millisecond)
	assert.Greater(t, left, time.Duration(0))
}

func TestSchedulerStopCancelsInFlight(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	prober := func(ctx context.Context, t probe.Target) probe.Report {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return probe.Report{}
	}
	obs := newFakeObserver()
	s := New(t.Context(), Options{Prober: prober, Observer: obs})
	require.NoError(t, s.Apply([]Target{{Name: "a", Interval: time.Hour, Timeout: 59 * time.Minute}}))
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, s.Stop(ctx))
	t.Logf("stop with a probe in flight took %s", time.Since(start))
	assert.Less(t, time.Since(start), time.Second)
	assert.ErrorIs(t, <-cancelled, context.Canceled)
	assert.Zero(t, obs.count("a"), "a cancelled probe must not be recorded")
	assert.ErrorIs(t, s.Apply(nil), ErrStopped)
}

func TestSchedulerStopNamesIgnoringProber(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	prober := func(ctx context.Context, t probe.Target) probe.Report {
		close(started)
		<-release // ignores ctx on purpose
		return probe.Report{}
	}
	s := New(t.Context(), Options{Prober: prober, Observer: newFakeObserver()})
	require.NoError(t, s.Apply([]Target{{Name: "stuck", Interval: time.Hour, Timeout: time.Minute}}))
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Stop(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stuck")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	close(release)
	require.NoError(t, s.Stop(context.Background()), "stop after the prober returned")
}

func TestSchedulerApplyChanges(t *testing.T) {
	s, obs := newTestScheduler(t, passing)
	require.NoError(t, s.Apply([]Target{target("kept"), target("removed"), target("changed")}))
	obs.waitReports(t, "removed", 1)
	obs.waitReports(t, "changed", 1)
	s.mu.Lock()
	keptWorker := s.workers["kept"]
	s.mu.Unlock()

	changed := target("changed")
	changed.Interval = 30 * time.Millisecond
	require.NoError(t, s.Apply([]Target{target("kept"), changed, target("added")}))
	removedCount := obs.count("removed")
	obs.waitReports(t, "added", 1)
	obs.waitReports(t, "kept", 3)

	assert.Equal(t, []string{"removed"}, obs.forgotten, "a changed target keeps its series")
	assert.Equal(t, removedCount, obs.count("removed"), "no report after removal")
	assert.Equal(t, []string{"added", "changed", "kept"}, s.Targets())
	s.mu.Lock()
	assert.Same(t, keptWorker, s.workers["kept"], "an unchanged target keeps its worker")
	assert.Equal(t, changed, s.workers["changed"].target)
	s.mu.Unlock()
}

func TestSchedulerApplyInvalid(t *testing.T) {
	tests := []struct {
		name    string
		targets []Target
		want    string
	}{
		{"timeout equals interval", []Target{{Name: "a", Interval: time.Second, Timeout: time.Second}},
			`target "a": timeout 1s must be less than interval 1s`},
		{"timeout above interval", []Target{{Name: "a", Interval: 5 * time.Second, Timeout: 10 * time.Second}},
			`target "a": timeout 10s must be less than interval 5s`},
		{"duplicate name", []Target{target("a"), target("a")}, `target "a" is configured twice`},
		{"empty name", []Target{{Interval: time.Second, Timeout: time.Millisecond}}, "target name is empty"},
		{"zero interval", []Target{{Name: "a", Timeout: time.Millisecond}}, "interval 0s must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestScheduler(t, passing)
			require.NoError(t, s.Apply([]Target{target("old")}))

			err := s.Apply(tt.targets)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, []string{"old"}, s.Targets(), "an invalid set changes nothing")
		})
	}
}

func TestSchedulerReady(t *testing.T) {
	release := make(chan struct{})
	prober := func(ctx context.Context, t probe.Target) probe.Report {
		if t.Name == "slow" {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return probe.Report{}
	}
	s, obs := newTestScheduler(t, prober)
	assert.False(t, s.Ready(), "ready before any config")

	slow := named(Target{Interval: time.Hour, Timeout: time.Minute}, "slow")
	require.NoError(t, s.Apply([]Target{target("fast"), slow}))
	obs.waitReports(t, "fast", 1)
	assert.False(t, s.Ready(), "ready before every target finished a cycle")

	close(release)
	obs.waitReports(t, "slow", 1)
	assert.True(t, s.Ready())

	require.NoError(t, s.Apply([]Target{slow, {Name: "new", Interval: time.Hour, Timeout: time.Minute}}))
	assert.True(t, s.Ready(), "readiness stays latched across a reload")
}

func TestSchedulerPanickingProber(t *testing.T) {
	var logs bytes.Buffer
	obs := newFakeObserver()
	s := New(t.Context(), Options{
		Prober:   func(context.Context, probe.Target) probe.Report { panic("boom") },
		Observer: obs,
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	require.NoError(t, s.Apply([]Target{target("a")}))
	obs.waitReports(t, "a", 1)
	require.NoError(t, s.Stop(context.Background()))

	obs.mu.Lock()
	report := obs.reports["a"][0]
	obs.mu.Unlock()
	assert.False(t, report.Success)
	assert.Equal(t, probe.ExitInternal, report.ExitCode)
	assert.Equal(t, "a", report.Target)
	assert.Contains(t, logs.String(), `"level":"ERROR","msg":"prober panicked"`)
}

func TestJitterDeterministic(t *testing.T) {
	a := named(Target{Interval: 30 * time.Second}, "a")
	b := named(Target{Interval: 30 * time.Second}, "b")
	window := 3 * time.Second

	assert.Equal(t, jitter(7, a, window), jitter(7, a, window))
	assert.NotEqual(t, jitter(7, a, window), jitter(7, b, window))
	assert.NotEqual(t, jitter(7, a, window), jitter(8, a, window))
	assert.Zero(t, jitter(7, a, 0))
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		d := jitter(1, Target{Name: name, Interval: 30 * time.Second}, window)
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.Less(t, d, window)
	}
}

func TestJitterWindow(t *testing.T) {
	tenSeconds := Target{Interval: 10 * time.Second}
	tests := []struct {
		name     string
		fraction float64
		targets  int
		want     time.Duration
	}{
		{"one target starts within the spacing", 1, 1, 10 * time.Millisecond},
		{"many targets spread by the spacing", 1, 100, time.Second},
		{"the interval bounds the spread", 1, 1000, 10 * time.Second},
		{"the fraction bounds the spread", 0.1, 1000, time.Second},
		{"zero fraction starts at once", 0, 1000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, jitterWindow(tenSeconds, tt.fraction, tt.targets))
		})
	}
}

func TestLogChangeOnlyOnStateChange(t *testing.T) {
	var logs bytes.Buffer
	w := newWorker(target("a"), func() {}, Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	}, 1)
	fail := func(reason probe.Reason) probe.Report {
		return probe.Report{Checks: []probe.Result{
			{Name: probe.CheckConnect, Status: probe.StatusPass},
			{Name: probe.CheckTLS, Status: probe.StatusFail, Reason: reason, Message: "handshake failed"},
		}}
	}
	pass := probe.Report{Success: true}
	cycles := []probe.Report{
		pass, pass, fail(probe.ReasonTLSUntrusted), fail(probe.ReasonTLSUntrusted),
		fail(probe.ReasonTLSTimeout), pass, pass,
	}
	for _, r := range cycles {
		w.logChange(r)
	}

	var lines []map[string]any
	dec := json.NewDecoder(&logs)
	for {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			require.True(t, errors.Is(err, io.EOF), "decode log: %v", err)
			break
		}
		lines = append(lines, line)
	}
	require.Len(t, lines, 4)
	assert.Equal(t, "target passing", lines[0]["msg"])
	assert.Equal(t, "WARN", lines[1]["level"])
	assert.Equal(t, "tls_untrusted", lines[1]["reason"])
	assert.Equal(t, "tls_timeout", lines[2]["reason"])
	assert.Equal(t, "tls_untrusted", lines[2]["previous_reason"])
	assert.Equal(t, "INFO", lines[3]["level"])
	for _, l := range lines {
		assert.Equal(t, "a", l["target"])
	}
}

func TestLogCycleAtDebug(t *testing.T) {
	const password = "pw-secret-123456"
	var logs bytes.Buffer
	w := newWorker(target("a"), func() {}, Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, 1)
	w.logCycle(probe.Report{ExitCode: probe.ExitTLS, Duration: 1500 * time.Millisecond, Checks: []probe.Result{
		{Name: probe.CheckTLS, Status: probe.StatusFail, Reason: probe.ReasonTLSUntrusted, Message: password},
	}})
	w.logCycle(probe.Report{Success: true, Duration: time.Second})

	var lines []map[string]any
	for dec := json.NewDecoder(&logs); ; {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		lines = append(lines, line)
	}
	require.Len(t, lines, 2)
	assert.Equal(t, map[string]any{
		"level": "DEBUG", "msg": "probe cycle finished", "target": "a", "success": false,
		"exit_code": float64(probe.ExitTLS), "duration_seconds": 1.5, "check": "tls", "reason": "tls_untrusted",
	}, withoutTime(lines[0]))
	assert.Equal(t, map[string]any{
		"level": "DEBUG", "msg": "probe cycle finished", "target": "a", "success": true,
		"exit_code": float64(0), "duration_seconds": 1.0,
	}, withoutTime(lines[1]))
	assert.NotContains(t, logs.String(), password)
}

func withoutTime(line map[string]any) map[string]any {
	delete(line, "time")
	return line
}

func TestTargetEqual(t *testing.T) {
	pair, err := tlsutil.Generate(tlsutil.CertRequest{
		CommonName: "my-release.milvus.io", DNSNames: []string{"my-release.milvus.io"},
		KeyType: tlsutil.KeyECDSAP256, Validity: time.Hour,
	})
	require.NoError(t, err)
	other, err := tlsutil.Generate(tlsutil.CertRequest{
		CommonName: "other.example.com", KeyType: tlsutil.KeyECDSAP256, Validity: time.Hour,
	})
	require.NoError(t, err)
	pool := func(certs ...*x509.Certificate) *x509.CertPool {
		p := x509.NewCertPool()
		for _, c := range certs {
			p.AddCert(c)
		}
		return p
	}
	withTrust := func(trust tlsutil.Trust) Target {
		tt := target("a")
		tt.Probe.Address = "127.0.0.1:443"
		tt.Probe.TLS = probe.TLS{Enabled: true, Trust: trust}
		return tt
	}
	longer := target("a")
	longer.Timeout = 15 * time.Millisecond

	tests := []struct {
		name string
		a, b Target
		want bool
	}{
		{"same", target("a"), target("a"), true},
		{"timeout changed", target("a"), longer, false},
		{"CA pools read twice", withTrust(tlsutil.Trust{Roots: pool(pair.Cert)}),
			withTrust(tlsutil.Trust{Roots: pool(pair.Cert)}), true},
		{"CA pool changed", withTrust(tlsutil.Trust{Roots: pool(pair.Cert)}),
			withTrust(tlsutil.Trust{Roots: pool(other.Cert)}), false},
		{"CA pool removed", withTrust(tlsutil.Trust{Roots: pool(pair.Cert)}), withTrust(tlsutil.Trust{}), false},
		{"pin parsed twice", withTrust(tlsutil.Trust{Pinned: []*x509.Certificate{pair.Cert}}),
			withTrust(tlsutil.Trust{Pinned: []*x509.Certificate{reparse(t, pair.Cert)}}), true},
		{"pin changed", withTrust(tlsutil.Trust{Pinned: []*x509.Certificate{pair.Cert}}),
			withTrust(tlsutil.Trust{Pinned: []*x509.Certificate{other.Cert}}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, equal(tt.a, tt.b))
		})
	}
}

func reparse(t *testing.T, c *x509.Certificate) *x509.Certificate {
	t.Helper()
	parsed, err := x509.ParseCertificate(c.Raw)
	require.NoError(t, err)
	return parsed
}
