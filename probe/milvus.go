package probe

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

const (
	checkHealthMethod = "milvus.proto.milvus.MilvusService/CheckHealth"
	getVersionMethod  = "milvus.proto.milvus.MilvusService/GetVersion"
)

// startMilvusCheck starts the milvus check's calls beside the health
// check, on the same connection, so the three RPCs share one round trip
// through the load balancer instead of taking three. checkMilvus collects
// the result; close cancels and waits for it when the chain stopped first.
func (s *session) startMilvusCheck(ctx context.Context, cc grpc.ClientConnInterface) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan Result, 1)
	s.milvusPending, s.cancelMilvus = done, cancel
	go func() { done <- s.milvusCheck(ctx, cc) }()
}

func (s *session) checkMilvus(ctx context.Context) Result {
	if s.milvusPending == nil {
		cc, err := s.rpcClient()
		if err != nil {
			return failed(ReasonInternal, "create gRPC client: %v", err)
		}
		return s.milvusCheck(ctx, cc)
	}
	res := <-s.milvusPending
	s.milvusPending = nil
	return res
}

// milvusCheck calls CheckHealth and GetVersion at the same time and
// judges their replies in that order. It sets its own duration, the wall
// time of the calls, because the runner may collect it later.
func (s *session) milvusCheck(ctx context.Context, cc grpc.ClientConnInterface) Result {
	start := time.Now()
	client := milvuspb.NewMilvusServiceClient(cc)
	ctx = s.withAuthorization(ctx)

	var (
		wg                    sync.WaitGroup
		health                *milvuspb.CheckHealthResponse
		version               string
		healthRes, versionRes Result
		healthOK, versionOK   bool
	)
	wg.Go(func() { health, healthRes, healthOK = s.callCheckHealth(ctx, client) })
	wg.Go(func() { version, versionRes, versionOK = s.callGetVersion(ctx, client) })
	wg.Wait()

	res := milvusVerdict(health, version, healthRes, versionRes, healthOK, versionOK)
	res.Duration = time.Since(start)
	return res
}

func milvusVerdict(health *milvuspb.CheckHealthResponse, version string,
	healthRes, versionRes Result, healthOK, versionOK bool) Result {
	switch {
	case !healthOK:
		return healthRes
	case !versionOK:
		return versionRes
	}
	var res Result
	if !health.GetIsHealthy() {
		res = failed(ReasonMilvusUnhealthy, "CheckHealth returned isHealthy false (Milvus %s): %s",
			version, joinReasons(health.GetReasons()))
	} else {
		res = passed("Milvus %s is healthy", version)
	}
	res.Details.MilvusVersion = version
	res.Details.UnhealthyReasons = health.GetReasons()
	return res
}

func (s *session) callCheckHealth(ctx context.Context, client milvuspb.MilvusServiceClient) (*milvuspb.CheckHealthResponse, Result, bool) {
	ctx, cancel := stage(ctx, s.target.Timeouts.RPC)
	defer cancel()
	resp, err := client.CheckHealth(ctx, &milvuspb.CheckHealthRequest{})
	if err != nil {
		return nil, s.rpcFailure(ctx, checkHealthMethod, err), false
	}
	if res, failedStatus := statusFailure(checkHealthMethod, resp.GetStatus()); failedStatus {
		return nil, res, false
	}
	return resp, Result{}, true
}

func (s *session) callGetVersion(ctx context.Context, client milvuspb.MilvusServiceClient) (string, Result, bool) {
	ctx, cancel := stage(ctx, s.target.Timeouts.RPC)
	defer cancel()
	resp, err := client.GetVersion(ctx, &milvuspb.GetVersionRequest{})
	if err != nil {
		return "", s.rpcFailure(ctx, getVersionMethod, err), false
	}
	if res, failedStatus := statusFailure(getVersionMethod, resp.GetStatus()); failedStatus {
		return "", res, false
	}
	return resp.GetVersion(), Result{}, true
}

// withAuthorization adds Milvus's authorization metadata when credentials
// are configured. The value never reaches a message or a log.
func (s *session) withAuthorization(ctx context.Context) context.Context {
	auth := s.target.Credentials.authorization()
	if auth == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", auth)
}

// statusFailure maps a Milvus status carried in a successful RPC reply.
func statusFailure(what string, st *commonpb.Status) (Result, bool) {
	if statusOK(st) {
		return Result{}, false
	}
	code := legacyErrorCode(st)
	reason := st.GetReason()
	text := fmt.Sprintf("%s returned error %s (code %d): %s", what, code, st.GetCode(), reason)
	lower := strings.ToLower(reason)
	switch {
	case code == commonpb.ErrorCode_NotReadyServe || strings.Contains(lower, "not ready"):
		return failed(ReasonMilvusStarting, "%s", text), true
	case strings.Contains(lower, "authorization") || strings.Contains(lower, "unauthenticated") ||
		strings.Contains(lower, "auth check failure"):
		return failed(ReasonAuthRequired, "%s", text), true
	case code == commonpb.ErrorCode_PermissionDenied:
		return failed(ReasonPermissionDenied, "%s", text), true
	default:
		return failed(ReasonMilvusError, "%s", text), true
	}
}

// statusOK reports whether a Milvus status means success. Milvus 2.3 and
// later set both the deprecated ErrorCode and the newer Code; Milvus 2.2
// sets only ErrorCode. Either non-zero means failure.
func statusOK(st *commonpb.Status) bool {
	return st == nil || (legacyErrorCode(st) == commonpb.ErrorCode_Success && st.GetCode() == 0)
}

// legacyErrorCode reads the deprecated ErrorCode, which servers before
// Milvus 2.3 set alone.
//
//lint:ignore SA1019 Milvus 2.2 reports failures only in ErrorCode.
func legacyErrorCode(st *commonpb.Status) commonpb.ErrorCode {
	return st.GetErrorCode() //lint:ignore SA1019 Milvus 2.2 reports failures only here.
}

func joinReasons(reasons []string) string {
	if len(reasons) == 0 {
		return "no reasons given"
	}
	return strings.Join(reasons, "; ")
}
