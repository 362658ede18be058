package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// TestProbeConfigLoads feeds the rendered probe config to the loader that
// check and run use, so the two schemas cannot drift apart.
func TestProbeConfigLoads(t *testing.T) {
	for _, mode := range []CertMode{CertSelfManaged, CertGoogleManaged} {
		t.Run(string(mode), func(t *testing.T) {
			var content string
			for _, f := range renderMode(t, mode) {
				if f.Name == FileProbeConfig {
					content = string(f.Content)
				}
			}
			require.NotEmpty(t, content)

			// The container path of the pinned certificate does not exist
			// here, so point it at a certificate made for this test.
			dir := t.TempDir()
			pair, err := tlsutil.Generate(tlsutil.CertRequest{CommonName: "my-release.milvus.io",
				DNSNames: []string{"my-release.milvus.io"}, Validity: time.Hour})
			require.NoError(t, err)
			certPath := filepath.Join(dir, "tls.crt")
			require.NoError(t, os.WriteFile(certPath, pair.CertPEM, 0o644))
			content = strings.ReplaceAll(content, probeCertDir+"/tls.crt", certPath)
			configPath := filepath.Join(dir, "config.yaml")
			require.NoError(t, os.WriteFile(configPath, []byte(content), 0o644))

			flags := pflag.NewFlagSet("test", pflag.ContinueOnError)
			config.AddTargetFlags(flags)
			require.NoError(t, flags.Parse([]string{"--config", configPath}))
			cfg, err := config.Load(flags, func(string) string { return "" })
			require.NoError(t, err)

			require.Len(t, cfg.Targets, 1)
			target := cfg.Targets[0]
			assert.Equal(t, "my-release.milvus.io:443", target.Address)
			assert.Equal(t, "my-release.milvus.io", target.ServerName)
			assert.Equal(t, "http://127.0.0.1:9091/healthz", target.HealthzURL)
			assert.Equal(t, 30*time.Second, cfg.Interval)
		})
	}
}
