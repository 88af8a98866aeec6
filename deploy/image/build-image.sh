#!/usr/bin/env bash
# npm run image: compiles dist/vigil, lays out the image's root (build-root.sh) and builds the Dockerfile with
# buildah as vigil:<package.json version> and vigil:latest. Prints the image's size.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' package.json)
bun run build
deploy/image/build-root.sh
buildah bud --quiet --layers=false --tag "vigil:$version" --tag vigil:latest .
size=$(buildah images --noheading --format '{{.Size}}' "vigil:$version" | sed -n 1p)
echo "image vigil:$version (vigil:latest): $size"
