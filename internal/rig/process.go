package rig

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long a part may take to exit after SIGTERM before the
// rig sends SIGKILL to its process group.
const stopGrace = 10 * time.Second

// process is a started program in its own process group, so that stopping
// it also stops the children it started (the Milvus binary under the Python
// launcher, the nginx workers under the master).
type process struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	// stdin stays open while the process runs; a launcher that watches it
	// stops when the rig closes it or the test binary dies.
	stdin io.WriteCloser
}

// startProcess starts cmd in a new process group with its output appended
// to logPath.
func startProcess(name string, cmd *exec.Cmd, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: open log: %w", name, err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Pdeathsig stops the part when the test binary dies without running
	// its cleanups, for example on a test timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}

	p := &process{name: name, cmd: cmd, done: make(chan struct{}), stdin: stdin}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited, with its wait error.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the process group, waits up to stopGrace, then
// sends SIGKILL to whatever is left of the group.
func (p *process) stop() error {
	pgid := p.cmd.Process.Pid
	p.stdin.Close()
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s (process group %d): %w", p.name, pgid, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopGrace):
	}
	// A child may outlive the group leader, so the group gets SIGKILL even
	// after the leader exited. The group id stays reserved while any member
	// lives, so this cannot reach an unrelated process group.
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s (process group %d): %w", p.name, pgid, err)
	}
	<-p.done
	return nil
}

// maxTailLine is the length at which tailFile cuts a log line; etcd writes
// JSON lines of over 1000 bytes.
const maxTailLine = 300

func truncateLine(line string, maxLen int) string {
	if len(line) <= maxLen {
		return line
	}
	return line[:maxLen] + " [...]"
}

// tailFile returns the last n lines of the file at path, or a line saying
// why it could not be read.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	defer f.Close()
	var lines []string
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		lines = append(lines, truncateLine(scanner.Text(), maxTailLine))
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return "(empty)\n"
	}
	return strings.Join(lines, "\n") + "\n"
}
