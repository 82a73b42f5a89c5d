#!/usr/bin/env bash
# image.sh — the container image of issue 17: FROM scratch, one per architecture, plus a
# multi-arch index, built with Debian's buildah from the static release binaries:
#   linux/amd64    x86_64-unknown-linux-musl         (the release tarball's binary)
#   linux/arm64    aarch64-unknown-linux-musl        (the release tarball's binary)
#   linux/arm/v7   armv7-unknown-linux-musleabihf    (NOT the tarball's: that one is glibc-linked
#                                                     gnueabihf and cannot run without a libc)
# scripts/release.sh builds the three (cargo no-ops when nothing changed) into this script's
# own output directory, so the release tarballs in target/dist/out/ are left alone.
#
# Each image holds only: /usr/local/bin/camera-detector (file capability cap_net_raw=p, see
# src/caps.rs), /etc/passwd and /etc/group with the user camera-detector (10001:10001), /data
# (STATE_PATH=/data/state.json; a volume) and /config/frigate (the Frigate file's directory),
# both owned by that user, and the licence texts. No shell, no CA bundle: the TLS flavour
# verifies the broker against TLS_CA_PATH only (never a system store), so scratch serves both.
# Config: user 10001, entrypoint camera-detector, cmd run, OCI annotations and labels
# (source, version, revision, licenses, created = the commit's time).
#
# Output in $OUT (default target/image/VERSION), per flavour (FLAVOUR=plain: no suffix; tls: -tls):
#   camera-detector-VERSION[-tls]-ARCH.oci.tar      OCI archive of one architecture
#   camera-detector-VERSION[-tls]-ARCH.docker.tar   the same image as a docker-archive, for
#        `docker load` on any Docker version; the only format that keeps the HEALTHCHECK
#        (the OCI image config has no such field: buildah drops it)
#   camera-detector-VERSION[-tls].oci.tar           OCI archive: the multi-arch index + all three
#   sizes.tsv     arch, flavour, binary bytes, compressed bytes (layer + config + manifest, what
#                 a registry would transfer), uncompressed bytes (the layer tar)
#   SHA256SUMS
# Reproducible: fixed file times and created time (SOURCE_DATE_EPOCH, default the commit's
# time), sorted layer, no build history; a second run gives the same image digests.
# Fails if the compressed no-TLS image of an architecture is over 3 MiB.
#
# Usage: scripts/image.sh [VERSION]        VERSION defaults to Cargo.toml's
#        ARCHES="amd64" FLAVOUR=tls scripts/image.sh
#        SKIP_RELEASE=1 scripts/image.sh     reuse the tarballs of the last run (no release.sh)
# Needs: root, scripts/install-deps.sh --image (buildah, skopeo; and the --release toolchain).
# buildah uses a storage of its own ($OUT/../storage, vfs driver): nothing touches the
# machine's default container storage.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'image: %s\n' "$*"; }
die() { printf 'image: %s\n' "$*" >&2; exit 1; }

CARGO_VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
VERSION=${1:-$CARGO_VERSION}
[[ $VERSION =~ ^[0-9A-Za-z.+-]+$ ]] || die "bad VERSION '$VERSION' (letters, digits, . + - only)"
ARCHES=${ARCHES:-amd64 arm64 arm}
FLAVOUR=${FLAVOUR:-plain}
[[ $FLAVOUR = plain || $FLAVOUR = tls ]] || die "FLAVOUR is plain or tls, not '$FLAVOUR'"
IMAGE_ROOT=${IMAGE_ROOT:-$ROOT/target/image}
OUT=${OUT:-$IMAGE_ROOT/$VERSION}
STORE=${IMAGE_STORE:-$IMAGE_ROOT/storage}
RUNROOT=/run/camera-detector-image-$(printf '%s' "$STORE" | sha256sum | cut -c1-12)
UID_GID=10001
BUDGET=$((3 * 1024 * 1024))
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
# The source annotation: IMAGE_SOURCE, else the origin remote when it is a public URL (a clone of
# a local path would write that path into the image, and two clones would differ).
origin=$(git remote get-url origin 2>/dev/null || true)
[[ $origin == https://* ]] || origin="unset (IMAGE_SOURCE)"
SOURCE=${IMAGE_SOURCE:-$origin}
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
suffix=; [ "$FLAVOUR" = tls ] && suffix=-tls
NAME=camera-detector-$VERSION$suffix

[ "$(id -u)" = 0 ] || die "needs root (buildah's storage, file capabilities)"
for c in buildah skopeo setcap; do
  command -v "$c" >/dev/null || die "no $c: run scripts/install-deps.sh --image"
done
B=(buildah --root "$STORE" --runroot "$RUNROOT" --storage-driver vfs)

rust_target() {
  case $1 in
    amd64) echo x86_64-unknown-linux-musl ;;
    arm64) echo aarch64-unknown-linux-musl ;;
    arm) echo armv7-unknown-linux-musleabihf ;;
    *) die "unknown arch '$1' (amd64, arm64, arm)" ;;
  esac
}

