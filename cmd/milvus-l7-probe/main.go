// Command milvus-l7-probe sets up, checks and monitors a Milvus endpoint
// behind a Google Cloud Layer-7 load balancer.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

func main() {
	probe.UserAgent = "milvus-l7-probe/" + buildVersion(debug.ReadBuildInfo)
	os.Exit(run(os.Args[1:], streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}

// run executes one command line and returns the process exit code. It never
// calls os.Exit, so a deferred function or a panic cannot turn a failure
// into exit 0.
func run(args []string, io streams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := newRootCommand(io)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(io, err)
}
