package probe

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/protobuf/proto"
)

// CanaryPrefix starts the name of every collection the canary creates. The
// canary only ever drops the collection it created in the same run.
const CanaryPrefix = "milvus_l7_probe_canary_"

// Canary settings: a small collection, enough rows to make the search
// meaningful and little enough to cost nothing. The insert request is
// about 2.3 KiB, larger than the smallest body limits a proxy may set.
const (
	canaryDimension = 16
	canaryRows      = 32
	canaryVector    = "vector"
	canaryID        = "id"
)

// CanaryStep is the time one canary step took.
type CanaryStep struct {
	Step            string  `json:"step"`
	DurationSeconds float64 `json:"duration_seconds"`
}

// canaryRun carries one canary through its steps.
type canaryRun struct {
	client     milvuspb.MilvusServiceClient
	collection string
	rpcTimeout time.Duration
	steps      []CanaryStep
}

func (s *session) checkCanary(ctx context.Context) Result {
	cc, err := s.rpcClient()
	if err != nil {
		return failed(ReasonInternal, "create gRPC client: %v", err)
	}
	run := &canaryRun{
		client:     milvuspb.NewMilvusServiceClient(cc),
		collection: canaryName(),
		rpcTimeout: s.target.Timeouts.RPC,
	}
	ctx = s.withAuthorization(ctx)
	res := run.execute(ctx, s)
	res.Details.CanarySteps = run.steps
	return res
}

// execute runs the steps and always drops the collection afterwards, also
// when a step failed or the run's deadline passed.
func (r *canaryRun) execute(ctx context.Context, s *session) Result {
	created := false
	res := r.runSteps(ctx, s, &created)
	if created {
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), canaryDropTimeout)
		defer cancel()
		if dropRes, ok := r.step(dropCtx, s, "drop", r.drop); !ok && res.Status != StatusFail {
			return dropRes
		}
	}
	return res
}

// canaryDropTimeout bounds the drop after a failed or timed-out run, so
// a collection is not left behind because the run's deadline passed.
const canaryDropTimeout = 5 * time.Second

func (r *canaryRun) runSteps(ctx context.Context, s *session, created *bool) Result {
	if res, ok := r.step(ctx, s, "create", r.create); !ok {
		return res
	}
	*created = true
	for _, st := range []struct {
		name string
		call func(context.Context) (string, error)
	}{
		{"index", r.index},
		{"load", r.load},
		{"insert", r.insert},
		{"search", r.search},
	} {
		if res, ok := r.step(ctx, s, st.name, st.call); !ok {
			return res
		}
	}
	return passed("created %s, inserted %d vectors, found the expected nearest one, dropped it",
		r.collection, canaryRows)
}

// step runs one canary call, records its time, and maps its failure.
func (r *canaryRun) step(ctx context.Context, s *session, name string, call func(context.Context) (string, error)) (Result, bool) {
	ctx, cancel := stage(ctx, r.rpcTimeout)
	defer cancel()
	start := time.Now()
	method, err := call(ctx)
	r.steps = append(r.steps, CanaryStep{Step: name, DurationSeconds: time.Since(start).Seconds()})
	if err == nil {
		return Result{}, true
	}
	res := s.rpcFailure(ctx, method, err)
	if res.Reason == ReasonUnknown || res.Reason == ReasonMilvusError {
		res.Reason = ReasonCanaryFailed
		res.Hint = Hint(ReasonCanaryFailed)
	}
	res.Message = fmt.Sprintf("canary step %s on %s: %s", name, r.collection, res.Message)
	return res, false
}

func canaryName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return CanaryPrefix + hex.EncodeToString(b[:])
}

func (r *canaryRun) create(ctx context.Context) (string, error) {
	const method = "MilvusService/CreateCollection"
	schema, err := proto.Marshal(&schemapb.CollectionSchema{
		Name:        r.collection,
		Description: "temporary collection of milvus-l7-probe's canary; safe to drop",
		Fields: []*schemapb.FieldSchema{
			{FieldID: 100, Name: canaryID, DataType: schemapb.DataType_Int64, IsPrimaryKey: true},
			{FieldID: 101, Name: canaryVector, DataType: schemapb.DataType_FloatVector,
				TypeParams: []*commonpb.KeyValuePair{{Key: "dim", Value: fmt.Sprint(canaryDimension)}}},
		},
	})
	if err != nil {
		return method, err
	}
	resp, err := r.client.CreateCollection(ctx, &milvuspb.CreateCollectionRequest{
		CollectionName:   r.collection,
		Schema:           schema,
		ShardsNum:        1,
		ConsistencyLevel: commonpb.ConsistencyLevel_Strong,
	})
	return method, statusError(resp, err)
}

func (r *canaryRun) index(ctx context.Context) (string, error) {
	const method = "MilvusService/CreateIndex"
	resp, err := r.client.CreateIndex(ctx, &milvuspb.CreateIndexRequest{
		CollectionName: r.collection,
		FieldName:      canaryVector,
		ExtraParams: []*commonpb.KeyValuePair{
			{Key: "index_type", Value: "FLAT"},
			{Key: "metric_type", Value: "L2"},
			{Key: "params", Value: "{}"},
		},
	})
	return method, statusError(resp, err)
}

