#!/usr/bin/env bash
# Install the end-to-end test rig: nginx and prometheus from Debian, and a
# Python virtual environment with the embedded Milvus standalone (PyPI
# package milvus) and pymilvus. Safe to run again, because it installs only
# what is missing. It prints what it did.
#
# The cache folder is $MILVUS_L7_PROBE_CACHE, or
# $HOME/.cache/milvus-l7-probe; internal/rig reads the same variable.
set -euo pipefail

MILVUS_VERSION=2.3.5
PYMILVUS_VERSION=3.0.2
cache="${MILVUS_L7_PROBE_CACHE:-$HOME/.cache/milvus-l7-probe}"
venv="$cache/venv"
apt_updated=false

log() { printf 'rig-setup: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# apt_install PACKAGE COMMAND installs PACKAGE when COMMAND is missing.
apt_install() {
	local package=$1 command=$2
	if [ -x "$command" ] || command -v "$command" >/dev/null 2>&1; then
		log "$package: present ($command)"
		return
	fi
	if [ "$apt_updated" = false ]; then
		log "apt-get update"
		as_root apt-get update -qq
		apt_updated=true
	fi
	log "$package: installing"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
	# Debian starts the packaged service on install; the rig runs its own
	# instances on free ports, so the system service is not needed.
	log "$package: installed"
}

venv_has_pins() {
	[ -x "$venv/bin/python" ] || return 1
	"$venv/bin/python" - "$MILVUS_VERSION" "$PYMILVUS_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if (version('milvus'), version('pymilvus')) == tuple(sys.argv[1:]) else 1)
PY
}

setup_venv() {
	if venv_has_pins; then
		log "python venv: present ($venv, milvus $MILVUS_VERSION, pymilvus $PYMILVUS_VERSION)"
		return
	fi
	if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
		apt_install python3-venv /nonexistent/python3-venv
	fi
	log "python venv: creating $venv with milvus==$MILVUS_VERSION pymilvus==$PYMILVUS_VERSION"
	mkdir -p "$cache"
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check \
		"milvus==$MILVUS_VERSION" "pymilvus==$PYMILVUS_VERSION"
	log "python venv: created"
}

apt_install nginx /usr/sbin/nginx
apt_install prometheus /usr/bin/prometheus
# The tests run openssl: the guide's certificate recipe and x509 -text.
apt_install openssl /usr/bin/openssl
setup_venv
log "ready: cache $cache"
