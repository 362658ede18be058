package wait

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Terminal control sequences: return to the start of the line, and clear
// from the cursor to the end of the line (ANSI EL, "erase in line").
const (
	carriageReturn = "\r"
	clearToEOL     = "\x1b[K"
)

// Progress shows the progress of a wait. On a terminal it keeps one status
// line and rewrites it in place; in a log it writes one plain line per
// attempt, so a CI log shows every attempt. It implements Observer.
type Progress struct {
	w        io.Writer
	terminal bool
	// width is the terminal's width in columns; zero when unknown.
	width int
	start time.Time
	now   func() time.Time
	// drawn is true while the terminal line shows text that Stopped must
	// clear.
	drawn bool
	// previous is the last failed attempt, shown while the next one runs.
	previous Attempt
}

// NewProgress returns a Progress writing to w. terminal selects the status
// line; width, when positive, truncates it to fit the terminal.
func NewProgress(w io.Writer, terminal bool, width int) *Progress {
	return &Progress{w: w, terminal: terminal, width: width, start: time.Now(), now: time.Now}
}

// Running shows that attempt number has started, on a terminal only.
func (p *Progress) Running(number int) {
	if !p.terminal {
		return
	}
	line := fmt.Sprintf("waiting: attempt %d running", number)
	if p.previous.Failing != nil {
		line += "; " + p.failingFor(p.previous)
	}
	p.draw(line)
}

// Failed shows a failed attempt and the delay before the next one.
func (p *Progress) Failed(a Attempt, next time.Duration) {
	p.previous = a
	if p.terminal {
		p.drawWaiting(a, next)
		return
	}
	line := fmt.Sprintf("[%s] attempt %d: %s: %s", FormatDuration(p.now().Sub(p.start)),
		a.Number, p.failingFor(a), oneLine(a.Failing.Message))
	if next < 0 {
		line += "; deadline reached"
	} else {
		line += "; next attempt in " + FormatDuration(next)
	}
	fmt.Fprintln(p.w, line)
}

// Waiting updates the countdown to the next attempt, on a terminal only.
func (p *Progress) Waiting(a Attempt, left time.Duration) {
	if p.terminal {
		p.drawWaiting(a, left)
	}
}

// Passed shows the attempt in which every check passed, in a log only: on
// a terminal the final output follows at once.
func (p *Progress) Passed(a Attempt) {
	if p.terminal {
		return
	}
	fmt.Fprintf(p.w, "[%s] attempt %d: every check passed\n",
		FormatDuration(p.now().Sub(p.start)), a.Number)
}

// Stopped clears the terminal line, so the final output starts on a clean
// line.
func (p *Progress) Stopped() {
	if p.terminal && p.drawn {
		io.WriteString(p.w, carriageReturn+clearToEOL)
		p.drawn = false
	}
}

func (p *Progress) drawWaiting(a Attempt, next time.Duration) {
	line := fmt.Sprintf("waiting: %s; attempt %d", p.failingFor(a), a.Number)
	if next >= 0 {
		line += "; next attempt in " + FormatDuration(next)
	}
	p.draw(line)
}

// failingFor describes the failing check of a: its name, for how long it
// has been failing, and its reason.
func (p *Progress) failingFor(a Attempt) string {
	return fmt.Sprintf("%s failing for %s (%s)", a.Failing.Name,
		FormatDuration(p.now().Sub(a.FailingSince)), a.Failing.Reason)
}

// draw replaces the terminal line with line, cut to the terminal's width
// so that it never wraps: a wrapped line cannot be rewritten with \r.
func (p *Progress) draw(line string) {
	if p.width > 1 && utf8.RuneCountInString(line) > p.width-1 {
		line = string([]rune(line)[:p.width-1])
	}
	io.WriteString(p.w, carriageReturn+line+clearToEOL)
	p.drawn = true
}

// FormatDuration formats d to tenths of a second below 10s and to whole
// seconds above, so a countdown reads 1.5s, 12s, 1m20s.
func FormatDuration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// oneLine joins the lines of a multi-line message, so one attempt is one
// log line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
