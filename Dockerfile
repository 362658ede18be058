# syntax=docker/dockerfile:1

# Build stage: the Go minor version matches the go directive in go.mod.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .

# Build stamps, passed by `make image` (see the Makefile's LDFLAGS, which
# this go build line must match).
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" -o /out/milvus-l7-probe ./cmd/milvus-l7-probe

# Runtime stage: a static binary on distroless, as the non-root user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/milvus-l7-probe /milvus-l7-probe
USER 65532:65532
# The daemon's /metrics, /healthz and /readyz.
EXPOSE 9469
ENTRYPOINT ["/milvus-l7-probe"]
# A folder holding config.yaml, as a ConfigMap is mounted.
CMD ["run", "--config", "/etc/milvus-l7-probe"]
