# Build, test and demo milvus-l7-probe. `make test` is what CI runs (through
# .ci/run): go vet and the race-enabled tests, the end-to-end tests against
# the rig of real programs included.

GO ?= go
BIN := bin/milvus-l7-probe

# Stamped into the binary; override on the command line for a release, for
# example make build VERSION=v1.2.3.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

# make image tags the image with IMAGE and builds it with CONTAINER_ENGINE,
# a docker-compatible CLI. The Dockerfile runs the same go build as build.
IMAGE ?= milvus-l7-probe:$(VERSION)
CONTAINER_ENGINE ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)

# staticcheck 0.8 is the first series that knows Go 1.26.
STATICCHECK_VERSION := v0.8.2

# FUZZTIME bounds each fuzz target of make fuzz.
FUZZTIME ?= 10s

.PHONY: all build image rig test unit e2e lint demo fuzz bench soak clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/milvus-l7-probe

image:
	@if [ -z "$(CONTAINER_ENGINE)" ]; then \
		echo "make image: no container engine found (looked for docker and podman); install one or set CONTAINER_ENGINE" >&2; \
		exit 1; \
	fi
	@if ! "$(CONTAINER_ENGINE)" info >/dev/null 2>&1; then \
		echo "make image: $(CONTAINER_ENGINE) is installed but its engine is not running; start it and retry" >&2; \
		exit 1; \
	fi
	"$(CONTAINER_ENGINE)" build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) \
		--build-arg DATE=$(DATE) -t $(IMAGE) .

# rig installs nginx, prometheus and the Python venv with Milvus and pymilvus.
rig:
	bash scripts/rig-setup.sh

test: rig
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# unit runs every test except the end-to-end ones, without the rig.
unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /e2e)

e2e: rig
	$(GO) test -race -count=1 -v ./e2e/...

lint:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files need formatting:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# demo starts Milvus (tlsMode 1) behind nginx (grpcs) and runs
# milvus-l7-probe check against it; Ctrl-C stops everything.
demo: build rig
	$(GO) run ./internal/rig/cmd/demo -probe $(BIN)

# fuzz runs each fuzz target for FUZZTIME; go test -fuzz takes one target
# of one package at a time.
fuzz:
	@set -e; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -d' ' -f2); do \
			echo "fuzz $$dir $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

# bench measures the probe beside grpc-health-probe and a minimal health
# check, and the daemon with 10 to 1,000 targets, on the loopback rig; it
# prints the results and writes docs/benchmarks.md (about 7 minutes on 2 cores).
# For a quick run: make bench BENCH_SCALE_DURATION=20s BENCH_RUNS=10.
BENCH_RUNS ?= 30
BENCH_COUNT ?= 6
BENCH_SCALE_DURATION ?= 2m
BENCH_SCALE_TARGETS ?= 10,100,1000
BENCH_INTERVAL ?= 10s
BENCH_OUT ?= docs/benchmarks.md
# The golang.org/x/perf version whose benchstat make bench runs.
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da

bench: build
	bash scripts/bench-setup.sh
	$(GO) run ./internal/bench/cmd/bench -probe $(BIN) \
		-grpc-health-probe .cache/tools/grpc-health-probe \
		-runs $(BENCH_RUNS) -count $(BENCH_COUNT) \
		-scale-duration $(BENCH_SCALE_DURATION) -scale-targets $(BENCH_SCALE_TARGETS) \
		-interval $(BENCH_INTERVAL) -benchstat $(BENCHSTAT_VERSION) -out $(BENCH_OUT) \
		-command "make bench BENCH_RUNS=$(BENCH_RUNS) BENCH_COUNT=$(BENCH_COUNT) BENCH_SCALE_DURATION=$(BENCH_SCALE_DURATION) BENCH_SCALE_TARGETS=$(BENCH_SCALE_TARGETS) BENCH_INTERVAL=$(BENCH_INTERVAL)"

# soak runs the daemon against flapping targets on 127.0.0.1; not in CI.
# SOAK_DURATION sets how long the targets flap.
SOAK_DURATION ?= 2m
soak: build
	$(GO) run ./internal/soak/cmd/soak -probe $(BIN) -duration $(SOAK_DURATION)

clean:
	rm -rf bin
