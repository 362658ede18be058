package wait

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// fakeClock advances only when the waiter sleeps or an attempt takes time,
// so a test of minutes of backoff runs at once.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// recorder is an Observer that stores every call as a line.
type recorder struct{ calls []string }

func (r *recorder) Running(n int) { r.calls = append(r.calls, fmt.Sprintf("running %d", n)) }
func (r *recorder) Failed(a Attempt, next time.Duration) {
	r.calls = append(r.calls, fmt.Sprintf("failed %d %s next %s", a.Number, a.Failing.Name, next))
}
func (r *recorder) Waiting(a Attempt, left time.Duration) {
	r.calls = append(r.calls, fmt.Sprintf("waiting %d left %s", a.Number, left))
}
func (r *recorder) Passed(a Attempt) { r.calls = append(r.calls, fmt.Sprintf("passed %d", a.Number)) }
func (r *recorder) Stopped()         { r.calls = append(r.calls, "stopped") }

func passReport() probe.Report {
	return probe.Report{Target: "lb", Success: true, Checks: []probe.Result{
		{Name: probe.CheckConnect, Status: probe.StatusPass},
		{Name: probe.CheckTLS, Status: probe.StatusPass},
	}}
}

func failReport(check probe.CheckName, reason probe.Reason, code int) probe.Report {
	return probe.Report{Target: "lb", ExitCode: code, Checks: []probe.Result{
		{Name: probe.CheckConnect, Status: probe.StatusPass},
		{Name: check, Status: probe.StatusFail, Reason: reason, Message: string(reason) + " message"},
	}}
}

// scripted returns an Attempt function that returns reports in order,
// repeating the last one, and advances clock by one second per attempt.
func scripted(clock *fakeClock, reports ...probe.Report) (func(context.Context) probe.Report, *int) {
	calls := 0
	return func(context.Context) probe.Report {
		r := reports[min(calls, len(reports)-1)]
		calls++
		clock.now = clock.now.Add(time.Second)
		return r
	}, &calls
}

func newTestWaiter(clock *fakeClock, opts Options, attempt func(context.Context) probe.Report) (*Waiter, *recorder) {
	rec := &recorder{}
	w := &Waiter{Options: opts, Attempt: attempt, Observer: rec, clock: clock,
		jitter: func(d time.Duration) time.Duration { return d }}
	return w, rec
}

func TestBackoff(t *testing.T) {
	opts := Options{Interval: time.Second, MaxInterval: 10 * time.Second}
	tests := []struct {
		number int
		want   time.Duration
	}{
		{1, time.Second},
		{2, 2 * time.Second},
		{3, 4 * time.Second},
		{4, 8 * time.Second},
		{5, 10 * time.Second},
		{200, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.number), func(t *testing.T) {
			assert.Equal(t, tc.want, Backoff(opts, tc.number))
		})
	}
}

func TestEqualJitterBounds(t *testing.T) {
	d := 8 * time.Second
	seen := map[bool]bool{}
	for range 1000 {
		j := equalJitter(d)
		require.GreaterOrEqual(t, j, d/2)
		require.LessOrEqual(t, j, d)
		seen[j < 3*d/4] = true
	}
	assert.Len(t, seen, 2, "delays fall in both halves of the range")
	assert.Equal(t, time.Duration(1), equalJitter(1))
}

