package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Run is one finished run of a one-shot command.
type Run struct {
	// Wall is the time from process start to exit.
	Wall time.Duration
	// CPU is the user plus system time of the process.
	CPU time.Duration
	// MaxRSS is the peak resident memory in bytes.
	MaxRSS int64
}

// RunOnce runs name with args to its end and measures it. A non-zero exit
// is an error with the command's output.
func RunOnce(ctx context.Context, name string, args ...string) (Run, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return Run{}, fmt.Errorf("run %s: %w\n%s", name, err, out.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return Run{}, fmt.Errorf("run %s: no resource usage on this system", name)
	}
	return Run{
		Wall:   wall,
		CPU:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		MaxRSS: ru.Maxrss * 1024, // Linux reports kilobytes.
	}, nil
}

// Command is a named one-shot command line.
type Command struct {
	Name string
	Path string
	Args []string
}

// Alternate runs each command runs times, interleaved (A, B, A, B, ...)
// so that drift in the machine's load hits both alike, after one
// unmeasured warm-up run of each.
func Alternate(ctx context.Context, runs int, cmds ...Command) (map[string][]Run, error) {
	all := make(map[string][]Run, len(cmds))
	for i := -1; i < runs; i++ {
		for _, c := range cmds {
			r, err := RunOnce(ctx, c.Path, c.Args...)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			if i >= 0 {
				all[c.Name] = append(all[c.Name], r)
			}
		}
	}
	return all, nil
}
