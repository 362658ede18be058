package config_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// load parses args with the target flags and loads the config, with env
// as the only environment that getenv returns. Keys other than the secrets
// and the config path are read by viper from the process environment, so
// tests set those with t.Setenv.
func load(t *testing.T, env map[string]string, args ...string) (*config.Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	config.AddTargetFlags(fs)
	require.NoError(t, fs.Parse(args))
	return config.Load(fs, func(key string) string { return env[key] })
}

func loadOne(t *testing.T, env map[string]string, args ...string) probe.Target {
	t.Helper()
	cfg, err := load(t, env, args...)
	require.NoError(t, err)
	require.Len(t, cfg.Targets, 1)
	return cfg.Targets[0]
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	return testserver.WriteFile(t, "config.yaml", []byte(yaml))
}

func TestLoadDefaults(t *testing.T) {
	target := loadOne(t, nil, "--address", "34.120.1.2:443")

	assert.Equal(t, "34.120.1.2:443", target.Name, "name defaults to the address")
	assert.Equal(t, "34.120.1.2:443", target.Address)
	assert.True(t, target.TLS.Enabled)
	assert.Equal(t, tlsutil.TrustSystem, target.TLS.Trust.Mode())
	assert.Equal(t, config.DefaultTimeout, target.Timeouts.Total)
	assert.Zero(t, target.Timeouts.Connect)
	assert.False(t, target.HealthUnimplementedFails)
	assert.Equal(t, "none", target.Credentials.String())
}

func TestLoadPrecedence(t *testing.T) {
	file := writeConfig(t, "address: 10.0.0.1:443\ntimeout: 20s\nserver_name: file.example.com\ngrpc_health_service: from-file\n")
	cases := []struct {
		name        string
		env         map[string]string
		args        []string
		timeout     time.Duration
		serverName  string
		healthName  string
		addressWant string
	}{
		{"file over defaults", nil, nil, 20 * time.Second, "file.example.com", "from-file", "10.0.0.1:443"},
		{"env over file", map[string]string{"MILVUS_L7_PROBE_TIMEOUT": "30s", "MILVUS_L7_PROBE_SERVER_NAME": "env.example.com"},
			nil, 30 * time.Second, "env.example.com", "from-file", "10.0.0.1:443"},
		{"flags over env", map[string]string{"MILVUS_L7_PROBE_TIMEOUT": "30s", "MILVUS_L7_PROBE_SERVER_NAME": "env.example.com"},
			[]string{"--timeout", "40s", "--server-name", "flag.example.com", "--address", "10.0.0.2:443"},
			40 * time.Second, "flag.example.com", "from-file", "10.0.0.2:443"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for key, value := range tc.env {
				t.Setenv(key, value)
			}
			target := loadOne(t, nil, append([]string{"--config", file}, tc.args...)...)

			assert.Equal(t, tc.timeout, target.Timeouts.Total)
			assert.Equal(t, tc.serverName, target.ServerName)
			assert.Equal(t, tc.healthName, target.GRPCHealthService)
			assert.Equal(t, tc.addressWant, target.Address)
		})
	}
}

func TestLoadConfigPathFromEnv(t *testing.T) {
	dir := filepath.Dir(writeConfig(t, "address: 10.0.0.3:443\n"))

	target := loadOne(t, map[string]string{"MILVUS_L7_PROBE_CONFIG": dir})

	assert.Equal(t, "10.0.0.3:443", target.Address, "a folder means the config.yaml inside it")
}

func TestLoadFolderWithoutConfig(t *testing.T) {
	folder := t.TempDir()

	_, err := load(t, nil, "--config", folder)

	require.Error(t, err)
	assert.Equal(t, `config folder "`+folder+`" has no config.yaml; `+
		"mount the ConfigMap with key config.yaml or give the file path to --config", err.Error())
}

