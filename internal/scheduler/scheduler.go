// Package scheduler probes every configured target on its interval, one
// goroutine per target, so a hung target never delays another target, a
// scrape, a reload or shutdown.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// Prober runs one probe cycle against t, as probe.Run does. It must return
// when ctx is done; the scheduler gives it a context bounded by the
// target's Timeout.
type Prober func(ctx context.Context, t probe.Target) probe.Report

// Observer receives every finished report. Forget is called when a target
// is removed, after which Observe is no longer called for it.
type Observer interface {
	Observe(target string, r probe.Report)
	Forget(target string)
}

// Options configure a Scheduler. Prober and Observer are required.
type Options struct {
	Prober   Prober
	Observer Observer
	// Logger receives state changes; nil discards them.
	Logger *slog.Logger
	// JitterFraction delays each target's first cycle by up to this
	// fraction of its interval, so targets with equal intervals do not
	// start together; the delay is also at most the number of targets
	// times 10ms, so few targets start at once. Zero starts every target
	// at once.
	JitterFraction float64
	// Seed makes the jitter deterministic: a target's delay depends only on
	// Seed and its name.
	Seed uint64
}

// Scheduler runs one worker goroutine per target.
type Scheduler struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	workers map[string]*worker   // guarded by mu: the current worker per target
	running map[*worker]struct{} // guarded by mu: every goroutine not yet returned
	applied bool                 // guarded by mu: Apply succeeded at least once
	ready   bool                 // guarded by mu: latched by Ready
	stopped bool                 // guarded by mu
}

// ErrStopped is returned by Apply after Stop.
var ErrStopped = errors.New("scheduler is stopped")

// New creates a Scheduler with no targets. Every probe runs under ctx, so
// cancelling ctx cancels them as Stop does.
func New(ctx context.Context, opts Options) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Scheduler{
		opts:    opts,
		ctx:     ctx,
		cancel:  cancel,
		workers: make(map[string]*worker),
		running: make(map[*worker]struct{}),
	}
}

// Apply makes targets the set being probed: it starts new targets, stops
// removed ones, and restarts changed ones. Removed targets are forgotten
// by the Observer. Changed ones are not: their series stay until the first
// cycle of the new settings replaces them, so a reload leaves no gap and
// resets no counter. Apply does not wait for stopped workers, so a hung
// probe cannot delay it. An invalid set changes nothing.
func (s *Scheduler) Apply(targets []Target) error {
	if err := Validate(targets); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrStopped
	}
	desired := make(map[string]Target, len(targets))
	for _, t := range targets {
		desired[t.Name] = t
	}
	for name, w := range s.workers {
		t, ok := desired[name]
		switch {
		case !ok:
			s.stopLocked(w)
			s.opts.Observer.Forget(name)
			w.logger.Info("target removed")
		case !equal(t, w.target):
			s.stopLocked(w)
			w.logger.Info("target changed; restarting its probes")
		}
	}
	for _, t := range targets {
		if _, ok := s.workers[t.Name]; !ok {
			s.startLocked(t, len(targets))
		}
	}
	s.applied = true
	return nil
}

// stopLocked cancels w and drops it from the current workers, so its
// reports are no longer recorded.
func (s *Scheduler) stopLocked(w *worker) {
	w.cancel()
	delete(s.workers, w.target.Name)
}

func (s *Scheduler) startLocked(t Target, targets int) {
	ctx, cancel := context.WithCancel(s.ctx)
	w := newWorker(t, cancel, s.opts, targets)
	s.workers[t.Name] = w
	s.running[w] = struct{}{}
	w.logger.Info("target started", "interval", t.Interval, "timeout", t.Timeout)
	go func() {
		w.run(ctx, s.record)
		s.mu.Lock()
		delete(s.running, w)
		s.mu.Unlock()
		close(w.done)
	}()
}

// record hands a finished report to the Observer unless its worker was
// removed or replaced meanwhile. The check and Forget in Apply both hold
// mu, so a removed target's series never come back.
func (s *Scheduler) record(w *worker, report probe.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workers[w.target.Name] != w {
		return
	}
	s.opts.Observer.Observe(w.target.Name, report)
	w.finished = true
}

// Ready reports whether targets were applied and every target finished its
// first cycle. Once true it stays true, even across reloads that add
// targets: a sidecar's readiness gates its pod's endpoints, so it must not
// flap with the config.
func (s *Scheduler) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready || !s.applied {
		return s.ready
	}
	for _, w := range s.workers {
		if !w.finished {
			return false
		}
	}
	s.ready = true
	return true
}

// Targets returns the names of the targets being probed, sorted.
func (s *Scheduler) Targets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.workers))
	for name := range s.workers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Stop cancels every probe in flight and waits until all workers returned
// or ctx is done. In the latter case it returns an error naming the
// targets whose prober ignored the cancellation.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.cancel()
	waiting := make([]*worker, 0, len(s.running))
	for w := range s.running {
		waiting = append(waiting, w)
	}
	s.mu.Unlock()

	var hung []string
	for _, w := range waiting {
		if !waitDone(ctx, w.done) {
			hung = append(hung, w.target.Name)
		}
	}
	if len(hung) > 0 {
		sort.Strings(hung)
		return fmt.Errorf("stop: probes of %s did not return after cancellation: %w",
			strings.Join(hung, ", "), ctx.Err())
	}
	return nil
}

// waitDone waits for done to close and returns false if ctx ends first.
// A done that is already closed wins over an ended ctx.
func waitDone(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
	}
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
