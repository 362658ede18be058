package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// junitClassPrefix starts the classname of every test case, so a CI test
// view groups the cases of one target under one name.
const junitClassPrefix = "milvus-l7-probe."

// JUnitTestSuites is the root element of a JUnit XML report. GitLab shows
// a test case's classname as its suite, so the target is in both.
type JUnitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []JUnitTestSuite `xml:"testsuite"`
}

// JUnitTestSuite is the test suite of one target: one test case per check.
type JUnitTestSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitTestCase `xml:"testcase"`
}

// JUnitProperty is one name and value pair of a test suite.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitTestCase is the result of one check. Failure and Skipped are nil
// for a passing check.
type JUnitTestCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitFailure `xml:"failure,omitempty"`
	Skipped   *JUnitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitFailure marks a failed check. Type is the check's reason, Message
// its one-line message, and Text the message followed by the hint.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnitSkipped marks a check that did not run, with the reason in Message.
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes reports as one JUnit XML document: one test suite per
// target and one test case per check.
func WriteJUnit(w io.Writer, reports []probe.Report) error {
	doc := NewJUnit(reports)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

// NewJUnit builds the JUnit document for reports, with the totals of every
// suite added up at the root.
func NewJUnit(reports []probe.Report) JUnitTestSuites {
	doc := JUnitTestSuites{Name: "milvus-l7-probe", Suites: []JUnitTestSuite{}}
	var total time.Duration
	for _, r := range reports {
		suite := newJUnitSuite(r)
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Skipped += suite.Skipped
		total += reportDuration(r)
		doc.Suites = append(doc.Suites, suite)
	}
	doc.Time = junitSeconds(total)
	return doc
}

func newJUnitSuite(r probe.Report) JUnitTestSuite {
	suite := JUnitTestSuite{
		Name: r.Target,
		Time: junitSeconds(reportDuration(r)),
		Properties: []JUnitProperty{
			{Name: "success", Value: strconv.FormatBool(r.Success)},
			{Name: "exit_code", Value: strconv.Itoa(r.ExitCode)},
		},
		Cases: make([]JUnitTestCase, 0, len(r.Checks)),
	}
	for _, res := range r.Checks {
		tc := newJUnitCase(r.Target, res)
		suite.Tests++
		if tc.Failure != nil {
			suite.Failures++
		}
		if tc.Skipped != nil {
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return suite
}

func newJUnitCase(target string, res probe.Result) JUnitTestCase {
	tc := JUnitTestCase{
		ClassName: junitClassPrefix + target,
		Name:      string(res.Name),
		Time:      junitSeconds(res.Duration),
	}
	switch res.Status {
	case probe.StatusFail:
		tc.Failure = &JUnitFailure{
			Message: res.Message,
			Type:    string(res.Reason),
			Text:    withHint(res.Message, res.Hint),
		}
	case probe.StatusSkip:
		tc.Skipped = &JUnitSkipped{Message: res.Message}
	case probe.StatusWarn:
		tc.SystemOut = "warning (" + string(res.Reason) + "): " +
			withHint(res.Message, res.Hint)
	}
	return tc
}

// withHint joins a check's message and its hint into the text shown in a
// CI test view.
func withHint(message, hint string) string {
	if hint == "" {
		return message
	}
	return strings.TrimRight(message, "\n") + "\nhint: " + hint
}

// reportDuration returns the report's duration, or the sum of its checks'
// durations when the runner did not set one.
func reportDuration(r probe.Report) time.Duration {
	if r.Duration > 0 {
		return r.Duration
	}
	var sum time.Duration
	for _, res := range r.Checks {
		sum += res.Duration
	}
	return sum
}

// junitSeconds formats d as seconds with millisecond precision, the unit
// of every JUnit time attribute.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