func TestLoadPlaintextFlag(t *testing.T) {
	file := writeConfig(t, "address: 10.0.0.1:19530\ntls:\n  enabled: true\n")

	target := loadOne(t, nil, "--config", file, "--plaintext")

	assert.False(t, target.TLS.Enabled)
}

func TestLoadUnknownKey(t *testing.T) {
	cases := map[string]struct {
		yaml string
		key  string
	}{
		"top level":      {"address: 10.0.0.1:443\nadress: x\n", `"adress"`},
		"nested":         {"address: 10.0.0.1:443\ntls:\n  server_pme: tls.crt\n", `"tls.server_pme"`},
		"in target list": {"targets:\n  - name: a\n    address: 10.0.0.1:443\n    tiemout: 5s\n", `"targets[0].tiemout"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			file := writeConfig(t, tc.yaml)

			_, err := load(t, nil, "--config", file)

			require.Error(t, err)
			assert.Contains(t, err.Error(), "unknown key "+tc.key)
			assert.Contains(t, err.Error(), file)
			assert.Contains(t, err.Error(), "known keys are")
		})
	}
}

func TestLoadTargetsList(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	pem := testserver.WriteFile(t, "tls.crt", kp.CertPEM)
	file := writeConfig(t, `
server_name: my-release.milvus.io
timeout: 15s
tls:
  server_pem: `+pem+`
targets:
  - name: lb
    address: 34.120.1.2:443
  - name: direct
    address: 10.0.0.5:19530
    timeout: 5s
    tls:
      enabled: false
      server_pem: ""
interval: 1m
`)

	t.Run("entries over top level", func(t *testing.T) {
		cfg, err := load(t, nil, "--config", file)
		require.NoError(t, err)

		require.Len(t, cfg.Targets, 2)
		assert.Equal(t, time.Minute, cfg.Interval)
		lb, direct := cfg.Targets[0], cfg.Targets[1]
		assert.Equal(t, "lb", lb.Name)
		assert.Equal(t, "my-release.milvus.io", lb.ServerName)
		assert.Equal(t, 15*time.Second, lb.Timeouts.Total)
		assert.Equal(t, tlsutil.TrustPinned, lb.TLS.Trust.Mode())
		assert.Equal(t, "direct", direct.Name)
		assert.Equal(t, "my-release.milvus.io", direct.ServerName)
		assert.Equal(t, 5*time.Second, direct.Timeouts.Total)
		assert.False(t, direct.TLS.Enabled)
	})
	t.Run("flags over entries", func(t *testing.T) {
		cfg, err := load(t, nil, "--config", file, "--timeout", "3s")
		require.NoError(t, err)

		for _, target := range cfg.Targets {
			assert.Equal(t, 3*time.Second, target.Timeouts.Total, target.Name)
		}
	})
	t.Run("identifying flags rejected", func(t *testing.T) {
		for _, flag := range []string{"--address", "--name"} {
			_, err := load(t, nil, "--config", file, flag, "10.0.0.9:443")

			require.Error(t, err, flag)
			assert.Contains(t, err.Error(), flag+` "10.0.0.9:443" would apply to all 2 entries of targets`)
			assert.Contains(t, err.Error(), "--target NAME")
		}
	})
	t.Run("address with target", func(t *testing.T) {
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		config.AddTargetFlags(fs)
		fs.String("target", "", "")
		require.NoError(t, fs.Parse([]string{"--config", file, "--target", "direct", "--address", "127.0.0.1:19530"}))

		cfg, err := config.Load(fs, func(string) string { return "" })
		require.NoError(t, err)
		target, err := cfg.Select("direct")
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1:19530", target.Address)
	})
	t.Run("select", func(t *testing.T) {
		cfg, err := load(t, nil, "--config", file)
		require.NoError(t, err)

		target, err := cfg.Select("direct")
		require.NoError(t, err)
		assert.Equal(t, "10.0.0.5:19530", target.Address)
		_, err = cfg.Select("")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "--target")
		assert.Contains(t, err.Error(), "lb, direct")
		_, err = cfg.Select("nope")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"nope"`)
	})
	t.Run("duplicate names", func(t *testing.T) {
		dup := writeConfig(t, "targets:\n  - name: a\n    address: 10.0.0.1:443\n  - name: a\n    address: 10.0.0.2:443\n")

		_, err := load(t, nil, "--config", dup)

		require.Error(t, err)
		assert.Contains(t, err.Error(), `targets[1]: name "a" is used twice`)
	})
	t.Run("error names the entry", func(t *testing.T) {
		bad := writeConfig(t, "targets:\n  - name: a\n    address: 10.0.0.1:443\n  - name: b\n    address: 10.0.0.2\n")

		_, err := load(t, nil, "--config", bad)

		require.Error(t, err)
		assert.Contains(t, err.Error(), "targets[1]")
		assert.Contains(t, err.Error(), "missing port")
	})
}

