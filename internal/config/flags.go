package config

import (
	"github.com/spf13/pflag"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// targetFlag binds one command-line flag to a config key.
type targetFlag struct {
	name string
	key  string
}

// targetFlags lists the flags of one target and the config keys they set.
// Every key here can also be set by MILVUS_L7_PROBE_<KEY> with dots and
// dashes as underscores, e.g. MILVUS_L7_PROBE_TLS_SERVER_PEM.
var targetFlags = []targetFlag{
	{"name", "name"},
	{"address", "address"},
	{"server-name", "server_name"},
	{"server-pem", "tls.server_pem"},
	{"ca-file", "tls.ca_file"},
	{"spki-pin", "tls.spki_pins"},
	{"insecure-skip-verify", "tls.insecure_skip_verify"},
	{"min-cert-validity", "tls.min_cert_validity"},
	{"grpc-health-service", "grpc_health_service"},
	{"health-unimplemented", "health_unimplemented"},
	{"healthz-url", "healthz_url"},
	{"timeout", "timeout"},
	{"connect-timeout", "timeouts.connect"},
	{"tls-timeout", "timeouts.tls"},
	{"rpc-timeout", "timeouts.rpc"},
	{"healthz-timeout", "timeouts.healthz"},
	{"username", "credentials.username"},
	{"password-file", "credentials.password_file"},
	{"token-file", "credentials.token_file"},
	{"canary", "canary"},
}

// plaintextFlag turns TLS off; it sets tls.enabled to false.
const plaintextFlag = "plaintext"

// AddTargetFlags adds the flags that describe one target to fs. Their
// defaults live in the config defaults, not in the flags, so that an
// unset flag never hides a value from the environment or the file.
func AddTargetFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "config file (YAML), or a folder holding config.yaml such as a mounted ConfigMap")
	fs.String("name", "", "name of the target in output and metrics (default: the address)")
	fs.String("address", "", "HOST:PORT to dial: the load balancer's IP or name and port, e.g. 34.120.1.2:443; IPv6 in brackets, e.g. [2001:db8::1]:443")
	fs.String("server-name", "", "TLS server name (SNI) and HTTP/2 :authority: the Ingress host, e.g. my-release.milvus.io (default: the host of --address)")
	fs.Bool(plaintextFlag, false, "dial without TLS, HTTP/2 with prior knowledge (only for a backend without TLS; never for the load balancer)")
	fs.String("server-pem", "", "PEM certificate to pin: the presented leaf must be exactly this certificate (as pymilvus's server_pem_path)")
	fs.String("ca-file", "", "PEM file of CA certificates to trust instead of the system roots")
	fs.StringArray("spki-pin", nil, "base64 SHA-256 of a trusted public key (SPKI pin, as the cert command prints it); repeatable")
	fs.Bool("insecure-skip-verify", false, "accept any certificate; reported as a warning in every output (for debugging only)")
	fs.Duration("min-cert-validity", 0, "fail the tls check when the certificate expires sooner than this, e.g. 336h (0: off)")
	fs.String("grpc-health-service", "", "service name for grpc.health.v1.Health/Check (default: the empty name, the whole server)")
	fs.String("health-unimplemented", DefaultHealthUnimplemented, "verdict when the server lacks the gRPC health service: warn or fail")
	fs.String("healthz-url", "", "Milvus's plain-HTTP health URL, e.g. http://127.0.0.1:9091/healthz (default: healthz check skipped)")
	fs.Duration("timeout", DefaultTimeout, "deadline of one run of all checks")
	fs.Duration("connect-timeout", 0, "deadline of name resolution and TCP connect (0: what is left of --timeout)")
	fs.Duration("tls-timeout", 0, "deadline of the TLS handshake (0: what is left of --timeout)")
	fs.Duration("rpc-timeout", 0, "deadline of each gRPC call (0: what is left of --timeout)")
	fs.Duration("healthz-timeout", 0, "deadline of the /healthz request (0: what is left of --timeout)")
	fs.String("username", "", "Milvus user; the password comes from --password-file or "+EnvPassword)
	fs.String("password-file", "", "file holding the Milvus password (trailing newline ignored)")
	fs.Bool("canary", false, "also run the canary: create a collection named "+probe.CanaryPrefix+"<random>, "+
		"insert and search a few vectors, and drop it (needs create and drop privileges)")
	fs.String("token-file", "", "file holding a Milvus token or API key (or set "+EnvToken+")")
}
