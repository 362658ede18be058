package probe

import (
	"time"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// Target is one endpoint to probe, fully resolved: files are read and
// secrets loaded. internal/config builds it from flags, environment and the
// config file.
type Target struct {
	// Name labels the target in output and metrics; it defaults to Address.
	Name string
	// Address is HOST:PORT of the load balancer (or of Milvus itself).
	Address string
	// ServerName is the TLS SNI and the HTTP/2 :authority. Empty means the
	// host part of Address.
	ServerName string
	// TLS disabled means plaintext HTTP/2 with prior knowledge (h2c).
	TLS TLS
	// GRPCHealthService is the service name sent to grpc.health.v1. The
	// empty name requests the health of the server as a whole.
	GRPCHealthService string
	// HealthUnimplementedFails turns a server without the gRPC health
	// service into a failure; by default it is a warning and the milvus
	// check decides.
	HealthUnimplementedFails bool
	// HealthzURL is Milvus's plain-HTTP /healthz; empty skips the check.
	HealthzURL string
	// Timeouts bound the whole run and each stage.
	Timeouts Timeouts
	// Credentials for Milvus RPCs; zero means none.
	Credentials Credentials
	// Canary turns on the data-path check: create, write, search and drop
	// a small collection of the probe's own.
	Canary bool
}

// TLS is the trust configuration of a target.
type TLS struct {
	Enabled bool
	// Trust decides which presented chains are accepted.
	Trust tlsutil.Trust
	// MinCertValidity fails the tls check when the leaf expires sooner.
	// Zero disables the check.
	MinCertValidity time.Duration
}

// Timeouts bound a run. Total is the deadline of the whole run; a zero
// stage timeout means the stage may use what is left of Total.
type Timeouts struct {
	Total   time.Duration
	Connect time.Duration
	TLS     time.Duration
	RPC     time.Duration
	Healthz time.Duration
}

// Credentials authenticate Milvus RPCs. Token wins over Username and
// Password. The values are secrets: String never prints them.
type Credentials struct {
	Username string
	Password string
	Token    string
}

// String describes the credentials without revealing them.
func (c Credentials) String() string {
	switch {
	case c.Token != "":
		return "token"
	case c.Username != "":
		return "user " + c.Username + " with password"
	default:
		return "none"
	}
}

// GoString keeps %#v from printing the secrets.
func (c Credentials) GoString() string { return c.String() }

// authorization returns the value of Milvus's authorization metadata: the
// base64 of "user:password" or of the token, as pymilvus sends it.
func (c Credentials) authorization() string {
	switch {
	case c.Token != "":
		return base64Std(c.Token)
	case c.Username != "":
		return base64Std(c.Username + ":" + c.Password)
	default:
		return ""
	}
}
