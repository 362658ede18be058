package config

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/pflag"
)

// FuzzValidateAddress checks that an accepted address splits into a host
// and a port.
func FuzzValidateAddress(f *testing.F) {
	for _, seed := range []string{"127.0.0.1:443", "[::1]:443", "::1:443", "host", "host:0", ":443", "[::1]",
		"http://host:443", "host:+443", "host:0443", "[", "host :443"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, address string) {
		if ValidateAddress(address) != nil {
			return
		}
		host, port, err := net.SplitHostPort(address)
		if err != nil || host == "" || port == "" {
			t.Fatalf("accepted %q: host %q port %q err %v", address, host, port, err)
		}
		if strings.Trim(port, "0123456789") != "" || port[0] == '0' {
			t.Fatalf("accepted %q with port %q that is not plain decimal", address, port)
		}
		if strings.IndexFunc(address, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			t.Fatalf("accepted %q with a space or control character", address)
		}
	})
}

// FuzzLoadConfig checks that any config file either loads into at least
// one target or fails with an error, and never panics.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("address: 127.0.0.1:443\nserver_name: my-release.milvus.io\n"))
	f.Add([]byte("targets:\n  - name: a\n    address: 127.0.0.1:443\n"))
	f.Add([]byte("timeout: 10\naddress: 127.0.0.1:443\n"))
	f.Add([]byte("tls:\n  sever_pem: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		flags := pflag.NewFlagSet("fuzz", pflag.ContinueOnError)
		AddTargetFlags(flags)
		if err := flags.Parse([]string{"--config", path}); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(flags, func(string) string { return "" })
		if err == nil && len(cfg.Targets) == 0 {
			t.Fatal("loaded a config without targets")
		}
	})
}
