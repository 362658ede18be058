#!/usr/bin/env bash
# Install what make bench needs beside the probe: nginx from Debian (the
# load balancer's stand-in) and grpc-health-probe, the tool the benchmark
# compares the check command with, into .cache/tools. Safe to run again,
# because it installs only what is missing.
set -euo pipefail

GRPC_HEALTH_PROBE_VERSION=v0.4.63
tools="${BENCH_TOOLS:-.cache/tools}"

log() { printf 'bench-setup: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

if [ -x /usr/sbin/nginx ]; then
	log "nginx: present"
else
	log "nginx: installing"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi

mkdir -p "$tools"
tools=$(cd "$tools" && pwd)
if [ -x "$tools/grpc-health-probe" ] &&
	"$tools/grpc-health-probe" -version 2>&1 | grep -q "${GRPC_HEALTH_PROBE_VERSION#v}"; then
	log "grpc-health-probe: present ($tools/grpc-health-probe)"
else
	log "grpc-health-probe $GRPC_HEALTH_PROBE_VERSION: installing into $tools"
	GOBIN="$tools" CGO_ENABLED=0 go install \
		"github.com/grpc-ecosystem/grpc-health-probe@$GRPC_HEALTH_PROBE_VERSION"
fi
