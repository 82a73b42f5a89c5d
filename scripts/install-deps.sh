#!/usr/bin/env bash
# install-deps.sh — idempotent installer of everything the tests and the network lab need.
#
# Checks before installing, so a second run only takes a few seconds:
#   apt      Debian packages (apt-get update only when something is missing)
#   rustup   components clippy + rustfmt
#   msrv     the toolchain of Cargo.toml's rust-version (minimal profile): scripts/test.sh
#            checks that the binary builds with it
#   deny     cargo-deny $CARGO_DENY_VERSION (`cargo install --locked`, once: 3.4 CPU-min; 7.8 min
#            at 1 job on a busy 2-core VM)
#            for scripts/test.sh's licence / ban / duplicate-version check (deny.toml)
#   fuzz     the nightly toolchain ($FUZZ_TOOLCHAIN, minimal profile) and cargo-fuzz, for
#            scripts/fuzz-smoke.sh
#   venv     scripts/lab/venv with the lab's pinned PyPI packages
#   npm      rtsp-streaming-server in scripts/lab/node
#   onvif    onvif-sim release build, CARGO_TARGET_DIR=$ONVIF_SIM_TARGET (outside the repo, so a
#            fresh clone on the same machine reuses it; lab-up.sh looks for the binary there)
#   rumqttd  the rumqttd broker ($RUMQTTD_VERSION, `cargo install` into $RUMQTTD_ROOT, outside the
#            repo): a test peer with a payload limit enforced by default (tests/it/mqtt_limits.rs)
#   release  (--release only) what scripts/release.sh and release-check.sh need: rust targets
#            x86_64/aarch64 musl + armv7 gnueabihf, cargo-zigbuild and zig (PyPI packages
#            cargo-zigbuild, ziglang) in $RELEASE_VENV (outside the repo, ~450 MB), and apt's
#            qemu-user plus the armhf glibc to run the armv7 binary under qemu-arm
#   image    (--image only; implies --release) what scripts/image.sh and image-check.sh need:
#            apt's buildah, podman, runc (podman's crun cannot set rlimits here), skopeo,
#            libcap2-bin (setcap), and the rust target armv7-unknown-linux-musleabihf (the
#            armv7 image's static binary)
#
# Usage (as root):  scripts/install-deps.sh            install what is missing
#                   scripts/install-deps.sh --check    install nothing; exit 1 if anything is missing
#                   NO_LAB=1 scripts/install-deps.sh   apt + rustup + fuzz only (no venv/npm/onvif-sim)
#                   scripts/install-deps.sh --release  also the release toolchain (combines with --check)
#                   scripts/install-deps.sh --image    also the image tools (and the release toolchain)
# Prints one line per step with its duration. Safe to run any number of times.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${LAB:-$ROOT/scripts/lab}
VENV=$LAB/venv
ONVIF_SIM_TARGET=${ONVIF_SIM_TARGET:-/var/cache/camera-detector/onvif-sim-target}
# Debian's interpreter for the venv (not pyenv's shim on PATH): the lab's other Python services
# run on /usr/bin/python3 too, and this keeps the venv independent of the pyenv install.
VENV_PYTHON=${VENV_PYTHON:-/usr/bin/python3}
RELEASE_VENV=${RELEASE_VENV:-/var/cache/camera-detector/zig-venv}
RUMQTTD_ROOT=${RUMQTTD_ROOT:-/var/cache/camera-detector/rumqttd}
# Not --locked: its lock file pins metrics 0.22.1, which current rustc refuses (E0521); the
# newest compatible versions build. No default features: no TLS, no websocket (faster build).
RUMQTTD_VERSION=0.20.0
CHECK=0; RELEASE=0; IMAGE=0
for a in "$@"; do
  case $a in
    --check) CHECK=1 ;;
    --release) RELEASE=1 ;;
    --image) IMAGE=1; RELEASE=1 ;;
    *) echo "install-deps: unknown argument '$a' (--check, --release, --image)" >&2; exit 2 ;;
  esac
