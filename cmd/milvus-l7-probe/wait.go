package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/report"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/wait"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

const waitLong = `wait repeats every check against one target until all pass, then prints
the last attempt like check does and exits 0. It is the CI step after a
deploy, while the load balancer programs and a managed certificate
provisions (up to an hour).

Two timeouts apply. --wait-timeout is the overall deadline: no attempt
starts after it, and wait then exits with the last attempt's exit code
(the codes of check). An interrupt (SIGINT or SIGTERM) exits 130.
--timeout bounds each attempt, as in check; an attempt that started
before the deadline runs to its end, so wait can end up to --timeout
after --wait-timeout.

Between attempts wait sleeps --interval, doubling after each failed
attempt up to --max-interval; each sleep is drawn at random between half
and all of that value, so CI jobs started together spread out.

Progress goes to standard error, so --output stays clean when standard
output is redirected: on a terminal, one line rewritten in place (the
failing check, its reason, for how long it has been failing, the attempt
number and the time until the next attempt); otherwise one line per
attempt. Ctrl-C or SIGTERM stops at once and prints the last completed
attempt.`

const waitExample = `  # After a deploy: wait up to 45 minutes for the managed certificate and
  # the load balancer, then write a JUnit report for the CI's test view.
  milvus-l7-probe wait --address 34.120.1.2:443 \
    --server-name my-release.milvus.io --wait-timeout 45m --output junit > report.xml

  # Self-managed certificate pinned; retry every 5s at first, at most every 1m.
  milvus-l7-probe wait --address 34.120.1.2:443 --server-name my-release.milvus.io \
    --server-pem tls.crt --interval 5s --max-interval 1m`

// Values of --progress.
const (
	progressAuto = "auto"
	progressLine = "line"
	progressLog  = "log"
	progressNone = "none"
)

// waitOptions are the settings of one wait.
type waitOptions struct {
	io streams
	targetOptions
	progress string
	retry    wait.Options

	// terminal reports whether w is a terminal and its width in columns;
	// tests replace it, since they have no terminal.
	terminal func(w io.Writer) (bool, int)
}

func newWaitCommand(io streams) *cobra.Command {
	return newWaitCommandWith(io, terminalOf)
}

// newWaitCommandWith returns the wait command with terminal as the test
// of whether standard error is a terminal.
func newWaitCommandWith(std streams, terminal func(io.Writer) (bool, int)) *cobra.Command {
	o := &waitOptions{io: std, terminal: terminal}
	cmd := &cobra.Command{
		Use:     "wait",
		Short:   "Repeat the checks until all pass or a deadline passes",
		Long:    waitLong,
		Example: waitExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete(cmd); err != nil {
				return usageError(err)
			}
			return o.run(cmd)
		},
	}
	config.AddTargetFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.target, "target", "", "name of the target to wait for when the config file lists several")
	f.StringVarP(&o.output, "output", "o", "table", "output format of the last attempt: table, json or junit")
	f.DurationVar(&o.retry.Timeout, "wait-timeout", wait.DefaultTimeout,
		"overall deadline of the wait, e.g. 45m; each attempt is bounded by --timeout")
	f.DurationVar(&o.retry.Interval, "interval", wait.DefaultInterval,
		"delay after the first failed attempt; it doubles after each further failure")
	f.DurationVar(&o.retry.MaxInterval, "max-interval", wait.DefaultMaxInterval,
		"maximum delay between two attempts")
	f.StringVar(&o.progress, "progress", progressAuto,
		"progress on standard error: auto (line on a terminal, log otherwise), line, log or none")
	return cmd
}

// complete checks the wait's own flags and loads the target.
func (o *waitOptions) complete(cmd *cobra.Command) error {
	// --interval is left out: MILVUS_L7_PROBE_INTERVAL is the daemon's
	// probe interval.
	if err := applyEnv(cmd.Flags(), "wait-timeout", "max-interval", "progress", "output", "target"); err != nil {
		return err
	}
	if err := o.retry.Validate(); err != nil {
		return err
	}
	switch o.progress {
	case progressAuto, progressLine, progressLog, progressNone:
	default:
		return fmt.Errorf("--progress %q is invalid: use auto, line, log or none", o.progress)
	}
	return o.targetOptions.complete(cmd)
}

func (o *waitOptions) run(cmd *cobra.Command) error {
	w := &wait.Waiter{
		Options: o.retry,
		Attempt: func(ctx context.Context) probe.Report { return probe.Run(ctx, o.probe) },
	}
	o.setProgress(w)
	res := w.Run(cmd.Context())

	rep := res.Last.Report
	if err := report.Write(o.io.Out, o.format, rep); err != nil {
		return &exitError{Code: probe.ExitInternal, Err: err}
	}
	switch res.Outcome {
	case wait.Passed:
		return nil
	case wait.TimedOut:
		return &exitError{Code: rep.ExitCode, Err: fmt.Errorf("wait timed out after %s (--wait-timeout %s): %s",
			wait.FormatDuration(res.Elapsed), o.retry.Timeout, describeAttempt(res.Last))}
	default:
		return &exitError{Code: probe.ExitInterrupted, Err: fmt.Errorf("wait interrupted after %s; "+
			"last attempt: %s", wait.FormatDuration(res.Elapsed), describeAttempt(res.Last))}
	}
}

// setProgress picks the progress output for --progress and the kind of
// standard error.
func (o *waitOptions) setProgress(w *wait.Waiter) {
	isTerminal, width := o.terminal(o.io.Err)
	switch {
	case o.progress == progressNone:
		return
	case o.progress == progressLine, o.progress == progressAuto && isTerminal:
		w.Observer = wait.NewProgress(o.io.Err, true, width)
		w.Refresh = time.Second
	default:
		w.Observer = wait.NewProgress(o.io.Err, false, 0)
	}
}

// describeAttempt names the last attempt and its first failed check.
func describeAttempt(a wait.Attempt) string {
	if a.Failing == nil {
		return fmt.Sprintf("attempt %d did not finish", a.Number)
	}
	return fmt.Sprintf("attempt %d failed at %s (%s)", a.Number, a.Failing.Name, a.Failing.Reason)
}

// terminalOf returns whether w is a terminal, and its width when known.
func terminalOf(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return true, 0
	}
	return true, width
}
