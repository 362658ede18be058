package scheduler

import (
	"errors"
	"fmt"
	"time"
)

// Spec is what the prober needs to probe one target.
//
// TODO: make this probe.Target once the probe runner lands, so a wrong
// type is a compile error rather than a failed type assertion.
type Spec = any

// Target is one endpoint probed on a schedule.
type Target struct {
	// Name identifies the target in logs and in the target label.
	Name string
	// Interval is the time between the starts of two cycles.
	Interval time.Duration
	// Timeout bounds one cycle; it must be less than Interval.
	Timeout time.Duration
	// Spec is passed to the prober unchanged.
	Spec Spec
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

// validateTargets checks every target and that names are unique.
func validateTargets(targets []Target) error {
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
