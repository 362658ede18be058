// Package e2e runs end-to-end tests against the rig of real programs on
// 127.0.0.1: Milvus 2.3.5 standalone, nginx and pymilvus. scripts/rig-setup.sh
// installs them.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/rig"
)

// serverName is the host the Ingress routes, as in Milvus's guide.
const serverName = "my-release.milvus.io"

// Two shared servers, one per Milvus TLS mode, each started on first use.
var (
	plainMilvus = &rig.SharedMilvus{}
	tlsMilvus   = &rig.SharedMilvus{}
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e-backend-cert-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The backend certificate of a tlsMode 1 Milvus; the load balancer does
	// not verify it, so its name need not match anything.
	backend, err := rig.WriteCert(dir, "milvus.default.svc.cluster.local")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tlsMilvus.Options = rig.MilvusOptions{TLSMode: 1, CertFile: backend.CertFile, KeyFile: backend.KeyFile}

	code := m.Run()
	for _, shared := range []*rig.SharedMilvus{plainMilvus, tlsMilvus, authMilvus} {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop milvus:", err)
			code = 1
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}
