// Package config loads the probe's settings from flags, MILVUS_L7_PROBE_*
// environment variables, a YAML file and defaults, in that order of
// precedence, decodes them strictly, and validates them into probe targets.
package config

import "time"

// File is the schema of the config file. Its top-level target keys are the
// settings of the one target of a command line, and the defaults of every
// entry of Targets.
type File struct {
	TargetSettings `mapstructure:",squash"`

	// Interval is the time between two probes of a target by the daemon.
	Interval time.Duration `mapstructure:"interval"`
	// Targets lists several targets; each entry overrides the top-level
	// settings it names.
	Targets []map[string]any `mapstructure:"targets"`
}

// TargetSettings are the settings of one target as written in the file.
type TargetSettings struct {
	Name                string             `mapstructure:"name"`
	Address             string             `mapstructure:"address"`
	ServerName          string             `mapstructure:"server_name"`
	TLS                 TLSSettings        `mapstructure:"tls"`
	GRPCHealthService   string             `mapstructure:"grpc_health_service"`
	HealthUnimplemented string             `mapstructure:"health_unimplemented"`
	HealthzURL          string             `mapstructure:"healthz_url"`
	Timeout             time.Duration      `mapstructure:"timeout"`
	Timeouts            StageTimeouts      `mapstructure:"timeouts"`
	Credentials         CredentialSettings `mapstructure:"credentials"`
	Canary              bool               `mapstructure:"canary"`
}

// TLSSettings are the TLS and trust settings of a target.
type TLSSettings struct {
	Enabled            bool          `mapstructure:"enabled"`
	ServerPEM          string        `mapstructure:"server_pem"`
	CAFile             string        `mapstructure:"ca_file"`
	SPKIPins           []string      `mapstructure:"spki_pins"`
	InsecureSkipVerify bool          `mapstructure:"insecure_skip_verify"`
	MinCertValidity    time.Duration `mapstructure:"min_cert_validity"`
}

// StageTimeouts bound single stages; zero lets a stage use what is left of
// the target's timeout.
type StageTimeouts struct {
	Connect time.Duration `mapstructure:"connect"`
	TLS     time.Duration `mapstructure:"tls"`
	RPC     time.Duration `mapstructure:"rpc"`
	Healthz time.Duration `mapstructure:"healthz"`
}

// CredentialSettings name where Milvus credentials come from. Secrets are
// never written in the config file itself: they come from files or from
// the MILVUS_L7_PROBE_PASSWORD and MILVUS_L7_PROBE_TOKEN variables.
type CredentialSettings struct {
	Username     string `mapstructure:"username"`
	PasswordFile string `mapstructure:"password_file"`
	TokenFile    string `mapstructure:"token_file"`
}

// Defaults, in one place.
const (
	DefaultTimeout             = 10 * time.Second
	DefaultInterval            = 30 * time.Second
	DefaultHealthUnimplemented = "warn"
)

// defaults returns the default value of every key that has one.
func defaults() map[string]any {
	return map[string]any{
		"tls.enabled":          true,
		"timeout":              DefaultTimeout,
		"interval":             DefaultInterval,
		"health_unimplemented": DefaultHealthUnimplemented,
	}
}

// Environment variables that carry secrets. They are read by Load, never
// bound to a config key, so no dump of the settings can contain them.
const (
	EnvPassword = "MILVUS_L7_PROBE_PASSWORD"
	EnvToken    = "MILVUS_L7_PROBE_TOKEN"
	envPrefix   = "MILVUS_L7_PROBE"
)
