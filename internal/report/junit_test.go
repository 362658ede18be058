package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// junitSchema lists, for each element of a JUnit XML report, the attributes
// and child elements that the Apache Ant JUnit schema and Jenkins xUnit
// schema version 2 both allow, the subset that GitLab and the GitHub
// test-report actions read.
var junitSchema = map[string]struct {
	attrs    []string
	children []string
}{
	"testsuites": {
		attrs:    []string{"name", "tests", "failures", "errors", "skipped", "disabled", "time"},
		children: []string{"testsuite"},
	},
	"testsuite": {
		attrs: []string{"name", "tests", "failures", "errors", "skipped", "disabled",
			"time", "timestamp", "hostname", "id", "package"},
		children: []string{"properties", "testcase", "system-out", "system-err"},
	},
	"properties": {children: []string{"property"}},
	"property":   {attrs: []string{"name", "value"}},
	"testcase": {
		attrs:    []string{"name", "classname", "time", "assertions", "status"},
		children: []string{"skipped", "error", "failure", "system-out", "system-err"},
	},
	"failure":    {attrs: []string{"message", "type"}},
	"skipped":    {attrs: []string{"message"}},
	"system-out": {},
}

// junitFile is the JUnit structure decoded independently of the writer's
// own types, so a wrong tag in those types fails the test.
type junitFile struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Errors   int     `xml:"errors,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			ClassName string  `xml:"classname,attr"`
			Name      string  `xml:"name,attr"`
			Time      float64 `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func failingReport() probe.Report {
	return probe.Report{
		Target:   "my-release.milvus.io",
		ExitCode: probe.ExitTLS,
		Duration: 1500 * time.Millisecond,
		Checks: []probe.Result{
			{Name: probe.CheckConnect, Status: probe.StatusPass,
				Duration: 12 * time.Millisecond, Message: "connected to 127.0.0.1:443"},
			{Name: probe.CheckTLS, Status: probe.StatusFail, Duration: 250 * time.Millisecond,
				Reason:  probe.ReasonTLSNameMismatch,
				Message: `x509: certificate is valid for a.example, not "b" & <c>`,
				Hint:    "set --server-name to a name the certificate has"},
			{Name: probe.CheckALPN, Status: probe.StatusSkip,
				Message: "skipped: tls failed"},
			{Name: probe.CheckHealthz, Status: probe.StatusWarn, Duration: time.Millisecond,
				Reason: probe.ReasonCertNoSAN, Message: "certificate has no SAN",
				Hint: "make one with the cert command"},
		},
	}
}

func passingReport() probe.Report {
	return probe.Report{
		Target:  "127.0.0.1:8443",
		Success: true,
		Checks: []probe.Result{
			{Name: probe.CheckConnect, Status: probe.StatusPass, Duration: 2 * time.Millisecond},
			{Name: probe.CheckTLS, Status: probe.StatusPass, Duration: 3 * time.Millisecond},
		},
	}
}

func writeAndDecode(t *testing.T, reports []probe.Report) (string, junitFile) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, reports))
	var doc junitFile
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	return buf.String(), doc
}

func TestJUnitTotals(t *testing.T) {
	_, doc := writeAndDecode(t, []probe.Report{failingReport(), passingReport()})

	assert.Equal(t, 6, doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 1, doc.Skipped)
	assert.InDelta(t, 1.505, doc.Time, 0.0001)
	require.Len(t, doc.Suites, 2)

	first := doc.Suites[0]
	assert.Equal(t, "my-release.milvus.io", first.Name)
	assert.Equal(t, 4, first.Tests)
	assert.Equal(t, 1, first.Failures)
	assert.Equal(t, 0, first.Errors)
	assert.Equal(t, 1, first.Skipped)
	assert.InDelta(t, 1.5, first.Time, 0.0001)

	second := doc.Suites[1]
	assert.Equal(t, 0, second.Failures)
	assert.InDelta(t, 0.005, second.Time, 0.0001, "sum of checks when the report has no duration")
}

