package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func buildTargets(settings []TargetSettings, getenv func(string) string) ([]probe.Target, error) {
	targets := make([]probe.Target, 0, len(settings))
	seen := map[string]bool{}
	for i, ts := range settings {
		t, err := buildTarget(ts, getenv)
		if err != nil && len(settings) > 1 {
			return nil, fmt.Errorf("targets[%d]: %w", i, err)
		}
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("targets[%d]: name %q is used twice; give each target its own name", i, t.Name)
		}
		seen[t.Name] = true
		targets = append(targets, t)
	}
	return targets, nil
}

// buildTarget validates one target's settings and reads the files they
// name. Each error names the key and flag, the value, and what to do.
func buildTarget(ts TargetSettings, getenv func(string) string) (probe.Target, error) {
	if err := ValidateAddress(ts.Address); err != nil {
		return probe.Target{}, err
	}
	if err := validateTimeouts(ts); err != nil {
		return probe.Target{}, err
	}
	tlsConfig, err := buildTLS(ts.TLS)
	if err != nil {
		return probe.Target{}, err
	}
	if err := validateHealthzURL(ts.HealthzURL); err != nil {
		return probe.Target{}, err
	}
	unimplementedFails, err := parseHealthUnimplemented(ts.HealthUnimplemented)
	if err != nil {
		return probe.Target{}, err
	}
	creds, err := loadCredentials(ts.Credentials, getenv)
	if err != nil {
		return probe.Target{}, err
	}

	name := ts.Name
	if name == "" {
		name = ts.Address
	}
	return probe.Target{
		Name:                     name,
		Address:                  ts.Address,
		ServerName:               ts.ServerName,
		TLS:                      tlsConfig,
		GRPCHealthService:        ts.GRPCHealthService,
		HealthUnimplementedFails: unimplementedFails,
		HealthzURL:               ts.HealthzURL,
		Timeouts: probe.Timeouts{
			Total:   ts.Timeout,
			Connect: ts.Timeouts.Connect,
			TLS:     ts.Timeouts.TLS,
			RPC:     ts.Timeouts.RPC,
			Healthz: ts.Timeouts.Healthz,
		},
		Credentials: creds,
		Canary:      ts.Canary,
	}, nil
}

// ValidateAddress checks that address is HOST:PORT with a port in range
// and an IPv6 literal in brackets. The port must be plain decimal digits
// without a sign or a leading zero.
func ValidateAddress(address string) error {
	if address == "" {
		return errors.New("address is missing: set --address HOST:PORT (or address in the config), " +
			"e.g. the load balancer's IP and 443")
	}
	if i := strings.IndexFunc(address, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fmt.Errorf("address %q: contains a space or control character at byte %d; "+
			"use HOST:PORT without spaces, e.g. 34.120.1.2:443", address, i)
	}
	if strings.Contains(address, "://") {
		return urlAddressError(address)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return addressError(address, err)
	}
	if host == "" {
		return fmt.Errorf("address %q: missing host; use HOST:PORT, e.g. 34.120.1.2:443", address)
	}
	return validatePort(address, port)
}

func validatePort(address, port string) error {
	if port != "" && strings.Trim(port, "0123456789") == "" && port[0] == '0' && port != "0" {
		return fmt.Errorf("address %q: port %q has a leading zero, which is ambiguous; "+
			"write it without, e.g. %s", address, port, strings.TrimLeft(port, "0"))
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("address %q: port %q is invalid: use a number from 1 to 65535, e.g. 443", address, port)
	}
	return nil
}

// urlAddressError rejects a URL given as an address and suggests its
// HOST:PORT, with the scheme's default port when the URL has none.
func urlAddressError(address string) error {
	u, err := url.Parse(address)
	if err != nil || u.Host == "" {
		return fmt.Errorf("address %q: is a URL; drop the scheme and path and use HOST:PORT, "+
			"e.g. 34.120.1.2:443", address)
	}
	hostPort := u.Host
	if u.Port() == "" {
		port := "443"
		if u.Scheme == "http" {
			port = "80"
		}
		hostPort = net.JoinHostPort(u.Hostname(), port)
	}
	return fmt.Errorf("address %q: is a URL; drop the scheme: use %s", address, hostPort)
}

