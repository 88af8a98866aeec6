#!/usr/bin/env bash
# The 16-core device run, from the repository root on the device machine, with .device-bundle carried
# (made here by bench/device/pack.sh). Unpacks the bundle into a scratch folder, links node_modules and the
# models into the checkout, puts node_modules/.bin on PATH, and runs:
#   1. the load bench with WORKERS workers (default 12): users held per scenario, baselines (one worker and the
#      pool on the users' mix: the per-worker scaling), cost per frame; written as load-16-cores.{json,md};
#   2. with EXTRA_SCALING=1 only (about 1.5 minutes more): the engine ceiling, users' mix, warmed up, with 1
#      worker and with WORKERS workers as shipped, with BUN_JSC_numberOfWasmCompilerThreads=WORKERS and with
#      UV_THREADPOOL_SIZE=WORKERS (engine-scaling.json, one JSON line each).
# Only the result files go to $OUT (at most 8 come back): load-16-cores.json, load-16-cores.md, run.log, and
# engine-scaling.json with EXTRA_SCALING=1.
#   bench/device/run.sh                                  # on the device
#   OUT=/tmp/o WORKERS=2 STEPS=2 STEP_SECONDS=1 CEILING_SECONDS=1 bench/device/run.sh   # a small try here
# Knobs (environment): WORKERS, STEPS (comma list of users), STEP_SECONDS, CEILING_SECONDS, CEILING_WARMUP_SECONDS, SCENARIOS
# (full,crop,paced), OVERLOAD_SECONDS, SCRATCH (where the bundle is unpacked), NAME (report name),
# EXTRA_SCALING (1: step 2 above).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
: "${OUT:?OUT must name the folder whose files come back}"
workers="${WORKERS:-12}"
steps="${STEPS:-100,200,300,400,500,600,800,1000,1200}"
step_seconds="${STEP_SECONDS:-8}"
ceiling_seconds="${CEILING_SECONDS:-8}"
ceiling_warmup="${CEILING_WARMUP_SECONDS:-10}"
scenarios="${SCENARIOS:-full,crop,paced}"
overload_seconds="${OVERLOAD_SECONDS:-0}"
name="${NAME:-load-16-cores}"
scratch="${SCRATCH:-${TMPDIR:-/tmp}/vigil-device}"
bundle=".device-bundle/vigil-device.tar.xz"
mkdir -p "$OUT"
log="$OUT/run.log"
exec > >(tee -a "$log") 2>&1

[ -f "$bundle" ] || { echo "run.sh: $bundle is missing (make it with bench/device/pack.sh and carry .device-bundle)"; exit 1; }
started=$(date +%s)
if [ ! -x "$scratch/node_modules/.bin/bun" ]; then
  rm -rf "$scratch" && mkdir -p "$scratch"
  xz -dc -T0 "$bundle" | tar -x -C "$scratch"
fi
# Link, never overwrite: a checkout that has its own node_modules (a try here) keeps it.
[ -e node_modules ] || ln -s "$scratch/node_modules" node_modules
[ -e wasm/models ] || ln -s "$scratch/wasm/models" wasm/models
export PATH="$repo/node_modules/.bin:$PATH"
echo "run.sh: unpacked in $(( $(date +%s) - started )) s; bun $(bun --version); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); ulimit -n $(ulimit -n)"

bun bench/load/run-load.ts --workers "$workers" --steps "$steps" --step-seconds "$step_seconds" \
  --ceiling-seconds "$ceiling_seconds" --ceiling-warmup-seconds "$ceiling_warmup" --scenarios "$scenarios" --overload-seconds "$overload_seconds" \
  --skip-without-sessions --name "$name" --out "$OUT"

if [ "${EXTRA_SCALING:-0}" = 1 ]; then
  # One worker, then WORKERS workers as shipped and with each runtime setting that might relieve what the
  # workers of one process share (bench/results/workers-in-one-process.md), all on the users' mix, warmed up.
  frames="$scratch/frames"
  mkdir -p "$frames"
  bun -e "import { benchFrames } from './bench/lib/frames'; const f = await benchFrames(); await Bun.write('$frames/person.jpg', f.person); await Bun.write('$frames/empty.jpg', f.empty);"
  ceiling() { env $2 bun bench/load/engine-ceiling.ts "{\"workers\":$1,\"seconds\":$ceiling_seconds,\"warmupSeconds\":$ceiling_warmup,\"mix\":\"users\",\"frames\":{\"person\":\"$frames/person.jpg\",\"empty\":\"$frames/empty.jpg\"}}" | tail -n 1; }
  for variant in "X=1:1" "X=1:$workers" "BUN_JSC_numberOfWasmCompilerThreads=$workers:$workers" "UV_THREADPOOL_SIZE=$workers:$workers"; do
    setting="${variant%%:*}"
    count="${variant##*:}"
    echo "{\"setting\": \"$setting\", \"result\": $(ceiling "$count" "$setting")}"
  done >"$OUT/engine-scaling.json"
  cat "$OUT/engine-scaling.json"
fi
echo "run.sh: done in $(( $(date +%s) - started )) s; files in $OUT:"
ls -la "$OUT"
