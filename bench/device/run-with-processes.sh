#!/usr/bin/env bash
# The whole 16-core device run in one command (one machine start): run.sh's load bench with WORKERS workers,
# then one process with WORKERS workers against WORKERS processes of one worker sharing sessions through
# Redis (bench/experiments/processes.ts). The device has no redis-server: pack.sh --with-redis carries Debian's binary and
# its libraries in .device-bundle/redis.tar.xz. Result files land in $OUT (at most 8 come back). Knobs beside
# run.sh's: PROCESS_STEPS, PROCESS_STEP_SECONDS, PROCESS_SETTLE_SECONDS (uncounted seconds before each step),
# PROCESS_TIMEOUT.
#   OUT=/tmp/o WORKERS=2 STEPS=2 STEP_SECONDS=1 CEILING_SECONDS=1 PROCESS_STEPS=2 bench/device/run-with-processes.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
: "${OUT:?OUT must name the folder whose files come back}"
workers="${WORKERS:-12}"
bash bench/device/run.sh
# Debian's redis-server where tests/support/redis-server.ts looks for it, with its own libraries.
if [ ! -x /usr/bin/redis-server ] && [ -f .device-bundle/redis.tar.xz ]; then
  mkdir -p /opt/vigil-redis && tar -xJf .device-bundle/redis.tar.xz -C /opt/vigil-redis
  printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/vigil-redis/redis/lib exec /opt/vigil-redis/redis/redis-server "$@"\n' >/usr/local/bin/redis-server
  chmod +x /usr/local/bin/redis-server
fi
export PATH="$repo/node_modules/.bin:$PATH"
redis-server --version || { echo "run-with-processes: no working redis-server; processes not measured"; exit 0; }
scratch_out="$(mktemp -d)"
timeout "${PROCESS_TIMEOUT:-240}" bun bench/experiments/processes.ts --layouts "1x${workers},${workers}x1" \
  --steps "${PROCESS_STEPS:-400,700,1000,1300}" --step-seconds "${PROCESS_STEP_SECONDS:-6}" --settle-seconds "${PROCESS_SETTLE_SECONDS:-4}" --out "$scratch_out" || echo "run-with-processes: processes bench ended early ($?)"
for f in "$scratch_out"/processes-*; do [ -f "$f" ] && cp "$f" "$OUT/processes-16-cores.${f##*.}"; done
ls -la "$OUT"
