package main

// Build metadata, set at link time:
//
//	go build -ldflags "-X main.version=1.0.0 -X main.commit=$(git rev-parse HEAD) \
//	  -X main.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/milvus-l7-probe
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)
