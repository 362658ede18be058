#!/usr/bin/env bash
# Installs prometheus and promtool from Debian's package (2.42 on Debian 12)
# for the daemon's end-to-end tests, which start /usr/bin/prometheus on
# 127.0.0.1 and pipe scrapes into /usr/bin/promtool. Needs root.
set -euo pipefail

if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then
	exit 0
fi

# The package would start its own server on 0.0.0.0:9090 where an init
# system runs; the tests start their own, so keep the service stopped.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
