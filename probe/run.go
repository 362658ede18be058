package probe

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"time"
)

// step is one check of the connection chain. It returns the check's result;
// a failed result stops the chain.
type step struct {
	name CheckName
	run  func(s *session, ctx context.Context) Result
	// disabled returns why the check does not apply to the target, or an
	// empty string. A disabled check is reported as such even after an
	// earlier failure.
	disabled func(t Target) string
}

// chain lists the checks that share one connection, in layer order.
var chain = []step{
	{CheckResolve, (*session).resolve, resolveDisabled},
	{CheckConnect, (*session).connect, nil},
	{CheckTLS, (*session).handshake, tlsDisabled},
	{CheckALPN, (*session).checkALPN, alpnDisabled},
	{CheckGRPCHealth, (*session).checkGRPCHealth, nil},
	{CheckMilvus, (*session).checkMilvus, nil},
	{CheckCanary, (*session).checkCanary, canaryDisabled},
}

// Run runs every check of t once and returns the report. It never returns
// an error: every failure, including a cancelled ctx, is a result. Run
// opens one fresh connection and closes it before it returns.
func Run(ctx context.Context, t Target) Report {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, t.Timeouts.Total)
	defer cancel()

	healthz := make(chan Result, 1)
	go func() { healthz <- timed(func() Result { return checkHealthz(ctx, t) }) }()

	s := newSession(t)
	defer s.close()
	results := s.runChain(ctx)
	// healthz is listed in its layer order, before the opt-in canary.
	last := len(results) - 1
	results = append(results[:last], <-healthz, results[last])
	noteHealthzDisagreement(results)

	report := Report{Target: t.DisplayName(), Checks: results, Duration: time.Since(start)}
	report.finish()
	return report
}

// DisplayName returns the name that labels the target in output.
func (t Target) DisplayName() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Address
}

func (s *session) runChain(ctx context.Context) []Result {
	results := make([]Result, 0, len(chain)+1)
	var failed CheckName
	for _, st := range chain {
		if st.disabled != nil {
			if why := st.disabled(s.target); why != "" {
				results = append(results, disabledResult(st.name, why))
				continue
			}
		}
		if failed != "" {
			results = append(results, skipped(st.name, fmt.Sprintf("not run: %s failed", failed)))
			continue
		}
		res := timed(func() Result { return st.run(s, ctx) })
		res.Name = st.name
		if res.Status == StatusFail {
			failed = st.name
		}
		results = append(results, res)
	}
	return results
}

// timed runs check and sets the duration of its result, unless the check
// measured its own because it ran before the runner collected it.
func timed(check func() Result) Result {
	start := time.Now()
	res := check()
	if res.Duration == 0 {
		res.Duration = time.Since(start)
	}
	return res
}

// noteHealthzDisagreement adds to the first failed chain check that
// /healthz passed, when that check failed on the way to Milvus: Milvus
// runs, so the fault is on the path to it. A verdict that Milvus returned
// itself, such as NOT_SERVING or isHealthy false, gets no note.
func noteHealthzDisagreement(results []Result) {
	healthz, ok := Report{Checks: results}.Check(CheckHealthz)
	if !ok || healthz.Status != StatusPass {
		return
	}
	for i := range results {
		if results[i].Status != StatusFail || results[i].Name == CheckHealthz {
			continue
		}
		if failedOnPath(results[i]) {
			results[i].Message += "; yet /healthz answered 200 OK, so Milvus runs and the fault " +
				"is on the gRPC path (port, load balancer, or TLS)"
		}
		return
	}
}

// failedOnPath reports whether res failed before Milvus was reached.
func failedOnPath(res Result) bool {
	switch res.Name {
	case CheckResolve, CheckConnect, CheckTLS, CheckALPN:
		return true
	}
	switch res.Reason {
	case ReasonLBError, ReasonConnectionClosed, ReasonTLSRequired:
		return true
	}
	return false
}

func disabledResult(name CheckName, why string) Result {
	return Result{Name: name, Status: StatusSkip, Disabled: true, Message: why}
}

func resolveDisabled(t Target) string {
	if host, _ := hostPort(t.Address); net.ParseIP(host) != nil {
		return "address is an IP literal; nothing to resolve"
	}
	return ""
}

func tlsDisabled(t Target) string {
	if !t.TLS.Enabled {
		return "TLS disabled: plaintext HTTP/2 with prior knowledge"
	}
	return ""
}

func alpnDisabled(t Target) string {
	if !t.TLS.Enabled {
		return "TLS disabled: ALPN is not used; gRPC speaks HTTP/2 with prior knowledge"
	}
	return ""
}

func canaryDisabled(t Target) string {
	if !t.Canary {
		return "canary not enabled (--canary)"
	}
	return ""
}

func passed(format string, args ...any) Result {
	return Result{Status: StatusPass, Message: fmt.Sprintf(format, args...)}
}

func skipped(name CheckName, message string) Result {
	return Result{Name: name, Status: StatusSkip, Message: message}
}

func failed(reason Reason, format string, args ...any) Result {
	return Result{Status: StatusFail, Reason: reason, Message: fmt.Sprintf(format, args...), Hint: Hint(reason)}
}

func warned(reason Reason, format string, args ...any) Result {
	return Result{Status: StatusWarn, Reason: reason, Message: fmt.Sprintf(format, args...), Hint: Hint(reason)}
}

// stage derives the context of one stage: the stage timeout when set,
// never past the parent's deadline.
func stage(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}

// stageBudget returns the time a stage had: its own timeout, or what was
// left of the run. It is used in timeout messages.
func stageBudget(ctx context.Context, timeout time.Duration) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if timeout <= 0 || left < timeout {
			return left.Round(time.Millisecond)
		}
	}
	return timeout
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// hostPort splits an address that config validation already checked.
func hostPort(address string) (string, string) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return address, ""
	}
	return host, port
}