func TestWaiterPassesAfterFailures(t *testing.T) {
	clock := newFakeClock()
	attempt, calls := scripted(clock,
		failReport(probe.CheckTLS, probe.ReasonTLSUntrusted, probe.ExitTLS),
		failReport(probe.CheckTLS, probe.ReasonTLSUntrusted, probe.ExitTLS),
		failReport(probe.CheckALPN, probe.ReasonALPNNone, probe.ExitALPN),
		passReport())
	w, rec := newTestWaiter(clock, Options{Timeout: time.Hour, Interval: time.Second, MaxInterval: 3 * time.Second}, attempt)

	res := w.Run(context.Background())

	assert.Equal(t, Passed, res.Outcome)
	assert.Equal(t, 4, *calls)
	assert.Equal(t, 4, res.Last.Number)
	assert.True(t, res.Last.Report.Success)
	assert.Nil(t, res.Last.Failing)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, clock.sleeps)
	assert.Equal(t, 10*time.Second, res.Elapsed, "4 attempts of 1s and 6s of sleep")
	assert.Equal(t, []string{
		"running 1", "failed 1 tls next 1s",
		"running 2", "failed 2 tls next 2s",
		"running 3", "failed 3 alpn next 3s",
		"running 4", "passed 4", "stopped",
	}, rec.calls)
}

func TestWaiterFailingSince(t *testing.T) {
	clock := newFakeClock()
	start := clock.now
	attempt, _ := scripted(clock,
		failReport(probe.CheckTLS, probe.ReasonTLSUntrusted, probe.ExitTLS),
		failReport(probe.CheckTLS, probe.ReasonTLSUntrusted, probe.ExitTLS),
		failReport(probe.CheckALPN, probe.ReasonALPNNone, probe.ExitALPN),
		failReport(probe.CheckALPN, probe.ReasonALPNNone, probe.ExitALPN))
	var attempts []Attempt
	w := &Waiter{
		Options: Options{Timeout: 20 * time.Second, Interval: 2 * time.Second, MaxInterval: 2 * time.Second},
		Attempt: attempt, clock: clock, jitter: func(d time.Duration) time.Duration { return d },
		Observer: failedFunc(func(a Attempt) { attempts = append(attempts, a) }),
	}

	w.Run(context.Background())

	require.GreaterOrEqual(t, len(attempts), 4)
	// Each attempt takes 1s and is followed by 2s of sleep: starts 0, 3, 6, 9.
	assert.Equal(t, start, attempts[0].FailingSince)
	assert.Equal(t, start, attempts[1].FailingSince, "tls still failing")
	assert.Equal(t, start.Add(6*time.Second), attempts[2].FailingSince, "alpn fails from attempt 3")
	assert.Equal(t, start.Add(6*time.Second), attempts[3].FailingSince)
}

func TestWaiterTimesOut(t *testing.T) {
	clock := newFakeClock()
	attempt, calls := scripted(clock, failReport(probe.CheckConnect, probe.ReasonConnectRefused, probe.ExitConnect))
	w, rec := newTestWaiter(clock, Options{Timeout: 10 * time.Second, Interval: 2 * time.Second, MaxInterval: time.Minute}, attempt)

	res := w.Run(context.Background())

	assert.Equal(t, TimedOut, res.Outcome)
	assert.Equal(t, probe.ExitConnect, res.Last.Report.ExitCode)
	// t=0 attempt 1 (1s), sleep 2s; t=3 attempt 2, sleep 4s; t=8 attempt 3
	// ends at 9, the 8s backoff is cut to the 1s left; t=10 attempt 4 ends
	// past the deadline.
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, time.Second}, clock.sleeps)
	assert.Equal(t, 4, *calls)
	assert.Equal(t, 4, res.Last.Number)
	assert.Equal(t, "failed 4 connect next -1ns", rec.calls[len(rec.calls)-2])
	assert.Equal(t, "stopped", rec.calls[len(rec.calls)-1])
	assert.Equal(t, 11*time.Second, res.Elapsed)
}

