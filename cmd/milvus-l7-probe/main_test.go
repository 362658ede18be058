package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// runAsMainEnv makes the test binary behave as the milvus-l7-probe binary,
// so a test can run it as a child process (a shell running a completion
// script, for example) without building the command first.
const runAsMainEnv = "MILVUS_L7_PROBE_TEST_RUN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMainEnv) == "1" {
		main()
	}
	goleak.VerifyTestMain(m)
}

// runCommand runs one command line in process and returns its exit code,
// standard output and standard error.
func runCommand(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// TestMainSetsUserAgent runs the binary as a child process, since only
// main sets the user-agent that gRPC calls carry.
func TestMainSetsUserAgent(t *testing.T) {
	srv := startFlippingServer(t, 1)
	self, err := os.Executable()
	require.NoError(t, err)

	cmd := exec.Command(self, append([]string{"check"}, srv.args()...)...)
	cmd.Env = append(os.Environ(), runAsMainEnv+"=1")
	out, err := cmd.CombinedOutput()

	require.NoError(t, err, string(out))
	userAgent, _ := srv.userAgent.Load().(string)
	assert.True(t, strings.HasPrefix(userAgent, "milvus-l7-probe/dev "), "user-agent %q", userAgent)
}

func TestDurationFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing unit", []string{"check", "--timeout", "5"}, `error: --timeout "5": a duration needs a unit, e.g. 5s`},
		{"not a duration", []string{"run", "--interval", "abc"},
			`error: --interval "abc": not a duration; use a number with a unit, e.g. 10s, 5m or 1h30m`},
		{"other flag types unchanged", []string{"check", "--canary=x"}, `invalid argument "x" for "--canary" flag`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCommand(t, tt.args...)

			assert.Equal(t, 1, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}