func addressError(address string, err error) error {
	host, _, _ := strings.Cut(address, ":")
	if strings.Count(address, ":") > 1 && net.ParseIP(host) != nil && strings.Contains(host, ".") {
		return fmt.Errorf("address %q has too many colons; use HOST:PORT once, e.g. %s:443", address, host)
	}
	if strings.HasPrefix(address, "[") && !strings.Contains(address, "]") {
		return fmt.Errorf("address %q: missing ] after the IPv6 literal; use e.g. [2001:db8::1]:443", address)
	}
	if strings.Count(address, ":") > 1 && !strings.HasPrefix(address, "[") {
		return fmt.Errorf("address %q: an IPv6 literal must be in brackets with the port after them, "+
			"e.g. %s", address, bracketedExample(address))
	}
	if strings.Contains(err.Error(), "missing port") {
		return fmt.Errorf("address %q: missing port; use HOST:PORT, e.g. %s", address, withPortExample(address))
	}
	return fmt.Errorf("address %q is invalid (%v); use HOST:PORT, e.g. 34.120.1.2:443", address, err)
}

// withPortExample appends :443 to an address that is a host alone, or
// gives a generic example when the address is not a well-formed host.
func withPortExample(address string) string {
	if inner, ok := strings.CutPrefix(address, "["); ok {
		if ip, ok := strings.CutSuffix(inner, "]"); ok && net.ParseIP(ip) != nil {
			return address + ":443"
		}
		return "[2001:db8::1]:443"
	}
	if strings.ContainsAny(address, "[]/@?#%+") {
		return "34.120.1.2:443"
	}
	return address + ":443"
}

// bracketedExample suggests the bracketed form of an IPv6 address written
// without brackets, reading the part after the last colon as the port
// when that leaves a valid IP.
func bracketedExample(address string) string {
	i := strings.LastIndex(address, ":")
	if ip := net.ParseIP(address[:i]); ip != nil {
		if _, err := strconv.Atoi(address[i+1:]); err == nil {
			return fmt.Sprintf("[%s]:%s", address[:i], address[i+1:])
		}
	}
	return "[2001:db8::1]:443"
}

func validateTimeouts(ts TargetSettings) error {
	if ts.Timeout <= 0 {
		return fmt.Errorf("timeout %s is invalid: must be greater than zero; set --timeout (or timeout), e.g. 10s", ts.Timeout)
	}
	stages := []struct {
		key   string
		value int64
	}{
		{"connect-timeout (timeouts.connect)", int64(ts.Timeouts.Connect)},
		{"tls-timeout (timeouts.tls)", int64(ts.Timeouts.TLS)},
		{"rpc-timeout (timeouts.rpc)", int64(ts.Timeouts.RPC)},
		{"healthz-timeout (timeouts.healthz)", int64(ts.Timeouts.Healthz)},
	}
	for _, st := range stages {
		if st.value < 0 {
			return fmt.Errorf("%s is negative: use 0 for no stage limit, or a positive duration", st.key)
		}
	}
	return nil
}

func buildTLS(s TLSSettings) (probe.TLS, error) {
	if err := checkTrustFlags(s); err != nil {
		return probe.TLS{}, err
	}
	if s.MinCertValidity < 0 {
		return probe.TLS{}, fmt.Errorf("min-cert-validity %s is negative: use 0 to turn the check off, or e.g. 336h", s.MinCertValidity)
	}
	trust, err := buildTrust(s)
	if err != nil {
		return probe.TLS{}, err
	}
	return probe.TLS{Enabled: s.Enabled, Trust: trust, MinCertValidity: s.MinCertValidity}, nil
}

// checkTrustFlags rejects combinations that contradict each other, naming
// both flags.
func checkTrustFlags(s TLSSettings) error {
	set := map[string]bool{
		"--server-pem (tls.server_pem)": s.ServerPEM != "",
		"--ca-file (tls.ca_file)":       s.CAFile != "",
		"--spki-pin (tls.spki_pins)":    len(s.SPKIPins) > 0,
	}
	var given []string
	for _, name := range []string{"--server-pem (tls.server_pem)", "--ca-file (tls.ca_file)", "--spki-pin (tls.spki_pins)"} {
		if set[name] {
			given = append(given, name)
		}
	}
	switch {
	case !s.Enabled && (len(given) > 0 || s.InsecureSkipVerify):
		return errors.New("--plaintext (tls.enabled false) turns TLS off, so TLS trust settings cannot apply: " +
			"drop --plaintext or the TLS settings")
	case s.InsecureSkipVerify && len(given) > 0:
		return fmt.Errorf("--insecure-skip-verify and %s contradict: a pin or CA has no effect "+
			"when verification is off; drop --insecure-skip-verify", strings.Join(given, " and "))
	case s.ServerPEM != "" && s.CAFile != "":
		return errors.New("--server-pem and --ca-file contradict: a pinned certificate is the only trusted one; give one of them")
	case s.ServerPEM != "" && len(s.SPKIPins) > 0:
		return errors.New("--server-pem and --spki-pin contradict: pin the certificate or its key, not both")
	}
	return nil
}

