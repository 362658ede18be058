package main

import (
	"encoding/json"
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func TestCheckOutputJUnit(t *testing.T) {
	srv := startFlippingServer(t, 0)

	code, out, errOut := runCommand(t, append([]string{"check", "--output", "junit"}, srv.args()...)...)

	assert.Equal(t, probe.ExitUnhealthy, code, errOut)
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
		Suites  []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				ClassName string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Failure   *struct {
					Type string `xml:"type,attr"`
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(out), &doc), out)
	require.Len(t, doc.Suites, 1)
	suite := doc.Suites[0]
	assert.Equal(t, srv.addr, suite.Name)
	assert.Equal(t, len(suite.Cases), doc.Tests)
	var failed []string
	for _, c := range suite.Cases {
		assert.Equal(t, "milvus-l7-probe."+srv.addr, c.ClassName)
		if c.Failure != nil {
			failed = append(failed, c.Name+":"+c.Failure.Type)
			assert.Contains(t, c.Failure.Text, "hint: ")
		}
	}
	assert.Equal(t, []string{"grpc_health:not_serving"}, failed)
}

func TestCheckOutputJSONSchemaVersion(t *testing.T) {
	srv := startFlippingServer(t, 1)

	code, out, errOut := runCommand(t, append([]string{"check", "--output", "json"}, srv.args()...)...)

	require.Equal(t, probe.ExitOK, code, errOut)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, float64(1), rep["schema_version"])
	assert.Equal(t, true, rep["success"])
}

func TestCheckOutputInvalid(t *testing.T) {
	code, out, errOut := runCommand(t, "check", "--address", "127.0.0.1:1", "--output", "xml")

	assert.Equal(t, probe.ExitConfig, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, `output "xml" is invalid: use table, json or junit`)
}