func TestJUnitTestCases(t *testing.T) {
	_, doc := writeAndDecode(t, []probe.Report{failingReport()})
	require.Len(t, doc.Suites, 1)
	cases := doc.Suites[0].Cases
	require.Len(t, cases, 4)

	t.Run("pass", func(t *testing.T) {
		c := cases[0]
		assert.Equal(t, "milvus-l7-probe.my-release.milvus.io", c.ClassName)
		assert.Equal(t, "connect", c.Name)
		assert.InDelta(t, 0.012, c.Time, 0.0001)
		assert.Nil(t, c.Failure)
		assert.Nil(t, c.Skipped)
		assert.Empty(t, c.SystemOut)
	})
	t.Run("fail", func(t *testing.T) {
		c := cases[1]
		assert.Equal(t, "tls", c.Name)
		require.NotNil(t, c.Failure)
		assert.Equal(t, "tls_name_mismatch", c.Failure.Type)
		assert.Equal(t, `x509: certificate is valid for a.example, not "b" & <c>`, c.Failure.Message)
		assert.Contains(t, c.Failure.Text, `not "b" & <c>`)
		assert.Contains(t, c.Failure.Text, "hint: set --server-name to a name the certificate has")
		assert.Nil(t, c.Skipped)
	})
	t.Run("skip", func(t *testing.T) {
		c := cases[2]
		assert.Equal(t, "alpn", c.Name)
		require.NotNil(t, c.Skipped)
		assert.Equal(t, "skipped: tls failed", c.Skipped.Message)
		assert.Nil(t, c.Failure)
	})
	t.Run("warn passes", func(t *testing.T) {
		c := cases[3]
		assert.Nil(t, c.Failure)
		assert.Nil(t, c.Skipped)
		assert.Contains(t, c.SystemOut, "warning (cert_no_san): certificate has no SAN")
		assert.Contains(t, c.SystemOut, "hint: make one with the cert command")
	})
}

func TestJUnitRoundTrip(t *testing.T) {
	reports := []probe.Report{failingReport(), passingReport()}
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, reports))

	var decoded JUnitTestSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &decoded))
	want := NewJUnit(reports)
	want.XMLName = decoded.XMLName
	assert.Equal(t, want, decoded)
}

func TestJUnitSchemaStructure(t *testing.T) {
	out, _ := writeAndDecode(t, []probe.Report{failingReport(), passingReport()})
	assertJUnitSchema(t, out)
}

func TestJUnitNoReports(t *testing.T) {
	out, doc := writeAndDecode(t, nil)
	assert.Equal(t, 0, doc.Tests)
	assert.Empty(t, doc.Suites)
	assertJUnitSchema(t, out)
}

func TestJUnitInvalidCharacters(t *testing.T) {
	r := passingReport()
	r.Checks[1] = probe.Result{Name: probe.CheckHealthz, Status: probe.StatusFail,
		Reason: probe.ReasonHealthzBodyNotOK, Message: "body \x00\x1b[31mred\nline two"}

	_, doc := writeAndDecode(t, []probe.Report{r})
	failure := doc.Suites[0].Cases[1].Failure
	require.NotNil(t, failure)
	assert.Equal(t, "body \uFFFD\uFFFD[31mred\nline two", failure.Message)
}

// assertJUnitSchema walks the document and fails on any element or
// attribute that the JUnit schema does not allow at that place.
func assertJUnitSchema(t *testing.T, doc string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader([]byte(doc)))
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch el := tok.(type) {
		case xml.StartElement:
			name := el.Name.Local
			spec, known := junitSchema[name]
			require.True(t, known, "unknown element <%s>", name)
			if len(stack) == 0 {
				assert.Equal(t, "testsuites", name, "root element")
			} else {
				parent := stack[len(stack)-1]
				assert.Contains(t, junitSchema[parent].children, name, "<%s> inside <%s>", name, parent)
			}
			for _, a := range el.Attr {
				assert.Contains(t, spec.attrs, a.Name.Local, "attribute %s of <%s>", a.Name.Local, name)
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	assert.Empty(t, stack)
}

func TestWriteFormatJUnit(t *testing.T) {
	format, err := ParseFormat("junit")
	require.NoError(t, err)
	assert.Equal(t, FormatJUnit, format)

	var viaWrite, direct bytes.Buffer
	require.NoError(t, Write(&viaWrite, format, failingReport()))
	require.NoError(t, WriteJUnit(&direct, []probe.Report{failingReport()}))
	assert.Equal(t, direct.String(), viaWrite.String())
}
