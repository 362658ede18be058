package probe

// reasonExitCodes maps a reason to its exit code where the reason, not the
// check that saw it, decides the layer: plaintext sent to a TLS port is a
// TLS fault even though the gRPC call is where it shows.
var reasonExitCodes = map[Reason]int{
	ReasonTLSRequired:     ExitTLS,
	ReasonALPNHTTP1:       ExitALPN,
	ReasonNotServing:      ExitUnhealthy,
	ReasonMilvusUnhealthy: ExitUnhealthy,
	ReasonInternal:        ExitInternal,
	ReasonInterrupted:     ExitInterrupted,
}

// checkExitCodes is the exit code of a failed check by default.
var checkExitCodes = map[CheckName]int{
	CheckResolve:    ExitConnect,
	CheckConnect:    ExitConnect,
	CheckTLS:        ExitTLS,
	CheckALPN:       ExitALPN,
	CheckGRPCHealth: ExitRPC,
	CheckMilvus:     ExitRPC,
	CheckHealthz:    ExitHealthz,
	CheckCanary:     ExitCanary,
}

// ExitCode returns the exit code for a failed result.
func ExitCode(r Result) int {
	if code, ok := reasonExitCodes[r.Reason]; ok {
		return code
	}
	if code, ok := checkExitCodes[r.Name]; ok {
		return code
	}
	return ExitInternal
}

// finish sets Success and ExitCode from the first failed check in layer
// order.
func (r *Report) finish() {
	r.Success = true
	r.ExitCode = ExitOK
	for _, res := range r.Checks {
		if res.Status == StatusFail {
			r.Success = false
			r.ExitCode = ExitCode(res)
			return
		}
	}
}
