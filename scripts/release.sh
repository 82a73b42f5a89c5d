#!/usr/bin/env bash
# release.sh — the release tarballs of issue 5, one per target and flavour:
#   x86_64-unknown-linux-musl, aarch64-unknown-linux-musl   static
#   armv7-unknown-linux-gnueabihf                           glibc ≥ 2.17 (zig's glibc floor)
# each without and with the `tls` feature, built with cargo-zigbuild (zig is the C compiler
# and linker for paho's C library and vendored OpenSSL) and the `dist` profile (opt-level z,
# LTO, codegen-units 1, panic abort, stripped).
#
# Output, in $OUT (default target/dist/out/VERSION):
#   camera-detector-VERSION-TARGET[-tls].tar.gz   binary, README.md, docs/*.md (the README
#        links them), LICENSE, LICENSE-MIT, LICENSE-APACHE, camera-detector.env (every
#        variable), camera-detector.service, camera-detector.sysusers, SHA256SUMS (of those
#        files); all under camera-detector-VERSION-TARGET[-tls]/
#   SHA256SUMS     of the tarballs
#   sizes.tsv      target, flavour, binary bytes, tarball bytes, build seconds
# Fails if a binary is over budget (3 MiB without TLS, 8 MiB with).
#
# Usage: scripts/release.sh [VERSION]          VERSION defaults to Cargo.toml's
#        TARGETS="x86_64-unknown-linux-musl" FLAVOURS="plain" scripts/release.sh    a subset
# Needs: scripts/install-deps.sh --release (cargo-zigbuild + zig in $RELEASE_VENV, rust targets).
# CARGO_BUILD_JOBS defaults to 1 here (2-core machines that do other work); set it to go faster.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'release: %s\n' "$*"; }
die() { printf 'release: %s\n' "$*" >&2; exit 1; }

CARGO_VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
VERSION=${1:-$CARGO_VERSION}
[[ $VERSION =~ ^[0-9A-Za-z.+-]+$ ]] || die "bad VERSION '$VERSION' (letters, digits, . + - only)"
TARGETS=${TARGETS:-x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-gnueabihf}
FLAVOURS=${FLAVOURS:-plain tls}
RELEASE_VENV=${RELEASE_VENV:-/var/cache/camera-detector/zig-venv}
export CARGO_TARGET_DIR=${DIST_TARGET_DIR:-$ROOT/target/dist}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
OUT=${OUT:-$CARGO_TARGET_DIR/out/$VERSION}
MIB=$((1024 * 1024))
BUDGET_plain=$((3 * MIB))
BUDGET_tls=$((8 * MIB))
# Each build is bounded (an LTO build of one target takes ~5 min on 2 cores at one job).
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1800}

# cargo-zigbuild finds zig as `python3 -m ziglang` of the venv (the ziglang PyPI package).
export PATH=$RELEASE_VENV/bin:$PATH
command -v cargo-zigbuild >/dev/null || die "no cargo-zigbuild in $RELEASE_VENV/bin: run scripts/install-deps.sh --release"
python3 -m ziglang version >/dev/null 2>&1 || die "no ziglang in $RELEASE_VENV: run scripts/install-deps.sh --release"
installed=$(rustup target list --installed)
# A target whose prebuilt std rustup cannot fetch (armv7-unknown-linux-musleabihf for the
# armv7 image: a 404 from some mirrors) is built with its std from rust-src (-Z build-std,
# allowed on stable by RUSTC_BOOTSTRAP=1 for that build only; linked against zig's musl), if
# rust-src is installed.
BUILD_STD=" "
for t in $TARGETS; do
  grep -qx "$t" <<<"$installed" && continue
  rustup component list --installed 2>/dev/null | grep -qx rust-src \
    || die "rust target $t missing: run scripts/install-deps.sh --release (or --image)"
  say "note: no prebuilt std for $t: building it from rust-src (-Z build-std)"
  BUILD_STD+="$t "
done
for f in $FLAVOURS; do [[ $f = plain || $f = tls ]] || die "unknown flavour '$f' (plain or tls)"; done
if [ "$VERSION" != "$CARGO_VERSION" ]; then say "note: VERSION $VERSION, Cargo.toml says $CARGO_VERSION (--version prints the latter)"; fi

zig_target() {   # the target as cargo-zigbuild gets it: armv7 gnueabihf with the glibc 2.17 floor
  case $1 in *-gnu*) echo "$1.2.17" ;; *) echo "$1" ;; esac
}

mkdir -p "$OUT"
rm -f "$OUT"/*.tar.gz "$OUT"/SHA256SUMS "$OUT"/sizes.tsv "$OUT"/build-*.log   # only our own files
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
# Reproducible tarballs: fixed mtime (the commit's), owner and order.
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
printf 'target\tflavour\tbinary_bytes\ttarball_bytes\tbuild_s\n' > "$OUT/sizes.tsv"

for t in $TARGETS; do
  for f in $FLAVOURS; do
    name=camera-detector-$VERSION-$t; feat=(); envs=()
    if [ "$f" = tls ]; then name+=-tls; feat=(--features tls); fi
    # paho-mqtt-sys asks for a *dynamic* libssl/libcrypto unless OPENSSL_STATIC is set: on the
    # glibc target zig then finds no libssl.so. musl targets link statically anyway.
    if [[ $f = tls && $t = *-gnu* ]]; then envs=(OPENSSL_STATIC=1); fi
    if [[ $BUILD_STD == *" $t "* ]]; then
      # without rustup's std there are no self-contained crt objects either: zig's musl links them
      tvar=$(tr 'a-z-' 'A-Z_' <<<"$t")
      envs+=(RUSTC_BOOTSTRAP=1 "CARGO_TARGET_${tvar}_RUSTFLAGS=-C link-self-contained=no")
      feat+=(-Z build-std=std,panic_abort)
    fi
    say "building $t ($f)"
    t0=$SECONDS
    log=$OUT/build-$t-$f.log
    env "${envs[@]}" timeout "$BUILD_TIMEOUT" cargo zigbuild --locked --profile dist --target "$(zig_target "$t")" \
      "${feat[@]}" >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "build of $t ($f) failed (log: $log)"; }
    secs=$((SECONDS - t0))
    bin=$CARGO_TARGET_DIR/$t/dist/camera-detector
    bytes=$(stat -c %s "$bin")
    budget_var=BUDGET_$f
    [ "$bytes" -le "${!budget_var}" ] \
      || die "$t ($f): binary is $bytes bytes, over the budget of ${!budget_var}"
    d=$STAGE/$name; mkdir -p "$d"
    install -m 755 "$bin" "$d/camera-detector"
    install -m 644 README.md LICENSE LICENSE-MIT LICENSE-APACHE dist/camera-detector.env \
      dist/camera-detector.service dist/camera-detector.sysusers "$d/"
    install -d -m 755 "$d/docs" && install -m 644 docs/*.md "$d/docs/"
    (cd "$d" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort \
      | xargs -d '\n' sha256sum -- > SHA256SUMS)
    tar -C "$STAGE" --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner \
      -cf - "$name" | gzip -9n > "$OUT/$name.tar.gz"
    tbytes=$(stat -c %s "$OUT/$name.tar.gz")
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$f" "$bytes" "$tbytes" "$secs" >> "$OUT/sizes.tsv"
    say "$name.tar.gz: binary $bytes bytes, tarball $tbytes bytes, ${secs} s"
  done
done
(cd "$OUT" && sha256sum -- *.tar.gz > SHA256SUMS)
say "done: $OUT"
cat "$OUT/sizes.tsv"