done

# The lab's own list (was lab-up.sh's LAB_INSTALL block) + what the tests need:
# cmake (paho-mqtt's bundled C build), mosquitto for the broker tests, openssl CLI for test TLS
# material, procps (ps/pgrep in tests), python3-venv for the lab venv, python3-yaml (the
# Frigate YAML read-back test), time (/usr/bin/time: peak RSS in lab_world_hostile).
# The vendor zoo (scripts/lab/zoo-up.sh) needs nothing more: ieee-data (its MACs), ffmpeg with
# libx264/libx265 and GStreamer's good/bad plugins (its media: qtdemux, h264parse/h265parse,
# rtph26[45]pay, rtpjpegpay, rtpstreampay), gir1.2-gst-rtsp-server-1.0 + python3-gi, avahi-daemon,
# onvif-sim, and the venv's onvif-zeep and zeroconf (zoo/zoo-check.py).
APT_PKGS=(iproute2 dnsmasq-base gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0
  python3-gi ffmpeg avahi-daemon mosquitto mosquitto-clients lighttpd wsdd netcat-openbsd
  tcpdump arping iputils-ping curl ieee-data time
  cmake openssl procps python3 python3-venv python3-yaml)
# zeroconf was unpinned upstream; pinned to the version that passed lab-check here
PIP_PKGS=(ipycam==1.3.0 wsdiscovery==2.1.2 zeroconf==0.154.0 onvif-zeep==0.2.12)
NPM_PKG=rtsp-streaming-server@2.1.0
# --release: qemu-user runs the foreign binaries; the armhf glibc is the sysroot qemu-arm needs
# for the dynamically linked armv7 gnueabihf binary (it needs libc, libpthread, libdl only);
# perl + make build the vendored OpenSSL of the `tls` flavour.
RELEASE_APT_PKGS=(qemu-user libc6-armhf-cross perl make)
RELEASE_TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-gnueabihf)
# cargo-zigbuild as the PyPI wheel (a prebuilt binary: no 5-minute cargo install) and zig.
RELEASE_PIP_PKGS=(cargo-zigbuild==0.24.0 ziglang==0.17.0)
[ $RELEASE = 1 ] && APT_PKGS+=("${RELEASE_APT_PKGS[@]}")
# --image: Debian's buildah/podman (no Docker daemon); runc because crun fails over rlimits
# and hybrid cgroups in some sandboxes (image-check.sh picks what works); setcap marks the
# image's binary cap_net_raw=p.
IMAGE_APT_PKGS=(buildah podman runc skopeo libcap2-bin)
IMAGE_TARGETS=(armv7-unknown-linux-musleabihf)
# cargo-fuzz needs nightly (-Z sanitizer); cargo-fuzz itself builds on stable
FUZZ_TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
CARGO_FUZZ_VERSION=0.13.2
# Cargo.toml's rust-version as a rustup toolchain name ("1.85" -> "1.85.0": the oldest patch)
MSRV=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml")
[[ $MSRV == *.*.* ]] || MSRV=$MSRV.0
CARGO_DENY_VERSION=0.20.2

