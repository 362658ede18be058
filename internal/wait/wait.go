// Package wait repeats a probe run until every check passes, a deadline
// passes or the context is cancelled, with exponential backoff and jitter
// between attempts.
package wait

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// Defaults of the wait command.
const (
	DefaultTimeout     = 30 * time.Minute
	DefaultInterval    = 2 * time.Second
	DefaultMaxInterval = 30 * time.Second
)

// Options bound the retries. The zero value is invalid: see Validate.
type Options struct {
	// Timeout is the overall deadline. No attempt starts after it, but an
	// attempt started before it runs to its own end.
	Timeout time.Duration
	// Interval is the delay after the first failed attempt. Each further
	// delay doubles, up to MaxInterval.
	Interval time.Duration
	// MaxInterval caps the delay between two attempts.
	MaxInterval time.Duration
}

// Validate returns an error naming the flag of the first invalid option.
func (o Options) Validate() error {
	switch {
	case o.Timeout <= 0:
		return fmt.Errorf("--wait-timeout %s is invalid: must be greater than zero, e.g. 30m", o.Timeout)
	case o.Interval <= 0:
		return fmt.Errorf("--interval %s is invalid: must be greater than zero, e.g. 2s", o.Interval)
	case o.MaxInterval < o.Interval:
		return fmt.Errorf("--max-interval %s is invalid: must be at least --interval %s", o.MaxInterval, o.Interval)
	}
	return nil
}

// Outcome is the end state of a wait.
type Outcome int

// The ways a wait ends.
const (
	Passed Outcome = iota
	TimedOut
	Interrupted
)

// Attempt is one probe run and what the waiter derived from it.
type Attempt struct {
	// Number counts attempts from 1.
	Number int
	// Started is when the attempt began.
	Started time.Time
	// Report is the probe run's report.
	Report probe.Report
	// Failing is the first failed check in layer order; nil when every
	// check passed.
	Failing *probe.Result
	// FailingSince is when the same check started failing without a break,
	// the start of the first of those attempts; zero when Failing is nil.
	FailingSince time.Time
}

// Result is the end of a wait.
type Result struct {
	Outcome Outcome
	// Last is the last attempt that ran to its end. After an interrupt
	// during the first attempt, it is that cut-short attempt.
	Last Attempt
	// Elapsed is the time from the first attempt to the end.
	Elapsed time.Duration
}

// Observer is told about each step of a wait, to show progress.
type Observer interface {
	// Running is called when attempt number starts.
	Running(number int)
	// Failed is called after a failed attempt, with the delay before the
	// next one, or a negative delay when the deadline has passed.
	Failed(a Attempt, next time.Duration)
	// Waiting is called every refresh interval while the waiter sleeps,
	// with the time left until the next attempt.
	Waiting(a Attempt, left time.Duration)
	// Passed is called after the attempt in which every check passed.
	Passed(a Attempt)
	// Stopped is called once when the wait ends, before Run returns.
	Stopped()
}

// Waiter repeats Attempt until every check passes.
type Waiter struct {
	Options
	// Attempt runs the checks once. It must return promptly when ctx is
	// cancelled, as probe.Run does.
	Attempt func(ctx context.Context) probe.Report
	// Observer receives progress; nil shows none.
	Observer Observer
	// Refresh is how often Observer.Waiting is called while sleeping;
	// zero calls it never.
	Refresh time.Duration

	clock  clock
	jitter func(time.Duration) time.Duration
}

// clock is the time source, replaced in tests by a fake that never sleeps.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Run repeats the attempts and returns how the wait ended. Cancelling ctx
// stops the wait promptly with the outcome Interrupted.
func (w *Waiter) Run(ctx context.Context) Result {
	w.setDefaults()
	obs := w.Observer
	defer obs.Stopped()

	start := w.clock.Now()
	deadline := start.Add(w.Timeout)
	var last Attempt
	for number := 1; ; number++ {
		a := w.runAttempt(ctx, number, last)
		if a.Failing == nil {
			obs.Passed(a)
			return Result{Outcome: Passed, Last: a, Elapsed: w.clock.Now().Sub(start)}
		}
		if ctx.Err() != nil {
			return w.interrupted(start, last, a)
		}
		last = a

		delay := w.delay(number, deadline)
		obs.Failed(a, delay)
		if delay < 0 {
			return Result{Outcome: TimedOut, Last: a, Elapsed: w.clock.Now().Sub(start)}
		}
		if err := w.sleep(ctx, a, delay); err != nil {
			return w.interrupted(start, last, a)
		}
	}
}

