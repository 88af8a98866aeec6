#!/usr/bin/env bash
# Packs what the 16-core device run needs besides the checkout (see ../shared/device/README.md and
# bench/device/README.md): node_modules without the dev-only heavyweights and the built models, as one
# xz tarball in .device-bundle/ (ignored through .git/info/exclude, so it travels only when carried).
#   bench/device/pack.sh            # writes .device-bundle/vigil-device.tar.xz
#   WITH_REDIS=1 bench/device/pack.sh  # also .device-bundle/redis.tar.xz, for bench/device/run-with-processes.sh
# Then, on the device machine: bench/device/run.sh (carry .device-bundle with the run).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
bundle_dir=".device-bundle"
bundle="$bundle_dir/vigil-device.tar.xz"
limit_mib="${VIGIL_DEVICE_LIMIT_MIB:-64}"

# Ignored locally (not in .gitignore: nobody else needs the entry), so the checkout copy stays small.
exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
grep -qxF "/$bundle_dir/" "$exclude" 2>/dev/null || echo "/$bundle_dir/" >>"$exclude"

[ -x node_modules/.bin/bun ] || { echo "pack.sh: node_modules is missing; run npm ci first" >&2; exit 1; }
node_modules/.bin/bun wasm/build-models.ts >/dev/null # the models, built and checked against models.lock.json
mkdir -p "$bundle_dir"
rm -f "$bundle"

# Dev-only or unused: type checkers, test browsers, image libraries for the test/bench encoders, the
# MediaPipe solution packages the models are built from, the runtime variants Vigil does not load
# (it loads vision_wasm_module_internal.*), source maps, and bunx.exe (a second copy of Bun).
tar --create --file - \
  --exclude='node_modules/@napi-rs' --exclude='node_modules/@typescript' --exclude='node_modules/@img' \
  --exclude='node_modules/playwright-core' --exclude='node_modules/sharp' --exclude='node_modules/typescript' \
  --exclude='node_modules/bun-types' --exclude='node_modules/@types' --exclude='node_modules/@biomejs' \
  --exclude='node_modules/@mediapipe/face_mesh' --exclude='node_modules/@mediapipe/face_detection' \
  --exclude='node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.*' \
  --exclude='node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_nosimd_internal.*' \
  --exclude='*.map' --exclude='node_modules/bun/bin/bunx.exe' \
  node_modules wasm/models | xz -6 -T0 >"$bundle"

bundle_bytes=$(stat -c %s "$bundle")
checkout_bytes=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
untracked_bytes=$(git ls-files -z --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
total=$((bundle_bytes + checkout_bytes + untracked_bytes))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
echo "pack.sh: $bundle $(mib "$bundle_bytes") MiB; checkout $(mib "$checkout_bytes") MiB (+ $(mib "$untracked_bytes") MiB untracked); together $(mib "$total") of $limit_mib MiB"
if [ "$total" -ge $((limit_mib * 1048576)) ]; then
  echo "pack.sh: over the $limit_mib MiB a device run may carry" >&2
  exit 1
fi

# WITH_REDIS=1: Debian's redis-server and the libraries it links (but the C library), for the processes
# comparison on the device (bench/device/run-with-processes.sh), which has no package manager.
if [ "${WITH_REDIS:-0}" = 1 ]; then
  staging="$(mktemp -d)"
  mkdir -p "$staging/redis/lib"
  cp -L "$(command -v redis-server)" "$staging/redis/redis-server"
  ldd "$(command -v redis-server)" | awk '/=>/ {print $3}' | grep -v -e '/libc\.so' -e '/libm\.so' | xargs -I{} cp -L {} "$staging/redis/lib/"
  tar -cJf "$bundle_dir/redis.tar.xz" -C "$staging" redis
  rm -rf "$staging"
  redis_bytes=$(stat -c %s "$bundle_dir/redis.tar.xz")
  echo "pack.sh: $bundle_dir/redis.tar.xz $(mib "$redis_bytes") MiB; together $(mib $((total + redis_bytes))) of $limit_mib MiB"
  [ $((total + redis_bytes)) -lt $((limit_mib * 1048576)) ] || { echo "pack.sh: over the $limit_mib MiB a device run may carry" >&2; exit 1; }
fi
