package probe_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// canaryMilvus serves the canary's calls. It records every collection
// name in a request, and can fail one step or send an oversized
// search reply.
type canaryMilvus struct {
	*testserver.FakeMilvus

	failStep    string
	hugeSearch  bool
	mu          sync.Mutex
	collections []string // guarded by mu
	dropped     []string // guarded by mu
}

func (m *canaryMilvus) saw(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.collections = append(m.collections, name)
}

func (m *canaryMilvus) status(step string) *commonpb.Status {
	if m.failStep == step {
		return &commonpb.Status{Code: 1100, Reason: step + " failed on purpose"}
	}
	return &commonpb.Status{}
}

func (m *canaryMilvus) CreateCollection(_ context.Context, req *milvuspb.CreateCollectionRequest) (*commonpb.Status, error) {
	m.saw(req.GetCollectionName())
	return m.status("create"), nil
}

func (m *canaryMilvus) CreateIndex(_ context.Context, req *milvuspb.CreateIndexRequest) (*commonpb.Status, error) {
	m.saw(req.GetCollectionName())
	return m.status("index"), nil
}

func (m *canaryMilvus) LoadCollection(_ context.Context, req *milvuspb.LoadCollectionRequest) (*commonpb.Status, error) {
	m.saw(req.GetCollectionName())
	return m.status("load"), nil
}

func (m *canaryMilvus) GetLoadState(_ context.Context, req *milvuspb.GetLoadStateRequest) (*milvuspb.GetLoadStateResponse, error) {
	m.saw(req.GetCollectionName())
	return &milvuspb.GetLoadStateResponse{Status: &commonpb.Status{}, State: commonpb.LoadState_LoadStateLoaded}, nil
}

func (m *canaryMilvus) Insert(_ context.Context, req *milvuspb.InsertRequest) (*milvuspb.MutationResult, error) {
	m.saw(req.GetCollectionName())
	return &milvuspb.MutationResult{Status: m.status("insert"), InsertCnt: int64(req.GetNumRows())}, nil
}

func (m *canaryMilvus) Search(_ context.Context, req *milvuspb.SearchRequest) (*milvuspb.SearchResults, error) {
	m.saw(req.GetCollectionName())
	reply := &milvuspb.SearchResults{Status: m.status("search"), Results: &schemapb.SearchResultData{
		Ids: &schemapb.IDs{IdField: &schemapb.IDs_IntId{IntId: &schemapb.LongArray{Data: []int64{7, 8, 6}}}},
	}}
	if m.hugeSearch {
		// Above grpc-go's default 4 MiB receive limit.
		reply.Status.Detail = strings.Repeat("x", 5<<20)
	}
	return reply, nil
}

func (m *canaryMilvus) DropCollection(_ context.Context, req *milvuspb.DropCollectionRequest) (*commonpb.Status, error) {
	m.saw(req.GetCollectionName())
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropped = append(m.dropped, req.GetCollectionName())
	return &commonpb.Status{}, nil
}

func runCanary(t *testing.T, fake *canaryMilvus) probe.Report {
	t.Helper()
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{Milvus: fake})
	target := tlsTarget(srv.addr, pin(kp))
	target.Canary = true
	return run(t, target)
}

func TestCanary(t *testing.T) {
	cases := []struct {
		name       string
		fake       *canaryMilvus
		status     probe.Status
		reason     probe.Reason
		exit       int
		words      []string
		wantDrop   bool
		lastStepIs string
	}{
		{name: "passes", fake: &canaryMilvus{}, status: probe.StatusPass, exit: probe.ExitOK,
			words: []string{"found the expected nearest one"}, wantDrop: true, lastStepIs: "drop"},
		{name: "reply too large", fake: &canaryMilvus{hugeSearch: true}, status: probe.StatusFail,
			reason: probe.ReasonMessageTooLarge, exit: probe.ExitCanary,
			words: []string{"canary step search", "larger than max"}, wantDrop: true, lastStepIs: "drop"},
		{name: "insert fails", fake: &canaryMilvus{failStep: "insert"}, status: probe.StatusFail,
			reason: probe.ReasonCanaryFailed, exit: probe.ExitCanary,
			words: []string{"canary step insert", "insert failed on purpose"}, wantDrop: true, lastStepIs: "drop"},
		{name: "create fails", fake: &canaryMilvus{failStep: "create"}, status: probe.StatusFail,
			reason: probe.ReasonCanaryFailed, exit: probe.ExitCanary,
			words: []string{"canary step create"}, wantDrop: false, lastStepIs: "create"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.fake.FakeMilvus = testserver.NewFakeMilvus()

			rep := runCanary(t, tc.fake)

			res, found := rep.Check(probe.CheckCanary)
			require.True(t, found)
			assert.Equal(t, tc.status, res.Status, res.Message)
			assert.Equal(t, tc.reason, res.Reason)
			assert.Equal(t, tc.exit, rep.ExitCode)
			for _, word := range tc.words {
				assert.Contains(t, res.Message, word)
			}
			if tc.status == probe.StatusFail {
				assert.NotEmpty(t, res.Hint)
			}
			for _, check := range []probe.CheckName{probe.CheckGRPCHealth, probe.CheckMilvus} {
				other, _ := rep.Check(check)
				assert.Equal(t, probe.StatusPass, other.Status, "%s: health messages are tiny", check)
			}
			steps := res.Details.CanarySteps
			require.NotEmpty(t, steps)
			assert.Equal(t, tc.lastStepIs, steps[len(steps)-1].Step)

			tc.fake.mu.Lock()
			defer tc.fake.mu.Unlock()
			for _, name := range tc.fake.collections {
				assert.True(t, strings.HasPrefix(name, probe.CanaryPrefix), "touched %q", name)
			}
			if tc.wantDrop {
				require.Len(t, tc.fake.dropped, 1, "the collection is dropped, also after a failed step")
				assert.Equal(t, tc.fake.collections[0], tc.fake.dropped[0])
			} else {
				assert.Empty(t, tc.fake.dropped, "nothing was created, so nothing is dropped")
			}
		})
	}
}
