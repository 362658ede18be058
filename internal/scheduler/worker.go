package scheduler

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// worker probes one target until its context is cancelled.
type worker struct {
	target Target
	prober Prober
	offset time.Duration
	logger *slog.Logger
	cancel context.CancelFunc
	done   chan struct{} // closed when run returned

	last     *state // the last logged state; only run's goroutine uses it
	finished bool   // guarded by Scheduler.mu: one cycle was recorded
}

// state is the part of a report whose changes are logged: the verdict and
// the first failing check with its reason.
type state struct {
	success bool
	check   probe.CheckName
	reason  probe.Reason
	message string
}

// startSpacing is the least time between first cycles that the jitter
// aims for: with n targets, their first cycles spread over n times this,
// within JitterFraction of the interval. One target starts at once, and
// 1,000 targets do not open 1,000 connections in the same second.
const startSpacing = 10 * time.Millisecond

func newWorker(t Target, cancel context.CancelFunc, opts Options, targets int) *worker {
	return &worker{
		target: t,
		prober: opts.Prober,
		offset: jitter(opts.Seed, t, jitterWindow(t, opts.JitterFraction, targets)),
		logger: opts.Logger.With("target", t.Name),
		cancel: cancel,
		done:   make(chan struct{}),
	}
}

// jitterWindow returns the time over which the first cycles of targets
// targets spread: targets times startSpacing, at most fraction of t's
// interval.
func jitterWindow(t Target, fraction float64, targets int) time.Duration {
	return min(time.Duration(fraction*float64(t.Interval)), time.Duration(targets)*startSpacing)
}

// jitter returns the delay before t's first cycle: a part of window drawn
// from a generator seeded by seed and t's name.
func jitter(seed uint64, t Target, window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(t.Name))
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	return time.Duration(r.Float64() * float64(window))
}

// run waits for the jitter delay, then runs a cycle every interval, each
// with a fresh probe, until ctx is cancelled. A cycle that overruns the
// interval makes the ticker drop ticks rather than queue them.
func (w *worker) run(ctx context.Context, record func(*worker, probe.Report)) {
	delay := time.NewTimer(w.offset)
	defer delay.Stop()
	select {
	case <-ctx.Done():
		return
	case <-delay.C:
	}

	ticker := time.NewTicker(w.target.Interval)
	defer ticker.Stop()
	for {
		report := w.probe(ctx)
		if ctx.Err() != nil {
			// Stopped mid-cycle. A cancelled probe is no verdict on the
			// target, so it is not recorded.
			return
		}
		w.logChange(report)
		w.logCycle(report)
		record(w, report)

		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// probe runs the prober under the target's timeout. A panic in the prober
// is the agent's own failure: it is logged as an error and turned into a
// failed report with exit code ExitInternal.
func (w *worker) probe(ctx context.Context) (report probe.Report) {
	ctx, cancel := context.WithTimeout(ctx, w.target.Timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			w.logger.Error("prober panicked", "err", fmt.Errorf("panic: %v", v))
			report = probe.Report{ExitCode: probe.ExitInternal}
		}
		report.Target = w.target.Name
		if report.Duration == 0 {
			report.Duration = time.Since(start)
		}
	}()
	return w.prober(ctx, w.target.Probe)
}

// logChange logs the report when its state differs from the last one:
// the first cycle, pass to fail, fail to pass, or a new failure reason.
// Cycles that change nothing are not logged.
func (w *worker) logChange(report probe.Report) {
	now := stateOf(report)
	prev := w.last
	w.last = &now
	if prev != nil && prev.success == now.success &&
		prev.check == now.check && prev.reason == now.reason {
		return
	}

	if now.success {
		w.logger.Info("target passing", "duration", report.Duration)
		return
	}
	attrs := []any{"check", now.check, "reason", now.reason, "message", now.message}
	if prev != nil && !prev.success {
		attrs = append(attrs, "previous_reason", prev.reason)
	}
	w.logger.Warn("target failing", attrs...)
}

// logCycle logs every finished cycle at debug level. It logs the failing
// check and reason but not the check's message, so that no value read from
// the target or the config reaches a debug log unreviewed.
func (w *worker) logCycle(report probe.Report) {
	if !w.logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	s := stateOf(report)
	attrs := []any{"success", report.Success, "exit_code", report.ExitCode,
		"duration_seconds", report.Duration.Seconds()}
	if !s.success {
		attrs = append(attrs, "check", s.check, "reason", s.reason)
	}
	w.logger.Debug("probe cycle finished", attrs...)
}

func stateOf(report probe.Report) state {
	s := state{success: report.Success}
	for _, res := range report.Checks {
		if res.Status == probe.StatusFail {
			s.check, s.reason, s.message = res.Name, res.Reason, res.Message
			break
		}
	}
	if !s.success && s.reason == "" && report.ExitCode == probe.ExitInternal {
		s.reason = probe.ReasonInternal
	}
	return s
}
