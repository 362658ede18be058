package probe

import (
	"context"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

const healthMethod = "grpc.health.v1.Health/Check"

func (s *session) checkGRPCHealth(ctx context.Context) Result {
	cc, err := s.rpcClient()
	if err != nil {
		return failed(ReasonInternal, "create gRPC client: %v", err)
	}
	s.startMilvusCheck(ctx, cc)
	ctx, cancel := stage(ctx, s.target.Timeouts.RPC)
	defer cancel()
	// Milvus with authorization on (2.3 at least) rejects the health RPC
	// too when it carries no credentials.
	ctx = s.withAuthorization(ctx)
	service := s.target.GRPCHealthService
	resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return s.healthFailure(ctx, err)
	}

	serving := resp.GetStatus()
	res := s.healthVerdict(serving)
	res.Details.ServingStatus = serving.String()
	return res
}

func (s *session) healthVerdict(serving healthpb.HealthCheckResponse_ServingStatus) Result {
	name := s.healthServiceName()
	switch serving {
	case healthpb.HealthCheckResponse_SERVING:
		return passed("%s: %s", name, serving)
	case healthpb.HealthCheckResponse_SERVICE_UNKNOWN:
		return failed(ReasonHealthUnknownService, "%s: %s", name, serving)
	default:
		return failed(ReasonNotServing, "%s: %s", name, serving)
	}
}

func (s *session) healthFailure(ctx context.Context, err error) Result {
	res := s.rpcFailure(ctx, healthMethod, err)
	if res.Reason == ReasonAuthRequired {
		// The transport works and Milvus responded; the milvus check names
		// the missing or rejected credentials.
		return warned(ReasonAuthRequired, "%s rejected the credentials (%s), so the health of the "+
			"server is not known; the milvus check decides", healthMethod, s.target.Credentials)
	}
	if res.Reason != ReasonUnknown {
		return res
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.Unimplemented:
		s.healthUnimplemented = true
		if s.target.HealthUnimplementedFails {
			return failed(ReasonHealthUnimplemented, "the server does not implement %s: %s", healthMethod, st.Message())
		}
		return warned(ReasonHealthUnimplemented, "the server does not implement %s; "+
			"the milvus check decides health instead", healthMethod)
	case codes.NotFound:
		return failed(ReasonHealthUnknownService, "%s: the health server does not know %s: %s",
			healthMethod, s.healthServiceName(), st.Message())
	}
	return res
}

func (s *session) healthServiceName() string {
	if s.target.GRPCHealthService == "" {
		return `service ""`
	}
	return "service " + s.target.GRPCHealthService
}