func TestLoadCredentials(t *testing.T) {
	const password = "s3cret-Passw0rd"
	passwordFile := testserver.WriteFile(t, "password", []byte(password+"\n"))
	tokenFile := testserver.WriteFile(t, "token", []byte("tok-123456\r\n"))

	t.Run("password file", func(t *testing.T) {
		target := loadOne(t, nil, "--address", "10.0.0.1:443", "--username", "root", "--password-file", passwordFile)

		assert.Equal(t, probe.Credentials{Username: "root", Password: password}, target.Credentials)
	})
	t.Run("password from env", func(t *testing.T) {
		target := loadOne(t, map[string]string{config.EnvPassword: password}, "--address", "10.0.0.1:443", "--username", "root")

		assert.Equal(t, probe.Credentials{Username: "root", Password: password}, target.Credentials)
	})
	t.Run("password file wins over env", func(t *testing.T) {
		target := loadOne(t, map[string]string{config.EnvPassword: "from-env"},
			"--address", "10.0.0.1:443", "--username", "root", "--password-file", passwordFile)

		assert.Equal(t, password, target.Credentials.Password)
	})
	t.Run("token file", func(t *testing.T) {
		target := loadOne(t, nil, "--address", "10.0.0.1:443", "--token-file", tokenFile)

		assert.Equal(t, probe.Credentials{Token: "tok-123456"}, target.Credentials)
	})
	t.Run("token from env", func(t *testing.T) {
		target := loadOne(t, map[string]string{config.EnvToken: "tok-env"}, "--address", "10.0.0.1:443")

		assert.Equal(t, "tok-env", target.Credentials.Token)
	})
}

