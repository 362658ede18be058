package probe

// hints are the plain-words next steps for each reason, written for a
// Milvus endpoint behind a GKE Ingress (a Google Cloud L7 load balancer).
var hints = map[Reason]string{
	ReasonResolveFailed:      "check the host name in --address, or use the load balancer's IP address from kubectl get ingress",
	ReasonConnectRefused:     "nothing listens on that port: check the address and port (443 for the load balancer), and that the Ingress has an IP",
	ReasonConnectTimeout:     "no answer to TCP: check the IP, firewall rules, and that the Ingress finished provisioning (it can take several minutes)",
	ReasonConnectUnreachable: "no route to the address: check the IP and the network you probe from",
	ReasonConnectFailed:      "check the address and that the load balancer is provisioned",

	ReasonTLSHandshakeFailed: "the TLS handshake failed: check the certificate and protocol settings of the load balancer or proxy",
	ReasonTLSTimeout:         "the server accepted TCP but did not complete the TLS handshake: check that this port serves TLS and is not overloaded",
	ReasonServerNotTLS:       "the port does not speak TLS: dial the load balancer on 443, or disable TLS for a plaintext backend",
	ReasonTLSRequired:        "the server expects TLS: enable TLS (drop --plaintext) and set --server-name",
	ReasonTLSNameMismatch:    "set --server-name to a name the certificate has (the Ingress host), or make a certificate for that name with the cert command",
	ReasonTLSUntrusted:       "pin the self-managed certificate with --server-pem tls.crt (as pymilvus's server_pem_path does), or give its CA with --ca-file",
	ReasonTLSPinMismatch:     "the load balancer serves another certificate than the pinned one: update the pin, or check the Ingress TLS secret or managed certificate",
	ReasonTLSExpired:         "renew the certificate: for a self-managed one make a new one with the cert command and update the Ingress TLS secret",
	ReasonTLSNotYetValid:     "the certificate is not valid yet: check the clock of this host and the certificate's NotBefore",
	ReasonTLSExpiringSoon:    "renew the certificate before it expires: a Google-managed certificate renews itself only while the domain points at the load balancer",
	ReasonTLSInvalid:         "the certificate chain is invalid: check the chain the load balancer serves",
	ReasonCertNoSAN:          "the certificate has only a Common Name; Go clients and browsers reject it: make one with a SAN using the cert command",
	ReasonTLSVerifySkipped:   "certificate verification is OFF (--insecure-skip-verify): pin the certificate with --server-pem or --spki-pin instead",

	ReasonALPNNone:  "the load balancer or proxy did not select HTTP/2 by ALPN: it must offer h2 (GKE: app-protocols HTTP2 on the Service port; nginx: listen ... ssl http2)",
	ReasonALPNHTTP1: "the listener speaks only HTTP/1.1: enable HTTP/2 on it and forward with a gRPC proxy (nginx: listen ... ssl http2 and grpc_pass)",
	ReasonALPNOther: "the server selected a protocol other than h2: gRPC needs HTTP/2",

	ReasonLBError:              "the load balancer answered itself and Milvus was not reached: check the backend health check (BackendConfig on /healthz port 9091) and that the backend service is healthy",
	ReasonHealthUnimplemented:  "the server has no grpc.health.v1 service; the milvus check decides health instead",
	ReasonHealthUnknownService: "the health server does not know that service name: use the empty name (--grpc-health-service \"\")",
	ReasonNotServing:           "the server reports NOT_SERVING: check the Milvus proxy's logs and kubectl get pods",
	ReasonRPCTimeout:           "the RPC did not finish in time: check the load balancer's backend timeout and Milvus's load",
	ReasonRPCFailed:            "the RPC failed: check the message for the gRPC status",
	ReasonConnectionClosed:     "the connection closed before an answer: check the proxy's logs and the backend protocol (app-protocols HTTP2 and tlsMode 1)",
	ReasonAuthRequired:         "Milvus requires authentication: give --token-file, or --username with --password-file, or MILVUS_L7_PROBE_TOKEN",
	ReasonPermissionDenied:     "the user lacks the privilege for this call: grant it, or use another user",
	ReasonMilvusUnhealthy:      "Milvus reports itself unhealthy: see the reasons and check its components with kubectl get pods",
	ReasonMilvusStarting:       "the Milvus proxy is still starting: wait, or check its logs if this lasts",
	ReasonMilvusError:          "Milvus answered with an error status: see the message",

	ReasonHealthzUnreachable: "no answer from /healthz: check --healthz-url (port 9091) and that it is reachable from where the probe runs",
	ReasonHealthzTimeout:     "/healthz did not answer in time: check the Milvus pod's load",
	ReasonHealthzNotFound:    "the path does not exist: Milvus serves /healthz on port 9091, check --healthz-url and the BackendConfig requestPath",
	ReasonHealthzUnhealthy:   "Milvus reports not all components healthy, so the load balancer's health check fails too: check kubectl get pods",
	ReasonHealthzBodyNotOK:   "/healthz answered 200 but not with OK: the URL may point at something else than Milvus",
	ReasonHealthzStatus:      "/healthz answered an unexpected status: check --healthz-url",

	ReasonMessageTooLarge: "a reply exceeded the gRPC client's 4 MiB receive limit (grpc-go's default): clients of this endpoint need a larger max receive message size (grpc.MaxCallRecvMsgSize), or the reply must shrink",
	ReasonCanaryFailed:    "the canary's data path failed: see the message for the step",

	ReasonInterrupted: "the run was stopped (SIGINT or SIGTERM) before this check finished; it says nothing of the server",
	ReasonUnknown:     "an error this probe does not classify: see the message",
	ReasonInternal:    "an internal error of the probe: please report it with the message",
}

// Hint returns the next step for a reason, or an empty string.
func Hint(r Reason) string { return hints[r] }
