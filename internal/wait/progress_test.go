package wait

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// newTestProgress returns a Progress whose clock is *now, started at the
// time *now has when called.
func newTestProgress(terminal bool, width int, now *time.Time) (*Progress, *bytes.Buffer) {
	var buf bytes.Buffer
	p := NewProgress(&buf, terminal, width)
	p.start = *now
	p.now = func() time.Time { return *now }
	return p, &buf
}

func failedAttempt(number int, started, since time.Time) Attempt {
	return Attempt{Number: number, Started: started, FailingSince: since,
		Failing: &probe.Result{Name: probe.CheckTLS, Status: probe.StatusFail,
			Reason: probe.ReasonTLSNameMismatch, Message: "x509: certificate is valid for a.example,\nnot b.example"}}
}

func TestProgressTerminal(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	start := now
	p, buf := newTestProgress(true, 0, &now)

	p.Running(1)
	now = now.Add(time.Second)
	a1 := failedAttempt(1, start, start)
	p.Failed(a1, 2*time.Second)
	now = now.Add(time.Second)
	p.Waiting(a1, time.Second)
	now = now.Add(time.Second)
	p.Running(2)
	p.Passed(Attempt{Number: 2})
	p.Stopped()

	want := "\rwaiting: attempt 1 running\x1b[K" +
		"\rwaiting: tls failing for 1s (tls_name_mismatch); attempt 1; next attempt in 2s\x1b[K" +
		"\rwaiting: tls failing for 2s (tls_name_mismatch); attempt 1; next attempt in 1s\x1b[K" +
		"\rwaiting: attempt 2 running; tls failing for 3s (tls_name_mismatch)\x1b[K" +
		"\r\x1b[K"
	assert.Equal(t, want, buf.String())
	assert.NotContains(t, buf.String(), "\n", "the terminal line is rewritten, never ended")
}

func TestProgressTerminalWidth(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	p, buf := newTestProgress(true, 20, &now)

	p.Failed(failedAttempt(1, now, now), time.Second)

	line := strings.TrimSuffix(strings.TrimPrefix(buf.String(), "\r"), "\x1b[K")
	assert.Equal(t, "waiting: tls failin", line, "cut to width-1 so the line never wraps")
}

func TestProgressTerminalStoppedClearsOnlyDrawn(t *testing.T) {
	now := time.Now()
	p, buf := newTestProgress(true, 0, &now)

	p.Stopped()

	assert.Empty(t, buf.String())
}

func TestProgressLog(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	start := now
	p, buf := newTestProgress(false, 0, &now)

	p.Running(1)
	now = now.Add(1500 * time.Millisecond)
	p.Failed(failedAttempt(1, start, start), 2*time.Second)
	p.Waiting(failedAttempt(1, start, start), time.Second)
	now = now.Add(80 * time.Second)
	p.Running(2)
	p.Failed(failedAttempt(2, now, start), -1)
	p.Running(3)
	p.Passed(Attempt{Number: 3})
	p.Stopped()

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	assert.Equal(t, []string{
		"[1.5s] attempt 1: tls failing for 1.5s (tls_name_mismatch): x509: certificate is valid for a.example, not b.example; next attempt in 2s",
		"[1m22s] attempt 2: tls failing for 1m22s (tls_name_mismatch): x509: certificate is valid for a.example, not b.example; deadline reached",
		"[1m22s] attempt 3: every check passed",
	}, lines)
	assert.NotContains(t, buf.String(), "\r")
	assert.NotContains(t, buf.String(), "\x1b")
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{1449 * time.Millisecond, "1.4s"},
		{9940 * time.Millisecond, "9.9s"},
		{12400 * time.Millisecond, "12s"},
		{80 * time.Second, "1m20s"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, FormatDuration(tc.in))
		})
	}
}