func TestLoadInvalid(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	pem := testserver.WriteFile(t, "tls.crt", kp.CertPEM)
	keyOnly := testserver.WriteFile(t, "tls.key", kp.KeyPEM)
	empty := testserver.WriteFile(t, "empty", nil)
	missing := filepath.Join(t.TempDir(), "missing.crt")
	folder := t.TempDir()
	const addr = "--address=10.0.0.1:443"
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		words []string
	}{
		{"no address", nil, nil, []string{"address is missing", "--address"}},
		{"address without port", nil, []string{"--address", "10.0.0.1"},
			[]string{`address "10.0.0.1"`, "missing port", "10.0.0.1:443"}},
		{"IPv6 without brackets", nil, []string{"--address", "2001:db8::1:443"},
			[]string{`"2001:db8::1:443"`, "brackets", "[2001:db8::1]:443"}},
		{"port out of range", nil, []string{"--address", "10.0.0.1:70000"}, []string{`port "70000"`, "1 to 65535"}},
		{"missing host", nil, []string{"--address", ":443"}, []string{"missing host"}},
		{"URL with port", nil, []string{"--address", "http://34.1.2.3:443"},
			[]string{`address "http://34.1.2.3:443": is a URL; drop the scheme: use 34.1.2.3:443`}},
		{"URL without port", nil, []string{"--address", "https://host"}, []string{"drop the scheme: use host:443"}},
		{"space in address", nil, []string{"--address", "10.0.0.1 :443"}, []string{"space or control character at byte 8"}},
		{"trailing newline", nil, []string{"--address", "10.0.0.1:443\n"}, []string{"space or control character"}},
		{"control character", nil, []string{"--address", "10.0.0.1\x00:443"}, []string{"space or control character"}},
		{"signed port", nil, []string{"--address", "10.0.0.1:+443"}, []string{`port "+443" is invalid`}},
		{"port with leading zero", nil, []string{"--address", "10.0.0.1:0443"},
			[]string{`port "0443" has a leading zero, which is ambiguous`, "e.g. 443"}},
		{"bracket alone", nil, []string{"--address", "["}, []string{`address "["`, "missing ]", "[2001:db8::1]:443"}},
		{"unclosed bracket", nil, []string{"--address", "[::1"}, []string{`address "[::1"`, "missing ]"}},
		{"two ports", nil, []string{"--address", "127.0.0.1:443:443"},
			[]string{`address "127.0.0.1:443:443" has too many colons`, "127.0.0.1:443"}},
		{"port alone with sign", nil, []string{"--address", "+443"}, []string{"missing port", "34.120.1.2:443"}},
		{"bracketed IPv6 without port", nil, []string{"--address", "[::1]"}, []string{"missing port", "[::1]:443"}},
		{"missing PEM", nil, []string{addr, "--server-pem", missing}, []string{"--server-pem", missing, "does not exist"}},
		{"PEM folder", nil, []string{addr, "--server-pem", folder},
			[]string{"--server-pem", `"` + folder + `" is a folder; give the PEM certificate inside it`, filepath.Join(folder, "tls.crt")}},
		{"CA folder", nil, []string{addr, "--ca-file", folder}, []string{"--ca-file", "is a folder"}},
		{"password file folder", nil, []string{addr, "--username", "root", "--password-file", folder},
			[]string{"--password-file", "is a folder; give the file that contains the Milvus password inside it"}},
		{"PEM with only a key", nil, []string{addr, "--server-pem", keyOnly}, []string{"--server-pem", "no certificate", "PRIVATE KEY"}},
		{"CA file with no certificate", nil, []string{addr, "--ca-file", empty}, []string{"--ca-file", "no PEM certificate"}},
		{"bad SPKI pin", nil, []string{addr, "--spki-pin", "abc"}, []string{"--spki-pin", `"abc"`}},
		{"insecure with pinned certificate", nil, []string{addr, "--insecure-skip-verify", "--server-pem", pem},
			[]string{"--insecure-skip-verify", "--server-pem"}},
		{"insecure with SPKI pin", nil, []string{addr, "--insecure-skip-verify", "--spki-pin", tlsutil.SPKIPin(kp.Cert)},
			[]string{"--insecure-skip-verify", "--spki-pin"}},
		{"pinned certificate with CA file", nil, []string{addr, "--server-pem", pem, "--ca-file", pem},
			[]string{"--server-pem", "--ca-file"}},
		{"plaintext with pin", nil, []string{addr, "--plaintext", "--server-pem", pem}, []string{"--plaintext"}},
		{"timeout zero", nil, []string{addr, "--timeout", "0s"}, []string{"timeout 0s is invalid", "--timeout"}},
		{"negative stage timeout", nil, []string{addr, "--rpc-timeout", "-1s"}, []string{"rpc-timeout", "negative"}},
		{"negative min validity", nil, []string{addr, "--min-cert-validity", "-1h"}, []string{"min-cert-validity", "negative"}},
		{"bad healthz URL", nil, []string{addr, "--healthz-url", "127.0.0.1:9091/healthz"},
			[]string{"healthz-url", "http://127.0.0.1:9091/healthz"}},
		{"bad health-unimplemented", nil, []string{addr, "--health-unimplemented", "ignore"},
			[]string{`health-unimplemented "ignore"`, "warn or fail"}},
		{"username without password", nil, []string{addr, "--username", "root"},
			[]string{`--username "root"`, "--password-file", config.EnvPassword}},
		{"password file without username", nil, []string{addr, "--password-file", pem}, []string{"--password-file", "--username"}},
		{"token and username", map[string]string{config.EnvToken: "tok-123456", config.EnvPassword: "pw-123456"},
			[]string{addr, "--username", "root"}, []string{"token", "--username"}},
		{"missing password file", nil, []string{addr, "--username", "root", "--password-file", missing},
			[]string{"--password-file", missing, "does not exist; give the path of the file that contains the Milvus password"}},
		{"missing token file", nil, []string{addr, "--token-file", missing},
			[]string{"--token-file", "does not exist; give the path of the file that contains the Milvus token"}},
		{"empty password file", nil, []string{addr, "--username", "root", "--password-file", empty},
			[]string{"--password-file", "is empty"}},
		{"missing config file", nil, []string{"--config", missing}, []string{missing, "does not exist", "--config"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.env, tc.args...)

			require.Error(t, err)
			for _, word := range tc.words {
				assert.Contains(t, err.Error(), word)
			}
			for _, secret := range tc.env {
				assert.NotContains(t, err.Error(), secret)
			}
		})
	}
}