func (w *Waiter) setDefaults() {
	if w.Observer == nil {
		w.Observer = nopObserver{}
	}
	if w.clock == nil {
		w.clock = realClock{}
	}
	if w.jitter == nil {
		w.jitter = equalJitter
	}
}

// runAttempt runs attempt number and tracks since when its failing check
// has been failing, given the attempt before it.
func (w *Waiter) runAttempt(ctx context.Context, number int, previous Attempt) Attempt {
	w.Observer.Running(number)
	a := Attempt{Number: number, Started: w.clock.Now()}
	a.Report = w.Attempt(ctx)
	a.Failing = firstFailure(a.Report)
	if a.Failing == nil {
		return a
	}
	a.FailingSince = a.Started
	if previous.Failing != nil && previous.Failing.Name == a.Failing.Name {
		a.FailingSince = previous.FailingSince
	}
	return a
}

// interrupted ends a wait cancelled during attempt current. The last
// completed attempt is the result, since a cut-short attempt fails for
// the interrupt, not for the endpoint.
func (w *Waiter) interrupted(start time.Time, last, current Attempt) Result {
	if last.Number == 0 {
		last = current
	}
	return Result{Outcome: Interrupted, Last: last, Elapsed: w.clock.Now().Sub(start)}
}

// delay returns the pause after failed attempt number: the backoff with
// jitter, shortened so the next attempt starts by the deadline. It returns
// -1 when the deadline has passed.
func (w *Waiter) delay(number int, deadline time.Time) time.Duration {
	left := deadline.Sub(w.clock.Now())
	if left <= 0 {
		return -1
	}
	return min(w.jitter(Backoff(w.Options, number)), left)
}

// sleep waits d, calling Observer.Waiting every Refresh, and returns the
// context's error when it is cancelled first.
func (w *Waiter) sleep(ctx context.Context, a Attempt, d time.Duration) error {
	end := w.clock.Now().Add(d)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		left := end.Sub(w.clock.Now())
		if left <= 0 {
			return nil
		}
		step := left
		if w.Refresh > 0 && step > w.Refresh {
			step = w.Refresh
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.clock.After(step):
		}
		if w.Refresh > 0 {
			w.Observer.Waiting(a, max(end.Sub(w.clock.Now()), 0))
		}
	}
}

// Backoff returns the delay after failed attempt number, before jitter:
// Interval doubled for each attempt after the first, capped at MaxInterval.
func Backoff(o Options, number int) time.Duration {
	d := o.Interval
	for i := 1; i < number && d < o.MaxInterval; i++ {
		d *= 2
	}
	return min(d, o.MaxInterval)
}

// equalJitter returns a random delay between d/2 and d, so that many
// waiters started together (one per CI job) spread out their attempts.
func equalJitter(d time.Duration) time.Duration {
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(d-half+1)
}

// firstFailure returns the first failed check of r in layer order.
func firstFailure(r probe.Report) *probe.Result {
	for i := range r.Checks {
		if r.Checks[i].Status == probe.StatusFail {
			res := r.Checks[i]
			return &res
		}
	}
	if !r.Success {
		// A report can fail without a failed check only through a runner
		// bug; show it as an internal failure rather than as a pass.
		return &probe.Result{Name: "probe", Status: probe.StatusFail,
			Reason: probe.ReasonInternal, Message: "the run failed without a failed check"}
	}
	return nil
}

type nopObserver struct{}

func (nopObserver) Running(int)                    {}
func (nopObserver) Failed(Attempt, time.Duration)  {}
func (nopObserver) Waiting(Attempt, time.Duration) {}
func (nopObserver) Passed(Attempt)                 {}
func (nopObserver) Stopped()                       {}