func TestWaiterInterrupted(t *testing.T) {
	fail := failReport(probe.CheckTLS, probe.ReasonTLSUntrusted, probe.ExitTLS)
	cutShort := failReport(probe.CheckConnect, probe.ReasonConnectTimeout, probe.ExitConnect)
	opts := Options{Timeout: time.Hour, Interval: time.Second, MaxInterval: time.Second}

	t.Run("during sleep", func(t *testing.T) {
		clock := newFakeClock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		attempt, calls := scripted(clock, fail)
		w := &Waiter{Options: opts, Attempt: attempt, clock: clock,
			jitter:   func(d time.Duration) time.Duration { return d },
			Observer: failedFunc(func(Attempt) { cancel() })}

		res := w.Run(ctx)

		assert.Equal(t, Interrupted, res.Outcome)
		assert.Equal(t, 1, *calls)
		assert.Equal(t, 1, res.Last.Number)
		assert.Empty(t, clock.sleeps, "no sleep after the interrupt")
	})
	t.Run("during second attempt", func(t *testing.T) {
		clock := newFakeClock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		attempt := func(context.Context) probe.Report {
			calls++
			if calls == 2 {
				cancel()
				return cutShort
			}
			return fail
		}
		w, _ := newTestWaiter(clock, opts, attempt)

		res := w.Run(ctx)

		assert.Equal(t, Interrupted, res.Outcome)
		assert.Equal(t, 1, res.Last.Number, "the cut-short attempt is not the result")
		assert.Equal(t, probe.ExitTLS, res.Last.Report.ExitCode)
	})
	t.Run("during first attempt", func(t *testing.T) {
		clock := newFakeClock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		attempt := func(context.Context) probe.Report { cancel(); return cutShort }
		w, _ := newTestWaiter(clock, opts, attempt)

		res := w.Run(ctx)

		assert.Equal(t, Interrupted, res.Outcome)
		assert.Equal(t, 1, res.Last.Number)
		assert.Equal(t, probe.ExitConnect, res.Last.Report.ExitCode)
	})
}

func TestWaiterRefresh(t *testing.T) {
	clock := newFakeClock()
	attempt, _ := scripted(clock, failReport(probe.CheckTLS, probe.ReasonTLSUntrusted, probe.ExitTLS), passReport())
	w, rec := newTestWaiter(clock, Options{Timeout: time.Hour, Interval: 2500 * time.Millisecond, MaxInterval: time.Minute}, attempt)
	w.Refresh = time.Second

	w.Run(context.Background())

	assert.Equal(t, []time.Duration{time.Second, time.Second, 500 * time.Millisecond}, clock.sleeps)
	assert.Equal(t, []string{
		"running 1", "failed 1 tls next 2.5s",
		"waiting 1 left 1.5s", "waiting 1 left 500ms", "waiting 1 left 0s",
		"running 2", "passed 2", "stopped",
	}, rec.calls)
}

func TestWaiterFailedReportWithoutFailedCheck(t *testing.T) {
	clock := newFakeClock()
	odd := probe.Report{Target: "lb", ExitCode: probe.ExitInternal}
	attempt, _ := scripted(clock, odd)
	w, _ := newTestWaiter(clock, Options{Timeout: time.Second, Interval: time.Second, MaxInterval: time.Second}, attempt)

	res := w.Run(context.Background())

	assert.Equal(t, TimedOut, res.Outcome)
	require.NotNil(t, res.Last.Failing)
	assert.Equal(t, probe.ReasonInternal, res.Last.Failing.Reason)
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"valid", Options{Timeout: time.Minute, Interval: time.Second, MaxInterval: time.Second}, ""},
		{"no timeout", Options{Interval: time.Second, MaxInterval: time.Second}, "--wait-timeout 0s is invalid: must be greater than zero"},
		{"no interval", Options{Timeout: time.Minute, MaxInterval: time.Second}, "--interval 0s is invalid: must be greater than zero"},
		{"cap below interval", Options{Timeout: time.Minute, Interval: 2 * time.Second, MaxInterval: time.Second},
			"--max-interval 1s is invalid: must be at least --interval 2s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// failedFunc is an Observer that calls f after each failed attempt.
type failedFunc func(Attempt)

func (f failedFunc) Running(int)                       {}
func (f failedFunc) Failed(a Attempt, _ time.Duration) { f(a) }
func (f failedFunc) Waiting(Attempt, time.Duration)    {}
func (f failedFunc) Passed(Attempt)                    {}
func (f failedFunc) Stopped()                          {}
