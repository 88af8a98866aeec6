#!/usr/bin/env bash
# Lays out the image's whole root filesystem in dist/image-root, for the Dockerfile (FROM scratch, one COPY):
#   /vigil                         the compiled server (npm run build: Bun, the WASM, the models, the docs page)
#   /lib64, /lib/<arch>/           the loader and the glibc libraries the binary links (ldd), from Debian's libc6
#   /etc/ssl/certs/ca-certificates.crt   Mozilla's roots from Debian's ca-certificates (the system store)
#   /etc/passwd, /etc/group        root, and the user the server runs as: vigil, uid and gid 65532
#   /etc/nsswitch.conf             host names from /etc/hosts, then DNS (both written by the container runtime)
# The Debian packages are fetched by the exact version in debian-packages.lock and checked against its sha256.
# Needs dist/vigil (npm run build), apt-get (with its package lists: apt-get update) and dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=dist/image-root
lock=deploy/image/debian-packages.lock
[ -x dist/vigil ] || { echo "build-root: dist/vigil is missing: run npm run build first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$root"
mkdir -p "$root"

# Fetch and unpack each locked package.
arch=$(dpkg --print-architecture)
while read -r package version package_arch sha256; do
  case "$package" in ''|'#'*) continue ;; esac
  # One line per architecture: the lines for other machines are skipped.
  [ "$package_arch" = all ] || [ "$package_arch" = "$arch" ] || continue
  (cd "$work" && apt-get download -q "$package=$version" >/dev/null 2>"$work/apt.err") || {
    cat "$work/apt.err" >&2
    echo "build-root: apt-get download $package=$version failed (run apt-get update; if Debian no longer serves" \
      "this version, update $lock)" >&2
    exit 1
  }
  deb=$(ls "$work/${package}_"*.deb)
  echo "$sha256  $deb" | sha256sum --check --quiet - || { echo "build-root: $deb does not match $lock" >&2; exit 1; }
  dpkg-deb -x "$deb" "$work/$package"
done < "$lock"

for package in libc6 ca-certificates; do
  [ -d "$work/$package" ] || { echo "build-root: $lock has no $package for $arch" >&2; exit 1; }
done

install -m 0755 dist/vigil "$root/vigil"

# The libraries the binary names (ldd resolves them on this machine; the files come from the libc6 package).
libc="$work/libc6"
while read -r name _ path _; do
  case "$name" in
    linux-vdso.so.*) continue ;;
    /*) loader="$name"; continue ;; # the program interpreter, e.g. /lib64/ld-linux-x86-64.so.2
  esac
  file=$(find "$libc" -name "$name" -not -type d | head -1)
  [ -n "$file" ] || { echo "build-root: $name ($path) is not in the libc6 package" >&2; exit 1; }
  mkdir -p "$root/$(dirname "${file#"$libc"/}")"
  cp -a "$file" "$root/${file#"$libc"/}"
done < <(ldd dist/vigil)
# The interpreter is a symlink in the package (/lib64 -> /lib/<arch>/); copy the link and its target.
mkdir -p "$root/$(dirname "$loader")"
cp -a "$libc$loader" "$root$loader"
target=$(readlink "$libc$loader")
case "$target" in /*) ;; *) target="$(dirname "$loader")/$target" ;; esac
mkdir -p "$root$(dirname "$target")"
cp -a "$libc$target" "$root$target"

# The roots, as update-ca-certificates would join them.
mkdir -p "$root/etc/ssl/certs"
find "$work/ca-certificates/usr/share/ca-certificates/mozilla" -name '*.crt' | LC_ALL=C sort | xargs cat \
  > "$root/etc/ssl/certs/ca-certificates.crt"

printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'vigil:x:65532:65532:vigil:/nonexistent:/sbin/nologin' \
  > "$root/etc/passwd"
printf 'root:x:0:\nvigil:x:65532:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
chmod 0644 "$root"/etc/passwd "$root"/etc/group "$root"/etc/nsswitch.conf "$root/etc/ssl/certs/ca-certificates.crt"

echo "build-root: $root ($(du -sh "$root" | cut -f1)): $(cd "$root" && find . -not -type d | sort | tr '\n' ' ')"
