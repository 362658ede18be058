package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
)

// healthzBodyLimit caps how much of a /healthz body is read. Milvus's
// replies are a few dozen bytes ("OK", or "Not all components are healthy,
// 3/8").
const healthzBodyLimit = 4096

// checkHealthz requests Milvus's plain-HTTP /healthz, usually on port 9091.
// It runs beside the gRPC chain because it does not share its connection.
func checkHealthz(ctx context.Context, t Target) Result {
	res := healthzResult(ctx, t)
	res.Name = CheckHealthz
	return res
}

func healthzResult(ctx context.Context, t Target) Result {
	if t.HealthzURL == "" {
		return Result{Status: StatusSkip, Disabled: true, Message: "no healthz URL configured (--healthz-url)"}
	}
	ctx, cancel := stage(ctx, t.Timeouts.Healthz)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.HealthzURL, nil)
	if err != nil {
		return failed(ReasonInternal, "build request for %s: %v", t.HealthzURL, err)
	}
	client := &http.Client{
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true},
		// A redirect is reported as the status it is, not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return healthzRequestFailure(ctx, t.HealthzURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, healthzBodyLimit))
	if err != nil {
		return healthzRequestFailure(ctx, t.HealthzURL, err)
	}

	res := ClassifyHealthz(resp.StatusCode, body)
	res.Details.HealthzStatusCode = resp.StatusCode
	res.Details.HealthzBody = strings.ToValidUTF8(string(body[:min(len(body), 200)]), "?")
	return res
}

func healthzRequestFailure(ctx context.Context, url string, err error) Result {
	switch {
	case ctx.Err() != nil || isTimeout(err):
		return failed(ReasonHealthzTimeout, "GET %s timed out", url)
	case errors.Is(err, syscall.ECONNREFUSED):
		return failed(ReasonHealthzUnreachable, "GET %s: connection refused", url)
	default:
		return failed(ReasonHealthzUnreachable, "GET %s: %v", url, err)
	}
}

// ClassifyHealthz judges a /healthz response. Milvus (2.3 to 2.6) returns 200
// with the body "OK", or 500 with "Not all components are healthy, X/Y";
// some builds return JSON with "state": "OK". Only those OK forms pass.
func ClassifyHealthz(code int, body []byte) Result {
	text := strings.TrimSpace(string(body))
	shown := text[:min(len(text), 120)]
	switch {
	case code == http.StatusOK && (text == "OK" || jsonStateOK(body)):
		return passed("/healthz answered 200 OK")
	case code == http.StatusOK:
		return failed(ReasonHealthzBodyNotOK, "/healthz answered 200 with the body %q, not OK", shown)
	case code == http.StatusNotFound:
		return failed(ReasonHealthzNotFound, "/healthz answered 404 (%q): the URL names no health endpoint", shown)
	case strings.Contains(text, "Not all components are healthy"):
		return failed(ReasonHealthzUnhealthy, "/healthz answered %d: %s", code, shown)
	default:
		return failed(ReasonHealthzStatus, "/healthz answered %d %s: %q", code, http.StatusText(code), shown)
	}
}

func jsonStateOK(body []byte) bool {
	var doc struct {
		State string `json:"state"`
	}
	return json.Unmarshal(body, &doc) == nil && doc.State == "OK"
}