# 1. The binaries (release.sh: dist profile, budget check, reproducible tarballs).
targets=()
for a in $ARCHES; do targets+=("$(rust_target "$a")"); done
mkdir -p "$OUT"
DIST=$OUT/dist$suffix
if [ "${SKIP_RELEASE:-0}" = 1 ]; then
  say "SKIP_RELEASE=1: the tarballs already in $DIST"
else
  say "release binaries for ${targets[*]} ($FLAVOUR) into $DIST"
  OUT=$DIST TARGETS="${targets[*]}" FLAVOURS=$FLAVOUR scripts/release.sh "$VERSION" >"$OUT/release$suffix.log" 2>&1 \
    || { tail -n 20 "$OUT/release$suffix.log" >&2; die "release.sh failed (log: $OUT/release$suffix.log)"; }
fi

STAGE=$(mktemp -d)
CTRS=()
cleanup() {
  local c
  for c in "${CTRS[@]}"; do "${B[@]}" rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$STAGE"
}
trap cleanup EXIT

# 2. The root file system, the same for every arch but the binary.
rootfs() {   # rootfs DIR BINARY
  local d=$1
  install -d -m 755 "$d/etc" "$d/usr/local/bin" "$d/usr/share/doc/camera-detector" "$d/config"
  printf 'root:x:0:0:root:/:/sbin/nologin\ncamera-detector:x:%s:%s:camera-detector:/data:/sbin/nologin\n' \
    "$UID_GID" "$UID_GID" > "$d/etc/passwd"
  printf 'root:x:0:\ncamera-detector:x:%s:\n' "$UID_GID" > "$d/etc/group"
  chmod 644 "$d/etc/passwd" "$d/etc/group"
  install -m 755 "$2" "$d/usr/local/bin/camera-detector"
  # permitted only, no effective bit: exec still works without cap_add (src/caps.rs)
  setcap cap_net_raw=p "$d/usr/local/bin/camera-detector"
  install -m 644 LICENSE LICENSE-MIT LICENSE-APACHE "$d/usr/share/doc/camera-detector/"
  install -d -m 750 -o "$UID_GID" -g "$UID_GID" "$d/data"
  install -d -m 755 -o "$UID_GID" -g "$UID_GID" "$d/config/frigate"
  find "$d" -exec touch -h -d "@$EPOCH" {} +
}

repack() {   # the archive's own tar headers carry the time of the copy: fix them too
  local d=$STAGE/repack; rm -rf "$d"; mkdir -p "$d"; tar -C "$d" -xf "$1"
  (cd "$d" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) | tar -C "$d" --no-recursion -T - \
    --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner -cf "$1"
  rm -rf "$d"
}