T_ALL=$EPOCHREALTIME
missing_total=0
step() {   # step NAME FUNC : run FUNC, print "install-deps: NAME ... (1.23s)"
  local t0=$EPOCHREALTIME out rc
  # errexit inside the step (not in a `||` context, which would switch it off)
  set +e; out=$(set -e; "$2" 2>&1); rc=$?; set -e
  local msg=${out##*$'\n'}; [ $rc = 0 ] || [ $CHECK = 1 ] || msg="FAILED (rc=$rc) ${msg}"
  printf 'install-deps: %-7s %s (%.2fs)\n' "$1" "$msg" "$(awk "BEGIN{print $EPOCHREALTIME - $t0}")"
  if [ $rc != 0 ]; then
    printf '%s\n' "$out" | tail -n 30 | sed 's/^/  | /' >&2
    [ $CHECK = 1 ] && { missing_total=$((missing_total + 1)); return 0; }
    echo "install-deps: step $1 failed (rc=$rc)" >&2; exit $rc
  fi
}

[ "$(id -u)" = 0 ] || { echo "install-deps: must run as root (apt-get, ip netns)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

do_apt() {
  local want=("${APT_PKGS[@]}")
  # node/npm for the lab's cam6 (rtsp-streaming-server); the machine image usually ships them
  if [ -z "${NO_LAB:-}" ] && ! { command -v node && command -v npm; } >/dev/null; then want+=(nodejs npm); fi
  apt_ensure "${want[@]}"
}

apt_ensure() {   # apt_ensure PKG...: installs the missing ones (daemons not started)
  local want=("$@") miss=() p
  for p in "${want[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || miss+=("$p")
  done
  [ ${#miss[@]} = 0 ] && { echo "all ${#want[@]} packages present"; return 0; }
  [ $CHECK = 1 ] && { echo "missing: ${miss[*]}"; return 1; }
  # Never let a package's postinst start its daemon in the root namespace: avahi-daemon and wsdd
  # would multicast on the machine's real network, mosquitto/lighttpd would take ports. The lab
  # starts its own copies inside its namespaces. (policy-rc.d exit 101 = "action forbidden".)
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${miss[@]}" >/dev/null; } || rc=$?
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || return $rc
  echo "installed ${miss[*]}"
}

do_rustup() {
  command -v rustup >/dev/null || { echo "no rustup on PATH (cargo toolchain expected)"; return 1; }
  local inst miss=() c
  inst=$(rustup component list --installed 2>/dev/null)
  for c in clippy rustfmt; do grep -q "^$c" <<<"$inst" || miss+=("$c"); done
  [ ${#miss[@]} = 0 ] && { echo "clippy rustfmt present"; return 0; }
  [ $CHECK = 1 ] && { echo "missing components: ${miss[*]}"; return 1; }
  rustup component add "${miss[@]}" && echo "added ${miss[*]}"
}

do_fuzz() {
  local miss=()
  rustup run "$FUZZ_TOOLCHAIN" rustc --version >/dev/null 2>&1 || miss+=("toolchain $FUZZ_TOOLCHAIN")
  [ "$(cargo fuzz --version 2>/dev/null)" = "cargo-fuzz $CARGO_FUZZ_VERSION" ] || miss+=("cargo-fuzz $CARGO_FUZZ_VERSION")
  [ ${#miss[@]} = 0 ] && { echo "$FUZZ_TOOLCHAIN + cargo-fuzz $CARGO_FUZZ_VERSION present"; return 0; }
  [ $CHECK = 1 ] && { echo "missing: ${miss[*]}"; return 1; }
  rustup run "$FUZZ_TOOLCHAIN" rustc --version >/dev/null 2>&1 \
    || rustup toolchain install "$FUZZ_TOOLCHAIN" --profile minimal >/dev/null
  [ "$(cargo fuzz --version 2>/dev/null)" = "cargo-fuzz $CARGO_FUZZ_VERSION" ] \
    || cargo install -q --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  echo "installed ${miss[*]}"
}

do_msrv() {
  [ -n "$MSRV" ] || { echo "no rust-version in Cargo.toml"; return 1; }
  rustup run "$MSRV" cargo --version >/dev/null 2>&1 && { echo "toolchain $MSRV present"; return 0; }
  [ $CHECK = 1 ] && { echo "missing: toolchain $MSRV"; return 1; }
  timeout 600 rustup toolchain install "$MSRV" --profile minimal >/dev/null
  echo "installed toolchain $MSRV"
}

do_deny() {
  [ "$(cargo deny --version 2>/dev/null)" = "cargo-deny $CARGO_DENY_VERSION" ] \
    && { echo "cargo-deny $CARGO_DENY_VERSION present"; return 0; }
  [ $CHECK = 1 ] && { echo "missing: cargo-deny $CARGO_DENY_VERSION"; return 1; }
  # every core unless CARGO_BUILD_JOBS says otherwise: on a fresh CI machine this is on the
  # critical path (3.4 CPU-min), and nothing else runs there
  timeout 2400 cargo install -q --locked cargo-deny --version "$CARGO_DENY_VERSION"
  echo "installed cargo-deny $CARGO_DENY_VERSION"
}

pip_ok() {   # all pins satisfied in the venv?
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" - "${PIP_PKGS[@]}" <<'PY' >/dev/null 2>&1
import sys, importlib.metadata as md
for spec in sys.argv[1:]:
    name, _, ver = spec.partition("==")
    have = md.version(name)          # raises if not installed
    if ver and have != ver:
        sys.exit(1)
import ipycam, wsdiscovery, zeroconf, onvif  # importable too
PY
}
do_venv() {
  pip_ok && { echo "venv ok (${PIP_PKGS[*]})"; return 0; }
  [ $CHECK = 1 ] && { echo "venv $VENV missing or pins unmet"; return 1; }
  # a venv whose interpreter is gone (e.g. made by another python) is rebuilt from scratch
  if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then rm -rf "$VENV"; fi
  [ -x "$VENV/bin/python" ] || "$VENV_PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PIP_PKGS[@]}"
  pip_ok || { echo "pins still unmet after pip install"; return 1; }
  echo "installed ${PIP_PKGS[*]}"
}

do_npm() {
  local mod=$LAB/node/node_modules/rtsp-streaming-server/package.json
  if [ -f "$mod" ] && [ "$(node -p "require('$mod').version" 2>/dev/null)" = "${NPM_PKG##*@}" ]; then
    echo "$NPM_PKG present"; return 0; fi
  [ $CHECK = 1 ] && { echo "$NPM_PKG missing in $LAB/node"; return 1; }
  mkdir -p "$LAB/node"
  (cd "$LAB/node" && { [ -f package.json ] || npm init -y >/dev/null; } \
     && npm install -s --no-audit --no-fund "$NPM_PKG" >/dev/null)
  echo "installed $NPM_PKG"
}

onvif_srchash() {   # content hash of the crate's sources (paths and mtimes don't matter)
  (cd "$LAB/onvif-sim" && cat Cargo.toml Cargo.lock src/*.rs 2>/dev/null | sha256sum | cut -c1-64)
}
do_onvif() {
  # Up to date = the binary exists and was built from sources with the same content hash. Checked
  # by content, not mtime: a fresh clone (new mtimes, new path) reuses the cached build as is.
  local bin=$ONVIF_SIM_TARGET/release/onvif-sim
  if [ -x "$bin" ] && [ "$(cat "$bin.srchash" 2>/dev/null)" = "$(onvif_srchash)" ]; then
    echo "onvif-sim up to date ($bin)"; return 0; fi
  [ $CHECK = 1 ] && { echo "onvif-sim missing or built from other sources ($bin)"; return 1; }
  mkdir -p "$ONVIF_SIM_TARGET"
  (cd "$LAB/onvif-sim" && CARGO_TARGET_DIR=$ONVIF_SIM_TARGET cargo build --release -q)
  onvif_srchash > "$bin.srchash"   # after the build: cargo may have (re)written Cargo.lock
  echo "built $bin"
}

do_rumqttd() {
  local bin=$RUMQTTD_ROOT/bin/rumqttd
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "rumqttd $RUMQTTD_VERSION" ]; then
    echo "rumqttd $RUMQTTD_VERSION present ($bin)"; return 0; fi
  [ $CHECK = 1 ] && { echo "rumqttd $RUMQTTD_VERSION missing ($bin)"; return 1; }
  mkdir -p "$RUMQTTD_ROOT"
  timeout 1800 cargo install -q rumqttd --version "$RUMQTTD_VERSION" \
    --no-default-features --root "$RUMQTTD_ROOT"
  echo "built $bin"
}

do_release() {
  local inst miss=() t
  inst=$(rustup target list --installed 2>/dev/null)
  for t in "${RELEASE_TARGETS[@]}"; do grep -qx "$t" <<<"$inst" || miss+=("$t"); done
  local venv_ok=0
  if [ -x "$RELEASE_VENV/bin/cargo-zigbuild" ] && [ "$("$RELEASE_VENV/bin/cargo-zigbuild" --version 2>/dev/null)" = "cargo-zigbuild ${RELEASE_PIP_PKGS[0]#*==}" ] \
     && [ "$("$RELEASE_VENV/bin/python3" -m ziglang version 2>/dev/null)" = "${RELEASE_PIP_PKGS[1]#*==}" ]; then venv_ok=1; fi
  if [ ${#miss[@]} = 0 ] && [ $venv_ok = 1 ]; then echo "release toolchain ok (${RELEASE_PIP_PKGS[*]}, ${#RELEASE_TARGETS[@]} targets)"; return 0; fi
  if [ $CHECK = 1 ]; then echo "missing: ${miss[*]} $([ $venv_ok = 1 ] || echo "$RELEASE_VENV")"; return 1; fi
  [ ${#miss[@]} = 0 ] || timeout 600 rustup target add "${miss[@]}" >/dev/null
  if [ $venv_ok = 0 ]; then
    if [ -d "$RELEASE_VENV" ] && ! "$RELEASE_VENV/bin/python3" -c 'import sys' 2>/dev/null; then rm -rf "$RELEASE_VENV"; fi
    mkdir -p "$(dirname "$RELEASE_VENV")"
    [ -x "$RELEASE_VENV/bin/python3" ] || "$VENV_PYTHON" -m venv "$RELEASE_VENV"
    timeout 600 "$RELEASE_VENV/bin/pip" install -q --disable-pip-version-check "${RELEASE_PIP_PKGS[@]}"
  fi
  echo "installed ${miss[*]} ${RELEASE_PIP_PKGS[*]}"
}

do_image() {
  local inst miss=() t
  inst=$(rustup target list --installed 2>/dev/null)
  local src=0 how=present
  rustup component list --installed 2>/dev/null | grep -qx rust-src && src=1
  # rust-src instead of the target: release.sh then builds its std (-Z build-std)
  for t in "${IMAGE_TARGETS[@]}"; do grep -qx "$t" <<<"$inst" || [ $src = 1 ] || miss+=("$t"); done
  if [ ${#miss[@]} != 0 ]; then
    [ $CHECK = 1 ] && { echo "missing: ${miss[*]}"; return 1; }
    how=installed
    # some rustup mirrors have no prebuilt std for it (404): fall back to rust-src
    timeout 600 rustup target add "${miss[@]}" >/dev/null 2>&1 \
      || { timeout 600 rustup component add rust-src >/dev/null; how="rust-src installed (std built from source)"; }
  elif ! grep -qx "${IMAGE_TARGETS[0]}" <<<"$inst"; then how="rust-src present (std built from source)"; fi
  local out rc=0; out=$(apt_ensure "${IMAGE_APT_PKGS[@]}") || rc=$?
  echo "${out##*$'\n'}; rust target ${IMAGE_TARGETS[*]}: $how"
  return $rc
}

step apt do_apt
step rustup do_rustup
step msrv do_msrv
step deny do_deny
[ $RELEASE = 1 ] && step release do_release
[ $IMAGE = 1 ] && step image do_image
step fuzz do_fuzz
step rumqttd do_rumqttd
if [ -z "${NO_LAB:-}" ]; then
  step venv do_venv
  step npm do_npm
  step onvif do_onvif
fi
printf 'install-deps: total   %s (%.2fs)\n' "$([ $missing_total = 0 ] && echo ok || echo "$missing_total step(s) missing")" \
  "$(awk "BEGIN{print $EPOCHREALTIME - $T_ALL}")"
[ $missing_total = 0 ]