func buildTrust(s TLSSettings) (tlsutil.Trust, error) {
	trust := tlsutil.Trust{InsecureSkipVerify: s.InsecureSkipVerify}
	if s.ServerPEM != "" {
		if err := checkFile("--server-pem (tls.server_pem)", s.ServerPEM, "PEM certificate", "tls.crt"); err != nil {
			return trust, err
		}
		certs, err := tlsutil.LoadCertificates(s.ServerPEM)
		if err != nil {
			return trust, fmt.Errorf("--server-pem (tls.server_pem): %w", err)
		}
		trust.Pinned = certs[:1]
	}
	if s.CAFile != "" {
		if err := checkFile("--ca-file (tls.ca_file)", s.CAFile, "PEM file of CA certificates", "ca.crt"); err != nil {
			return trust, err
		}
		certs, err := tlsutil.LoadCertificates(s.CAFile)
		if err != nil {
			return trust, fmt.Errorf("--ca-file (tls.ca_file): %w", err)
		}
		trust.Roots = x509.NewCertPool()
		for _, cert := range certs {
			trust.Roots.AddCert(cert)
		}
	}
	for _, pin := range s.SPKIPins {
		canonical, err := tlsutil.ParseSPKIPin(pin)
		if err != nil {
			return trust, fmt.Errorf("--spki-pin (tls.spki_pins): %w", err)
		}
		trust.SPKIPins = append(trust.SPKIPins, canonical)
	}
	return trust, nil
}

func validateHealthzURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("healthz-url %q is invalid: use an http URL with host and port, "+
			"e.g. http://127.0.0.1:9091/healthz", raw)
	}
	return nil
}

func parseHealthUnimplemented(value string) (bool, error) {
	switch value {
	case "warn", "":
		return false, nil
	case "fail":
		return true, nil
	default:
		return false, fmt.Errorf("health-unimplemented %q is invalid: use warn or fail", value)
	}
}

// loadCredentials reads the secrets the settings point at. Error messages
// name files, never their contents.
func loadCredentials(s CredentialSettings, getenv func(string) string) (probe.Credentials, error) {
	token, err := secret("--token-file (credentials.token_file)", "token", s.TokenFile, getenv(EnvToken))
	if err != nil {
		return probe.Credentials{}, err
	}
	password, err := secret("--password-file (credentials.password_file)", "password", s.PasswordFile, getenv(EnvPassword))
	if err != nil {
		return probe.Credentials{}, err
	}
	switch {
	case token != "" && s.Username != "":
		return probe.Credentials{}, errors.New("a token and --username are both set: use the token, " +
			"or the user with a password, not both")
	case s.Username != "" && password == "":
		return probe.Credentials{}, fmt.Errorf("--username %q has no password: give --password-file or set %s",
			s.Username, EnvPassword)
	case s.Username == "" && s.PasswordFile != "":
		return probe.Credentials{}, errors.New("--password-file is set without --username: give the user too")
	}
	return probe.Credentials{Username: s.Username, Password: password, Token: token}, nil
}

// checkFile rejects a path given to flag that does not exist or is a
// folder, and says to give the file that contains what. example is a file
// name to suggest inside a folder, as a mounted Secret provides.
func checkFile(flag, path, what, example string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: file %q does not exist; give the path of the %s", flag, path, what)
	case err == nil && info.IsDir():
		return fmt.Errorf("%s: %q is a folder; give the %s inside it, e.g. %s",
			flag, path, what, filepath.Join(path, example))
	}
	return nil
}

// secret returns the trimmed content of path, or fromEnv when path is
// empty. kind names the secret in errors: password or token.
func secret(flag, kind, path, fromEnv string) (string, error) {
	if path == "" {
		return fromEnv, nil
	}
	if err := checkFile(flag, path, "file that contains the Milvus "+kind, kind); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: read %q: %w", flag, path, errors.Unwrap(err))
	}
	value := strings.TrimRight(string(data), "\r\n")
	if value == "" {
		return "", fmt.Errorf("%s: file %q is empty", flag, path)
	}
	return value, nil
}
