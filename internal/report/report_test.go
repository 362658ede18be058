package report_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/report"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func failedReport() probe.Report {
	verified := false
	notAfter := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	return probe.Report{
		Target:   "my-release",
		Success:  false,
		ExitCode: probe.ExitTLS,
		Duration: 1500 * time.Millisecond,
		Checks: []probe.Result{
			{Name: probe.CheckResolve, Status: probe.StatusSkip, Message: "address is an IP literal; nothing to resolve"},
			{Name: probe.CheckConnect, Status: probe.StatusPass, Duration: 2 * time.Millisecond,
				Message: "TCP connected to 127.0.0.1:443", Details: probe.Details{RemoteAddress: "127.0.0.1:443"}},
			{Name: probe.CheckTLS, Status: probe.StatusFail, Duration: 30 * time.Millisecond,
				Reason: probe.ReasonTLSNameMismatch, Hint: probe.Hint(probe.ReasonTLSNameMismatch),
				Message: "certificate is valid for my-release.milvus.io, not wrong.example.com",
				Details: probe.Details{Verified: &verified, NotAfter: &notAfter, FingerprintSHA256: "AB:CD"}},
			{Name: probe.CheckALPN, Status: probe.StatusSkip, Message: "not run: tls failed"},
			{Name: probe.CheckHealthz, Status: probe.StatusWarn, Reason: probe.ReasonHealthUnimplemented,
				Hint: "a warning hint", Message: "multi\nline   message"},
		},
	}
}

func TestWriteJSONFields(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, report.WriteJSON(&out, failedReport()))

	var doc map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc))
	assert.Equal(t, []string{"checks", "duration_seconds", "exit_code", "schema_version", "success", "target"}, keys(doc))
	assert.EqualValues(t, report.SchemaVersion, doc["schema_version"])
	assert.Equal(t, "my-release", doc["target"])
	assert.Equal(t, false, doc["success"])
	assert.EqualValues(t, probe.ExitTLS, doc["exit_code"])
	assert.InDelta(t, 1.5, doc["duration_seconds"], 1e-9)

	checks, ok := doc["checks"].([]any)
	require.True(t, ok)
	require.Len(t, checks, 5)
	for _, c := range checks {
		check := c.(map[string]any)
		assert.Equal(t, []string{"details", "duration_seconds", "hint", "message", "name", "reason", "status"}, keys(check),
			"every check has every field, empty or not")
	}
	tlsCheck := checks[2].(map[string]any)
	assert.Equal(t, "tls", tlsCheck["name"])
	assert.Equal(t, "fail", tlsCheck["status"])
	assert.Equal(t, "tls_name_mismatch", tlsCheck["reason"])
	assert.InDelta(t, 0.03, tlsCheck["duration_seconds"], 1e-9)
	assert.Equal(t, probe.Hint(probe.ReasonTLSNameMismatch), tlsCheck["hint"])
	details := tlsCheck["details"].(map[string]any)
	assert.Equal(t, false, details["verified"])
	assert.Equal(t, "2027-01-02T03:04:05Z", details["not_after"])
	assert.Equal(t, "AB:CD", details["fingerprint_sha256"])
	resolve := checks[0].(map[string]any)
	assert.Equal(t, "", resolve["reason"])
	assert.Equal(t, map[string]any{}, resolve["details"])
}

func TestWriteTable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, report.WriteTable(&out, failedReport()))
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")

	require.Len(t, lines, 9, out.String())
	assert.Regexp(t, `^CHECK\s+STATUS\s+DURATION\s+MESSAGE$`, lines[0])
	assert.Regexp(t, `^resolve\s+SKIP\s+-\s+address is an IP literal`, lines[1])
	assert.Regexp(t, `^connect\s+PASS\s+2ms\s+TCP connected`, lines[2])
	assert.Regexp(t, `^tls\s+FAIL\s+30ms\s+certificate is valid for my-release.milvus.io, not wrong.example.com$`, lines[3])
	assert.Regexp(t, `^\s+hint: set --server-name`, lines[4], "a failed check has its hint below it")
	assert.Regexp(t, `^alpn\s+SKIP\s+-\s+not run: tls failed$`, lines[5])
	assert.Regexp(t, `^healthz\s+WARN\s+0s\s+multi line message$`, lines[6], "messages are one line")
	assert.Regexp(t, `^\s+hint: a warning hint$`, lines[7], "a warning has its hint too")
	assert.Equal(t, "my-release: FAILED at tls (tls_name_mismatch), exit code 5", lines[8])
}

func TestWriteTableSuccess(t *testing.T) {
	rep := probe.Report{Target: "t", Success: true, Duration: 1234 * time.Millisecond, Checks: []probe.Result{
		{Name: probe.CheckConnect, Status: probe.StatusPass, Message: "ok", Hint: "not shown for a pass"},
	}}
	var out bytes.Buffer
	require.NoError(t, report.WriteTable(&out, rep))

	assert.NotContains(t, out.String(), "hint:")
	assert.True(t, strings.HasSuffix(out.String(), "t: all checks passed in 1.234s\n"), out.String())
}

func TestWriteFormat(t *testing.T) {
	for _, format := range []report.Format{report.FormatJSON, report.FormatTable} {
		var out bytes.Buffer
		require.NoError(t, report.Write(&out, format, failedReport()))
		assert.Equal(t, format == report.FormatJSON, json.Valid(out.Bytes()), format)
	}
}

func TestParseFormat(t *testing.T) {
	for _, value := range []string{"table", "json"} {
		got, err := report.ParseFormat(value)
		require.NoError(t, err)
		assert.Equal(t, report.Format(value), got)
	}
	_, err := report.ParseFormat("yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `output "yaml" is invalid`)
	assert.Contains(t, err.Error(), "table or json")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
