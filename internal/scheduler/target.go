package scheduler

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// Target is one endpoint probed on a schedule.
type Target struct {
	// Name identifies the target in logs and in the target label.
	Name string
	// Interval is the time between the starts of two cycles.
	Interval time.Duration
	// Timeout bounds one cycle; it must be less than Interval.
	Timeout time.Duration
	// Probe is passed to the prober unchanged.
	Probe probe.Target
}

// Validate checks the schedule of t.
func (t Target) Validate() error {
	switch {
	case t.Name == "":
		return errors.New("target name is empty; give every target a unique name")
	case t.Interval <= 0:
		return fmt.Errorf("target %q: interval %s must be positive", t.Name, t.Interval)
	case t.Timeout <= 0:
		return fmt.Errorf("target %q: timeout %s must be positive", t.Name, t.Timeout)
	case t.Timeout >= t.Interval:
		return fmt.Errorf("target %q: timeout %s must be less than interval %s; "+
			"lower the timeout or raise the interval", t.Name, t.Timeout, t.Interval)
	}
	return nil
}

// Validate checks every target and that their names are unique.
func Validate(targets []Target) error {
	seen := make(map[string]bool, len(targets))
	for _, t := range targets {
		if err := t.Validate(); err != nil {
			return err
		}
		if seen[t.Name] {
			return fmt.Errorf("target %q is configured twice; target names must be unique", t.Name)
		}
		seen[t.Name] = true
	}
	return nil
}

// equal reports whether a and b probe the same way, so a reload that
// leaves a target as it was keeps its worker and its series. Certificate
// pools hold functions, which reflect.DeepEqual never finds equal, so they
// and the pinned certificates are compared on their own.
func equal(a, b Target) bool {
	ta, tb := a.Probe.TLS.Trust, b.Probe.TLS.Trust
	if !ta.Roots.Equal(tb.Roots) || len(ta.Pinned) != len(tb.Pinned) {
		return false
	}
	for i := range ta.Pinned {
		if !bytes.Equal(ta.Pinned[i].Raw, tb.Pinned[i].Raw) {
			return false
		}
	}
	a.Probe.TLS.Trust.Roots, a.Probe.TLS.Trust.Pinned = nil, nil
	b.Probe.TLS.Trust.Roots, b.Probe.TLS.Trust.Pinned = nil, nil
	return reflect.DeepEqual(a, b)
}
