// Package probe runs the layered checks of one Milvus endpoint behind a
// Layer-7 load balancer and returns a result for each layer.
package probe

import "time"

// Status is the outcome of one check.
type Status string

// The statuses a check can end with. A warning does not fail the run.
const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	StatusWarn Status = "warn"
	StatusSkip Status = "skip"
)

// CheckName names one layer of the path, in the order the runner runs them.
type CheckName string

// The checks, in layer order.
const (
	CheckResolve    CheckName = "resolve"
	CheckConnect    CheckName = "connect"
	CheckTLS        CheckName = "tls"
	CheckALPN       CheckName = "alpn"
	CheckGRPCHealth CheckName = "grpc_health"
	CheckMilvus     CheckName = "milvus"
	CheckHealthz    CheckName = "healthz"
	CheckCanary     CheckName = "canary"
)

// AllChecks lists every check in layer order.
var AllChecks = []CheckName{
	CheckResolve, CheckConnect, CheckTLS, CheckALPN,
	CheckGRPCHealth, CheckMilvus, CheckHealthz, CheckCanary,
}

// Result is the outcome of one check. Reason is empty when the check passed.
type Result struct {
	Name     CheckName     `json:"name"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"-"`
	Reason   Reason        `json:"reason,omitempty"`
	Message  string        `json:"message"`
	Hint     string        `json:"hint,omitempty"`
	Details  Details       `json:"details,omitzero"`
	// Disabled marks a skipped check that config turned off or that does
	// not apply to the target, as opposed to one skipped after a failure.
	Disabled bool `json:"disabled,omitempty"`
}

// Details are the facts a check observed. Fields stay zero when the check
// did not observe them; pointers tell "not observed" from a zero value.
type Details struct {
	Addresses          []string     `json:"addresses,omitempty"`
	RemoteAddress      string       `json:"remote_address,omitempty"`
	TLSVersion         string       `json:"tls_version,omitempty"`
	CipherSuite        string       `json:"cipher_suite,omitempty"`
	NegotiatedProtocol string       `json:"negotiated_protocol,omitempty"`
	Verified           *bool        `json:"verified,omitempty"`
	TrustMode          string       `json:"trust_mode,omitempty"`
	PeerSubject        string       `json:"peer_subject,omitempty"`
	PeerIssuer         string       `json:"peer_issuer,omitempty"`
	DNSNames           []string     `json:"dns_names,omitempty"`
	IPAddresses        []string     `json:"ip_addresses,omitempty"`
	FingerprintSHA256  string       `json:"fingerprint_sha256,omitempty"`
	SPKIPin            string       `json:"spki_pin,omitempty"`
	NotAfter           *time.Time   `json:"not_after,omitempty"`
	EarliestExpiry     *time.Time   `json:"earliest_expiry,omitempty"`
	ChainLength        int          `json:"chain_length,omitempty"`
	ServingStatus      string       `json:"serving_status,omitempty"`
	MilvusVersion      string       `json:"milvus_version,omitempty"`
	UnhealthyReasons   []string     `json:"unhealthy_reasons,omitempty"`
	HTTPStatusCode     int          `json:"http_status_code,omitempty"`
	ContentType        string       `json:"content_type,omitempty"`
	HealthzStatusCode  int          `json:"healthz_status_code,omitempty"`
	HealthzBody        string       `json:"healthz_body,omitempty"`
	CanarySteps        []CanaryStep `json:"canary_steps,omitempty"`
}

// Report is the outcome of one run of every check against one target.
type Report struct {
	Target   string        `json:"target"`
	Success  bool          `json:"success"`
	ExitCode int           `json:"exit_code"`
	Duration time.Duration `json:"-"`
	Checks   []Result      `json:"checks"`
}

// Check returns the result of the named check, or false when the report
// has none.
func (r Report) Check(name CheckName) (Result, bool) {
	for _, res := range r.Checks {
		if res.Name == name {
			return res, true
		}
	}
	return Result{}, false
}