// load requests that Milvus load the collection and polls its state until it is
// loaded; LoadCollection itself returns before loading ends.
func (r *canaryRun) load(ctx context.Context) (string, error) {
	const method = "MilvusService/LoadCollection"
	resp, err := r.client.LoadCollection(ctx, &milvuspb.LoadCollectionRequest{CollectionName: r.collection})
	if err := statusError(resp, err); err != nil {
		return method, err
	}
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		state, err := r.client.GetLoadState(ctx, &milvuspb.GetLoadStateRequest{CollectionName: r.collection})
		if err := statusError(state, err); err != nil {
			return "MilvusService/GetLoadState", err
		}
		if state.GetState() == commonpb.LoadState_LoadStateLoaded {
			return method, nil
		}
		select {
		case <-ctx.Done():
			return method, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (r *canaryRun) insert(ctx context.Context) (string, error) {
	const method = "MilvusService/Insert"
	ids := make([]int64, canaryRows)
	vectors := make([]float32, 0, canaryRows*canaryDimension)
	for i := range canaryRows {
		ids[i] = int64(i)
		vectors = append(vectors, canaryRowVector(i)...)
	}
	resp, err := r.client.Insert(ctx, &milvuspb.InsertRequest{
		CollectionName: r.collection,
		NumRows:        canaryRows,
		FieldsData: []*schemapb.FieldData{
			{Type: schemapb.DataType_Int64, FieldName: canaryID, Field: &schemapb.FieldData_Scalars{
				Scalars: &schemapb.ScalarField{Data: &schemapb.ScalarField_LongData{
					LongData: &schemapb.LongArray{Data: ids}}}}},
			{Type: schemapb.DataType_FloatVector, FieldName: canaryVector, Field: &schemapb.FieldData_Vectors{
				Vectors: &schemapb.VectorField{Dim: canaryDimension, Data: &schemapb.VectorField_FloatVector{
					FloatVector: &schemapb.FloatArray{Data: vectors}}}}},
		},
	})
	if err := statusError(resp, err); err != nil {
		return method, err
	}
	if n := resp.GetInsertCnt(); n != canaryRows {
		return method, fmt.Errorf("inserted %d rows, expected %d", n, canaryRows)
	}
	return method, nil
}

// canaryTarget is the row the search looks for: its own vector must be its
// nearest neighbour.
const canaryTarget = 7

func (r *canaryRun) search(ctx context.Context) (string, error) {
	const method = "MilvusService/Search"
	placeholders, err := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{{
		Tag: "$0", Type: commonpb.PlaceholderType_FloatVector, Values: [][]byte{floatBytes(canaryRowVector(canaryTarget))},
	}}})
	if err != nil {
		return method, err
	}
	resp, err := r.client.Search(ctx, &milvuspb.SearchRequest{
		CollectionName:   r.collection,
		SearchInput:      &milvuspb.SearchRequest_PlaceholderGroup{PlaceholderGroup: placeholders},
		DslType:          commonpb.DslType_BoolExprV1,
		Nq:               1,
		ConsistencyLevel: commonpb.ConsistencyLevel_Strong,
		SearchParams: []*commonpb.KeyValuePair{
			{Key: "anns_field", Value: canaryVector},
			{Key: "topk", Value: "3"},
			{Key: "metric_type", Value: "L2"},
			{Key: "params", Value: "{}"},
			{Key: "round_decimal", Value: "-1"},
		},
	})
	if err := statusError(resp, err); err != nil {
		return method, err
	}
	ids := resp.GetResults().GetIds().GetIntId().GetData()
	if len(ids) == 0 || ids[0] != canaryTarget {
		return method, fmt.Errorf("search returned ids %v, expected %d first", ids, canaryTarget)
	}
	return method, nil
}

func (r *canaryRun) drop(ctx context.Context) (string, error) {
	const method = "MilvusService/DropCollection"
	if !strings.HasPrefix(r.collection, CanaryPrefix) {
		return method, fmt.Errorf("refusing to drop %q: not a canary collection", r.collection)
	}
	resp, err := r.client.DropCollection(ctx, &milvuspb.DropCollectionRequest{CollectionName: r.collection})
	return method, statusError(resp, err)
}

// canaryRowVector returns a distinct vector for row i.
func canaryRowVector(i int) []float32 {
	v := make([]float32, canaryDimension)
	for d := range v {
		v[d] = float32(i) + float32(d)/10
	}
	return v
}

func floatBytes(v []float32) []byte {
	out := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
	}
	return out
}

// statusReply is a Milvus reply that carries a status, or is one.
type statusReply interface{ GetStatus() *commonpb.Status }

// statusError turns a failed RPC or a failed Milvus status into an error.
func statusError(resp any, err error) error {
	if err != nil {
		return err
	}
	var st *commonpb.Status
	switch r := resp.(type) {
	case *commonpb.Status:
		st = r
	case statusReply:
		st = r.GetStatus()
	}
	if statusOK(st) {
		return nil
	}
	return fmt.Errorf("error %s (code %d) from Milvus: %s", legacyErrorCode(st), st.GetCode(), st.GetReason())
}
