package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionText(t *testing.T) {
	code, out, errOut := runCommand(t, "version")

	assert.Equal(t, 0, code)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "milvus-l7-probe ")
	assert.Contains(t, out, "commit:")
	assert.Contains(t, out, "date:")
	assert.Contains(t, out, "go version: "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
}

func TestVersionJSON(t *testing.T) {
	code, out, _ := runCommand(t, "version", "--output", "json")
	require.Equal(t, 0, code)

	var info map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &info))
	for _, key := range []string{"version", "commit", "date", "go_version", "platform"} {
		assert.Contains(t, info, key)
	}
	assert.Equal(t, runtime.Version(), info["go_version"])
}

func TestVersionInvalidOutput(t *testing.T) {
	code, out, errOut := runCommand(t, "version", "--output", "yaml")

	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, `--output "yaml" is invalid: use text or json`)
}

func TestVersionStamps(t *testing.T) {
	vcs := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			Main: debug.Module{Path: "github.com/milvus-l7-probe/milvus-l7-probe", Version: "v0.3.0"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123abcd"},
				{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true
	}
	noBuildInfo := func() (*debug.BuildInfo, bool) { return nil, false }

	tests := []struct {
		name                  string
		version, commit, date string
		readBuildInfo         func() (*debug.BuildInfo, bool)
		want                  buildInfo
	}{
		{
			name: "linker stamps win", version: "v1.2.3", commit: "feed", date: "2026-12-04T00:00:00Z",
			readBuildInfo: vcs,
			want:          buildInfo{Version: "v1.2.3", Commit: "feed", Date: "2026-12-04T00:00:00Z"},
		},
		{
			name: "vcs fallback", version: "dev", commit: "unknown", date: "unknown",
			readBuildInfo: vcs,
			want: buildInfo{Version: "v0.3.0", Commit: "0123abcd",
				Date: "2026-12-01T10:00:00Z", Modified: true},
		},
		{
			name: "no build info", version: "dev", commit: "unknown", date: "unknown",
			readBuildInfo: noBuildInfo,
			want:          buildInfo{Version: "dev", Commit: "unknown", Date: "unknown"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setStamps(t, tc.version, tc.commit, tc.date)
			o := &versionOptions{output: "json", readBuildInfo: tc.readBuildInfo}

			var buf bytes.Buffer
			require.NoError(t, o.run(&buf))
			var got buildInfo
			require.NoError(t, json.Unmarshal(buf.Bytes(), &got))

			tc.want.GoVersion = runtime.Version()
			tc.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestVersionTextModified(t *testing.T) {
	setStamps(t, "v1.2.3", "feed", "2026-12-04T00:00:00Z")
	o := &versionOptions{output: "text", readBuildInfo: func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}}, true
	}}

	var buf bytes.Buffer
	require.NoError(t, o.run(&buf))
	assert.Contains(t, buf.String(), "milvus-l7-probe v1.2.3\n")
	assert.Contains(t, buf.String(), "date:       2026-12-04T00:00:00Z\n")
	assert.NotContains(t, buf.String(), "(modified)", "linker stamps are not mixed with VCS data")
}

// setStamps sets the linker stamps for one test and restores them after.
func setStamps(t *testing.T, v, c, d string) {
	t.Helper()
	oldVersion, oldCommit, oldDate := version, commit, date
	version, commit, date = v, c, d
	t.Cleanup(func() { version, commit, date = oldVersion, oldCommit, oldDate })
}
