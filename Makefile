# Build stamps that `milvus-l7-probe version` prints. The Dockerfile takes
# the same three values as build arguments and runs the same go build.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)

MAIN_PKG := ./cmd/milvus-l7-probe
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

IMAGE ?= milvus-l7-probe:$(VERSION)
# CONTAINER_ENGINE is the docker-compatible CLI that `make image` runs.
CONTAINER_ENGINE ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)

.PHONY: build image

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/milvus-l7-probe $(MAIN_PKG)

image:
	@if [ -z "$(CONTAINER_ENGINE)" ]; then \
		echo "make image: no container engine found (looked for docker and podman); install one or set CONTAINER_ENGINE" >&2; \
		exit 1; \
	fi
	@if ! "$(CONTAINER_ENGINE)" info >/dev/null 2>&1; then \
		echo "make image: $(CONTAINER_ENGINE) is installed but its engine is not running; start it and retry" >&2; \
		exit 1; \
	fi
	"$(CONTAINER_ENGINE)" build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) -t $(IMAGE) .