ours() {   # this flavour's archives (the other flavour's share the prefix)
  local a; printf '%s\n' "$NAME.oci.tar"
  for a in amd64 arm64 arm; do printf '%s\n' "$NAME-$a.oci.tar" "$NAME-$a.docker.tar"; done
}
(cd "$OUT" && ours | xargs rm -f -- "sizes$suffix.tsv" "SHA256SUMS$suffix")
printf 'arch\tflavour\tbinary_bytes\tcompressed_bytes\tuncompressed_bytes\n' > "$OUT/sizes$suffix.tsv"
LIST=localhost/camera-detector:$VERSION$suffix
"${B[@]}" manifest rm "$LIST" >/dev/null 2>&1 || true
"${B[@]}" manifest create "$LIST" >/dev/null
over=0
for a in $ARCHES; do
  t=$(rust_target "$a")
  tarball=$DIST/camera-detector-$VERSION-$t$suffix.tar.gz
  tar -C "$STAGE" -xzf "$tarball"
  bin=$STAGE/camera-detector-$VERSION-$t$suffix/camera-detector
  readelf -l "$bin" | grep -q INTERP && die "$t: binary is not static"
  fs=$STAGE/rootfs-$a; rootfs "$fs" "$bin"
  variant=(); [ "$a" = arm ] && variant=(--variant v7)
  c=$("${B[@]}" from scratch); CTRS+=("$c")
  mnt=$("${B[@]}" mount "$c")
  # cp -a keeps owners, modes, times and the security.capability xattr
  cp -a "$fs/." "$mnt/"
  "${B[@]}" umount "$c" >/dev/null
  "${B[@]}" config --os linux --arch "$a" "${variant[@]}" \
    --user "$UID_GID:$UID_GID" --workingdir /data \
    --entrypoint '["/usr/local/bin/camera-detector"]' --cmd run \
    --env PATH=/usr/local/bin --env STATE_PATH=/data/state.json \
    --volume /data --stop-signal SIGTERM \
    --healthcheck 'CMD /usr/local/bin/camera-detector health' --healthcheck-interval 30s \
    --healthcheck-timeout 10s --healthcheck-start-period 60s --healthcheck-retries 3 \
    --created-by "scripts/image.sh" \
    "$c" 2>"$STAGE/warn"
  for k in org.opencontainers.image.title=camera-detector \
    "org.opencontainers.image.description=Finds IP cameras on a LAN and keeps MQTT and Frigate up to date" \
    "org.opencontainers.image.source=$SOURCE" "org.opencontainers.image.version=$VERSION" \
    "org.opencontainers.image.revision=$REVISION" "org.opencontainers.image.licenses=MIT OR Apache-2.0" \
    "org.opencontainers.image.created=$CREATED"; do
    "${B[@]}" config --label "$k" --annotation "$k" "$c"
  done
  img=$LIST-$a
  "${B[@]}" commit -q --format docker --timestamp "$EPOCH" --omit-history "$c" "$img-docker" >/dev/null 2>>"$STAGE/warn"
  # the same container once more in OCI format (drops the HEALTHCHECK, with a warning)
  "${B[@]}" commit -q --format oci --timestamp "$EPOCH" --omit-history "$c" "$img" >/dev/null 2>>"$STAGE/warn"
  src=(containers-storage:"[vfs@$STORE+$RUNROOT]")
  skopeo copy -q "${src[0]}$img" "oci-archive:$OUT/$NAME-$a.oci.tar:camera-detector:$VERSION$suffix"
  skopeo copy -q "${src[0]}$img-docker" "docker-archive:$OUT/$NAME-$a.docker.tar:camera-detector:$VERSION$suffix"
  repack "$OUT/$NAME-$a.oci.tar"; repack "$OUT/$NAME-$a.docker.tar"
  "${B[@]}" manifest add "$LIST" "$img" >/dev/null
  # sizes from the OCI archive: the compressed layer + config + manifest; the layer's tar
  x=$STAGE/x-$a; mkdir -p "$x"; tar -C "$x" -xf "$OUT/$NAME-$a.oci.tar"
  read -r comp uncomp < <(python3 - "$x" <<'PY'
import json, os, subprocess, sys
d = sys.argv[1]; blob = lambda dg: os.path.join(d, "blobs", *dg.split(":"))
m = json.load(open(blob(json.load(open(os.path.join(d, "index.json")))["manifests"][0]["digest"])))
comp = sum(l["size"] for l in m["layers"]) + m["config"]["size"]
comp += os.path.getsize(blob(json.load(open(os.path.join(d, "index.json")))["manifests"][0]["digest"]))
unc = sum(len(subprocess.run(["gzip", "-dc", blob(l["digest"])], capture_output=True, check=True).stdout) for l in m["layers"])
print(comp, unc)
PY
)
  bbytes=$(stat -c %s "$bin")
  printf '%s\t%s\t%s\t%s\t%s\n' "$a" "$FLAVOUR" "$bbytes" "$comp" "$uncomp" >> "$OUT/sizes$suffix.tsv"
  say "$NAME-$a: binary $bbytes bytes, image $comp bytes compressed, $uncomp uncompressed"
  if [ "$FLAVOUR" = plain ] && [ "$comp" -gt "$BUDGET" ]; then say "OVER BUDGET: $a $comp > $BUDGET"; over=1; fi
done
"${B[@]}" manifest push -q --all --format oci "$LIST" "oci-archive:$OUT/$NAME.oci.tar:camera-detector:$VERSION$suffix" >/dev/null
repack "$OUT/$NAME.oci.tar"
(cd "$OUT" && ours | while read -r f; do [ ! -f "$f" ] || echo "$f"; done | xargs sha256sum -- > "SHA256SUMS$suffix")
grep -v -e 'HEALTHCHECK is not supported' -e '^$' "$STAGE/warn" >&2 || true
say "done: $OUT"
cat "$OUT/sizes$suffix.tsv"
[ $over = 0 ] || die "a no-TLS image is over the 3 MiB budget"
