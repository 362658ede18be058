package rig

import (
	"context"
	"sync"
	"testing"
)

// SharedMilvus starts one Milvus on first use and returns the same server
// to every later caller, so a test binary pays for one start. Call Stop
// from TestMain after m.Run.
type SharedMilvus struct {
	// Options configure the server; an empty DataDir makes a temporary
	// folder that Stop removes.
	Options MilvusOptions

	once   sync.Once
	milvus *Milvus
	err    error
}

// Get returns the server, starting it on the first call. It fails the test
// when the start failed, on this call or an earlier one.
func (s *SharedMilvus) Get(t testing.TB) *Milvus {
	t.Helper()
	s.once.Do(func() {
		opts := s.Options
		if opts.Logf == nil {
			opts.Logf = t.Logf
		}
		s.milvus, s.err = LaunchMilvus(context.Background(), opts)
	})
	if s.err != nil {
		t.Fatalf("start shared milvus: %v", s.err)
	}
	return s.milvus
}

// Stop stops the server if Get started it.
func (s *SharedMilvus) Stop() error {
	if s.milvus == nil {
		return nil
	}
	return s.milvus.Stop()
}
