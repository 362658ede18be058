package probe

// Reason is a stable, machine-readable cause of a failed or warning check.
// Reasons appear in JSON output and in the failures_total metric label, so
// a reason is never renamed.
type Reason string

// The reasons, grouped by the layer that reports them.
const (
	ReasonResolveFailed      Reason = "resolve_failed"
	ReasonConnectRefused     Reason = "connect_refused"
	ReasonConnectTimeout     Reason = "connect_timeout"
	ReasonConnectUnreachable Reason = "connect_unreachable"
	ReasonConnectFailed      Reason = "connect_failed"

	ReasonTLSHandshakeFailed Reason = "tls_handshake_failed"
	ReasonTLSTimeout         Reason = "tls_timeout"
	ReasonServerNotTLS       Reason = "server_not_tls"
	ReasonTLSRequired        Reason = "tls_required"
	ReasonTLSNameMismatch    Reason = "tls_name_mismatch"
	ReasonTLSUntrusted       Reason = "tls_untrusted"
	ReasonTLSPinMismatch     Reason = "tls_pin_mismatch"
	ReasonTLSExpired         Reason = "tls_expired"
	ReasonTLSNotYetValid     Reason = "tls_not_yet_valid"
	ReasonTLSExpiringSoon    Reason = "tls_expiring_soon"
	ReasonTLSInvalid         Reason = "tls_invalid"
	ReasonCertNoSAN          Reason = "cert_no_san"
	ReasonTLSVerifySkipped   Reason = "tls_verify_skipped"

	ReasonALPNNone  Reason = "alpn_none"
	ReasonALPNHTTP1 Reason = "alpn_http1"
	ReasonALPNOther Reason = "alpn_other"

	ReasonLBError              Reason = "lb_error"
	ReasonHealthUnimplemented  Reason = "health_unimplemented"
	ReasonHealthUnknownService Reason = "health_unknown_service"
	ReasonNotServing           Reason = "not_serving"
	ReasonRPCTimeout           Reason = "rpc_timeout"
	ReasonRPCFailed            Reason = "rpc_failed"
	ReasonConnectionClosed     Reason = "connection_closed"
	ReasonAuthRequired         Reason = "auth_required"
	ReasonPermissionDenied     Reason = "permission_denied"
	ReasonMilvusUnhealthy      Reason = "milvus_unhealthy"
	ReasonMilvusStarting       Reason = "milvus_starting"
	ReasonMilvusError          Reason = "milvus_error"

	ReasonHealthzUnreachable Reason = "healthz_unreachable"
	ReasonHealthzTimeout     Reason = "healthz_timeout"
	ReasonHealthzNotFound    Reason = "healthz_not_found"
	ReasonHealthzUnhealthy   Reason = "healthz_unhealthy"
	ReasonHealthzBodyNotOK   Reason = "healthz_body_not_ok"
	ReasonHealthzStatus      Reason = "healthz_status"

	ReasonMessageTooLarge Reason = "message_too_large"
	ReasonCanaryFailed    Reason = "canary_failed"

	ReasonInterrupted Reason = "interrupted"
	ReasonUnknown     Reason = "unknown"
	ReasonInternal    Reason = "internal"
)

// Exit codes of check and wait. Codes 1 to 4 mean what they mean in
// grpc-health-probe, so scripts written for it keep working.
const (
	ExitOK        = 0
	ExitConfig    = 1
	ExitConnect   = 2
	ExitRPC       = 3
	ExitUnhealthy = 4
	ExitTLS       = 5
	ExitALPN      = 6
	ExitHealthz   = 7
	ExitCanary    = 8
	ExitInternal  = 10
	// ExitInterrupted follows the shell's 128 + SIGINT: the run was
	// stopped before it finished, so its result does not describe the server.
	ExitInterrupted = 130
)