func TestLoadInvalidDurations(t *testing.T) {
	t.Run("file number without unit", func(t *testing.T) {
		file := writeConfig(t, "address: 10.0.0.1:443\ntimeout: 10\n")

		_, err := load(t, nil, "--config", file)

		require.Error(t, err)
		assert.Contains(t, err.Error(), "duration 10 has no unit")
		assert.Contains(t, err.Error(), "10s")
	})
	t.Run("env number without unit", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_TIMEOUT", "10")

		_, err := load(t, nil, "--address", "10.0.0.1:443")

		require.Error(t, err)
		assert.Equal(t, `timeout (from MILVUS_L7_PROBE_TIMEOUT): duration "10" is invalid: `+
			"use a number with a unit, e.g. 10s or 5m", err.Error())
	})
	t.Run("entry value not blamed on env", func(t *testing.T) {
		t.Setenv("MILVUS_L7_PROBE_TIMEOUT", "5s")
		file := writeConfig(t, "targets:\n  - address: 10.0.0.1:443\n    timeout: 10\n")

		_, err := load(t, nil, "--config", file)

		require.Error(t, err)
		assert.Contains(t, err.Error(), "targets[0].timeout: duration 10 has no unit")
		assert.NotContains(t, err.Error(), "MILVUS_L7_PROBE_TIMEOUT")
	})
	t.Run("one line per problem", func(t *testing.T) {
		file := writeConfig(t, "address: 10.0.0.1:443\ntimeout: 10\ncanary: maybe\ntimeouts:\n  rpc: abc\n")

		_, err := load(t, nil, "--config", file)

		require.Error(t, err)
		assert.Equal(t, "config "+file+": canary: \"maybe\" is not a bool\n"+
			"timeout: duration 10 has no unit: write it with one, e.g. 10s\n"+
			`timeouts.rpc: duration "abc" is invalid: use a number with a unit, e.g. 10s or 5m`, err.Error())
	})
	t.Run("interval zero", func(t *testing.T) {
		file := writeConfig(t, "address: 10.0.0.1:443\ninterval: 0s\n")

		_, err := load(t, nil, "--config", file)

		require.Error(t, err)
		assert.Contains(t, err.Error(), "interval 0s is invalid")
	})
}

func TestLoadPasswordNeverInErrors(t *testing.T) {
	const password = "s3cret-Passw0rd"
	passwordFile := testserver.WriteFile(t, "password", []byte(password))

	_, err := load(t, map[string]string{config.EnvToken: "tok-123456"},
		"--address", "10.0.0.1:443", "--username", "root", "--password-file", passwordFile)

	require.Error(t, err)
	assert.NotContains(t, err.Error(), password)
	assert.NotContains(t, err.Error(), "tok-123456")
}
