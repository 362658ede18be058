package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Build stamps, set by the linker:
//
//	-ldflags "-X main.version=v1.2.3 -X main.commit=SHA -X main.date=RFC3339"
//
// The Makefile and the Dockerfile pass the same flags.
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

// buildInfo is the output of `version`. Date is the build date when the
// linker stamped it, else the commit time that `go build` recorded.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

type versionOptions struct {
	output string

	// readBuildInfo is debug.ReadBuildInfo, replaced in tests.
	readBuildInfo func() (*debug.BuildInfo, bool)
}

const versionExample = `  # Print the version, commit, build date and Go version
  milvus-l7-probe version

  # Print them as JSON, e.g. for an inventory script
  milvus-l7-probe version --output json`

func newVersionCommand(io streams) *cobra.Command {
	o := &versionOptions{readBuildInfo: debug.ReadBuildInfo}
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit, build date and Go version",
		Example: versionExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return usageError(err)
			}
			return o.run(io.Out)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text",
		"output format: text or json")
	return cmd
}

func (o *versionOptions) validate() error {
	switch o.output {
	case "text", "json":
		return nil
	}
	return fmt.Errorf("--output %q is invalid: use text or json", o.output)
}

func (o *versionOptions) run(w io.Writer) error {
	info := o.collect()
	if o.output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	dirty := ""
	if info.Modified {
		dirty = " (modified)"
	}
	_, err := fmt.Fprintf(w, "milvus-l7-probe %s\ncommit:     %s%s\ndate:       %s\ngo version: %s %s\n",
		info.Version, info.Commit, dirty, info.Date, info.GoVersion, info.Platform)
	return err
}

// collect returns the linker stamps, filling the ones left at their
// defaults from the module and VCS data that `go build` embeds.
func (o *versionOptions) collect() buildInfo {
	info := buildInfo{
		Version:   version,
		Commit:    commit,
		Date:      date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	info.Version = buildVersion(o.readBuildInfo)
	bi, ok := o.readBuildInfo()
	if ok && info.Commit == "unknown" {
		fillFromVCS(&info, bi.Settings)
	}
	return info
}

// buildVersion returns the stamped version, or the module version that
// `go install module@version` records when the build was not stamped.
func buildVersion(readBuildInfo func() (*debug.BuildInfo, bool)) string {
	if version != "dev" {
		return version
	}
	bi, ok := readBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return version
	}
	return bi.Main.Version
}

// fillFromVCS sets the commit, the commit time and the modified flag from
// the vcs.* settings that `go build` records inside a Git checkout (unless
// -buildvcs=false).
func fillFromVCS(info *buildInfo, settings []debug.BuildSetting) {
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			if info.Date == "unknown" {
				info.Date = s.Value
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
}
