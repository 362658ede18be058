package rig

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLaunchMilvusMissingVenv(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())

	_, err := LaunchMilvus(context.Background(), MilvusOptions{DataDir: t.TempDir()})

	require.Error(t, err)
	assert.ErrorContains(t, err, "python virtual environment")
	assert.ErrorContains(t, err, "run scripts/rig-setup.sh")
}

func TestLaunchMilvusTimeoutShowsLogs(t *testing.T) {
	dataDir := t.TempDir()

	_, err := LaunchMilvus(context.Background(), MilvusOptions{DataDir: dataDir, StartTimeout: time.Millisecond})

	require.Error(t, err)
	assert.ErrorContains(t, err, "milvus not ready after")
	assert.ErrorContains(t, err, dataDir+"/logs/launcher.log (last 20 lines)")
}

func TestLaunchNginxBadDirectiveShowsErrorLog(t *testing.T) {
	cert := NewCert(t, "my-release.milvus.io")

	_, err := LaunchNginx(context.Background(), t.TempDir(), NginxOptions{
		CertFile: cert.CertFile, KeyFile: cert.KeyFile, HTTP1Only: true,
		ServerDirectives: "no_such_directive on;",
	})

	require.Error(t, err)
	assert.ErrorContains(t, err, "nginx exited before listening")
	assert.ErrorContains(t, err, `unknown directive "no_such_directive"`)
}
