// Package report renders the results of a probe run for people (a table)
// and for programs (JSON).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// Format names an output format.
type Format string

// The output formats of check and wait.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatJUnit Format = "junit"
)

// ParseFormat checks an --output value.
func ParseFormat(value string) (Format, error) {
	switch Format(value) {
	case FormatTable, FormatJSON, FormatJUnit:
		return Format(value), nil
	default:
		return "", fmt.Errorf("output %q is invalid: use table, json or junit", value)
	}
}

// Write renders rep in format f.
func Write(w io.Writer, f Format, rep probe.Report) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, rep)
	case FormatJUnit:
		return WriteJUnit(w, []probe.Report{rep})
	default:
		return WriteTable(w, rep)
	}
}

// SchemaVersion is the version of the JSON output's shape. It grows when a
// field changes meaning or is removed, not when one is added.
const SchemaVersion = 1

type jsonReport struct {
	SchemaVersion   int          `json:"schema_version"`
	Target          string       `json:"target"`
	Success         bool         `json:"success"`
	ExitCode        int          `json:"exit_code"`
	DurationSeconds float64      `json:"duration_seconds"`
	Checks          []jsonResult `json:"checks"`
}

type jsonResult struct {
	Name            probe.CheckName `json:"name"`
	Status          probe.Status    `json:"status"`
	DurationSeconds float64         `json:"duration_seconds"`
	Reason          probe.Reason    `json:"reason"`
	Message         string          `json:"message"`
	Hint            string          `json:"hint"`
	Details         probe.Details   `json:"details"`
}

// WriteJSON writes rep as one indented JSON object.
func WriteJSON(w io.Writer, rep probe.Report) error {
	out := jsonReport{
		SchemaVersion:   SchemaVersion,
		Target:          rep.Target,
		Success:         rep.Success,
		ExitCode:        rep.ExitCode,
		DurationSeconds: rep.Duration.Seconds(),
		Checks:          make([]jsonResult, 0, len(rep.Checks)),
	}
	for _, res := range rep.Checks {
		out.Checks = append(out.Checks, jsonResult{
			Name:            res.Name,
			Status:          res.Status,
			DurationSeconds: res.Duration.Seconds(),
			Reason:          res.Reason,
			Message:         res.Message,
			Hint:            res.Hint,
			Details:         res.Details,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteTable writes rep as an aligned table, one row per check, with the
// hint of a failed or warning check on the line below it, then a summary.
func WriteTable(w io.Writer, rep probe.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDURATION\tMESSAGE")
	for _, res := range rep.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Name, strings.ToUpper(string(res.Status)),
			formatDuration(res), oneLine(res.Message))
		if res.Hint != "" && (res.Status == probe.StatusFail || res.Status == probe.StatusWarn) {
			fmt.Fprintf(tw, "\t\t\thint: %s\n", oneLine(res.Hint))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, summary(rep))
	return err
}

func summary(rep probe.Report) string {
	if rep.Success {
		return fmt.Sprintf("%s: all checks passed in %s", rep.Target, rep.Duration.Round(time.Millisecond))
	}
	for _, res := range rep.Checks {
		if res.Status == probe.StatusFail {
			return fmt.Sprintf("%s: FAILED at %s (%s), exit code %d", rep.Target, res.Name, res.Reason, rep.ExitCode)
		}
	}
	return fmt.Sprintf("%s: FAILED, exit code %d", rep.Target, rep.ExitCode)
}

func formatDuration(res probe.Result) string {
	if res.Status == probe.StatusSkip {
		return "-"
	}
	return res.Duration.Round(100 * time.Microsecond).String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
