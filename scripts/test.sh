#!/usr/bin/env bash
# test.sh — the whole test suite, as CI runs it:
#   1. installs what the tests need if missing (apt, pip venv, npm, onvif-sim, rustup bits)
#   2. checks the standing rules: rustfmt, clippy -D warnings, no async runtime in the binary;
#      the binary builds with Cargo.toml's rust-version (default and `tls`); cargo-deny's
#      licences, bans and duplicate versions (deny.toml); builds the fuzz targets and runs each
#      for a few seconds (scripts/fuzz-smoke.sh)
#   3. brings the network lab, the vendor zoo and a camera farm of 50 up (root only) for the tests
#      that need them, and down at the end
#   4. runs every test with cargo-nextest (one process per test), default build and `tls`
#   5. (root) release smoke: the x86_64 and aarch64 musl tarballs without TLS (scripts/release.sh),
#      checked by scripts/release-check.sh (qemu-aarch64, a scan of the lab, idle RSS);
#      RELEASE_SMOKE=0 skips it. The full 6-tarball release is not run here (see docs/release.md).
#   6. (root, after the release smoke) the container images (scripts/image.sh: amd64, arm64,
#      arm/v7, no TLS) tried in the lab by scripts/image-check.sh (podman in the detector
#      namespace, health, SIGTERM); IMAGE_CHECK=0 skips it.
# Usage: scripts/test.sh [extra nextest args]      e.g. scripts/test.sh -E 'test(offline)'
# Not root: installs and the lab are skipped; lab tests then SKIP with a loud message, and the
# run ends with how many tests skipped and why (tests/it/support/skip.rs writes them to
# $CD_SKIP_LOG). CD_REQUIRE_LAB=1 (set by .ci/run) turns every such skip into a failure, and
# so does a missing tool that a step here would skip.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'test.sh: %s\n' "$*"; }
T0=$SECONDS
REQUIRE=${CD_REQUIRE_LAB:-0}
# A step that cannot run here: a loud SKIP locally, a failure under CD_REQUIRE_LAB=1.
skip_step() {
  if [ "$REQUIRE" = 1 ]; then say "FAIL (CD_REQUIRE_LAB=1): $*"; exit 1; fi
  say "SKIP $*"
}
# Every test that skips appends "test: reason" here; summed up at the end of the run.
export CD_SKIP_LOG=${CD_SKIP_LOG:-$ROOT/target/skipped.log}
mkdir -p "$(dirname "$CD_SKIP_LOG")"; : > "$CD_SKIP_LOG"
skipped_tests() {
  [ -s "$CD_SKIP_LOG" ] || return 0
  say "$(awk -F': ' '{print $1}' "$CD_SKIP_LOG" | sort -u | wc -l) test(s) SKIPPED (not run; CD_REQUIRE_LAB=1 makes them fail):"
  awk -F': ' '{print $1 "\t" substr($0, length($1) + 3)}' "$CD_SKIP_LOG" | sort -u | cut -f2 \
    | sort | uniq -c | sort -rn | sed 's/^/  /'
}

if [ "$(id -u)" = 0 ]; then
  if [ "${RELEASE_SMOKE:-1}" = 1 ] && [ "${IMAGE_CHECK:-1}" = 1 ]; then scripts/install-deps.sh --image
  elif [ "${RELEASE_SMOKE:-1}" = 1 ]; then scripts/install-deps.sh --release; else scripts/install-deps.sh; fi
else
  say "not root: no installs, no lab (lab tests will SKIP$([ "$REQUIRE" = 1 ] && echo ', and CD_REQUIRE_LAB=1 makes them fail'))"
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest"; cargo install --locked cargo-nextest
fi

say "rustfmt";  cargo fmt --all -- --check
say "clippy";   cargo clippy --all-targets -- -D warnings
say "clippy (tls)"; cargo clippy --all-targets --features tls -- -D warnings
say "rustdoc (-D warnings: no broken or private intra-doc links)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -q
say "module graph: no cycles (scripts/modgraph.py, and its self-test)"
python3 scripts/modgraph.py --self-test
python3 scripts/modgraph.py
# The oldest Rust we claim (Cargo.toml rust-version): the binary must build with it, default
# and `tls` (a check: build scripts and every crate compiled, nothing linked), in a target
# directory of its own so the stable artefacts stay as they are. The `tls` check reuses the
# OpenSSL that the clippy step above built from openssl-src (its C code does not depend on
# the Rust version): 14 s instead of ~5 min; without one it builds its own.
MSRV=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
[[ $MSRV == *.*.* ]] || MSRV=$MSRV.0
if rustup run "$MSRV" cargo --version >/dev/null 2>&1; then
  T1=$SECONDS
  say "builds with rust-version $MSRV (default, tls)"
  CARGO_TARGET_DIR=$ROOT/target/msrv cargo "+$MSRV" check --locked -q
  ossl=$(ls -td "$ROOT"/target/debug/build/openssl-sys-*/out/openssl-build/install 2>/dev/null | head -1)
  if [ -n "$ossl" ]; then ossl_env=(OPENSSL_NO_VENDOR=1 "OPENSSL_DIR=$ossl" OPENSSL_STATIC=1); else ossl_env=(); fi
  env "${ossl_env[@]}" CARGO_TARGET_DIR="$ROOT/target/msrv" cargo "+$MSRV" check --locked -q --features tls
  say "rust-version check took $((SECONDS - T1)) s"
else
  skip_step "rust-version check: no $MSRV toolchain (scripts/install-deps.sh installs it)"
fi
if cargo deny --version >/dev/null 2>&1; then
  say "cargo-deny: licences, bans, duplicate versions, sources (deny.toml; no advisories: offline)"
  cargo deny --all-features check --hide-inclusion-graph licenses bans sources
else
  skip_step "cargo-deny: not installed (scripts/install-deps.sh installs it)"
fi
say "fuzz targets type-check (stable)"
cargo check -q --manifest-path fuzz/Cargo.toml --bins
if cargo +nightly fuzz --version >/dev/null 2>&1; then
  say "fuzz smoke: every target ${FUZZ_SECONDS:-10} s on its committed corpus (scripts/fuzz-smoke.sh)"
  scripts/fuzz-smoke.sh
else
  skip_step "fuzz smoke: no nightly toolchain or cargo-fuzz (scripts/install-deps.sh installs them)"
fi
say "no async runtime in the binary's dependency tree"
for f in "" "--features tls"; do
  # shellcheck disable=SC2086
  if cargo tree -e normal $f | grep -Eq '(^|[ ─])(tokio|async-std|smol) v'; then
    cargo tree -e normal $f -i tokio 2>/dev/null | head -20
    say "FAIL: an async runtime is in the dependency tree ($f)"; exit 1
  fi
done

LAB_STARTED=0 ZOO_STARTED=0 FARM_STARTED=0
if [ "$(id -u)" = 0 ]; then
  if scripts/lab/lab-status.sh -q; then say "lab already up (left up afterwards)"
  else say "lab up"; flock -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh; LAB_STARTED=1; fi
  # the vendor zoo (tests/it/lab_zoo*.rs): a bridge and subnet of its own beside the lab
  if scripts/lab/zoo-status.sh -q; then say "zoo already up (left up afterwards)"
  else say "zoo up"; flock -o /tmp/camera-detector-zoo.lock scripts/lab/zoo-up.sh; ZOO_STARTED=1; fi
  # the camera farm at CI size (tests/it/lab_farm.rs): 50 cameras on a /22 of their own
  if scripts/lab/farm-status.sh -q; then say "farm already up (left up afterwards)"
  else say "farm up (50 cameras)"; FARM_N=50 flock -o /tmp/camera-detector-farm.lock scripts/lab/farm-up.sh; FARM_STARTED=1; fi
fi
# A lab that breaks mid-run is rebuilt by the next test that needs it (scripts/lab/lab-up.sh
# --if-down), which kills whatever ran in it: the reasons are shown at the end.
: > scripts/lab/rebuilds.log
cleanup() {
  skipped_tests
  if [ -s scripts/lab/rebuilds.log ]; then
    say "the lab was rebuilt during this run:"; sed 's/^/  /' scripts/lab/rebuilds.log; fi
  if [ $LAB_STARTED = 1 ]; then say "lab down"; scripts/lab/lab-down.sh --quiet || true; fi
  if [ $ZOO_STARTED = 1 ]; then say "zoo down"; scripts/lab/zoo-down.sh --quiet || true; fi
  if [ $FARM_STARTED = 1 ]; then say "farm down"; scripts/lab/farm-down.sh --quiet || true; fi
}
trap cleanup EXIT

# Most tests wait on brokers and timers, not the CPU: run more of them at once than cores.
say "tests (default features)"
cargo nextest run --no-fail-fast --test-threads 6 "$@"
say "tests (tls feature: TLS tests + the rest again with the TLS build)"
cargo nextest run --no-fail-fast --test-threads 6 --features tls -E 'test(tls) | test(service_process)' "$@"
say "bench smoke (BENCH_QUICK=1: small counts; the numbers in docs/performance.md come from a full run)"
BENCH_QUICK=1 cargo bench --bench publish
if [ "$(id -u)" = 0 ]; then
  say "scan bench smoke (namespaces of its own) and one discovery pass of the lab"
  BENCH_QUICK=1 cargo bench --bench scan
  RUNS=1 scripts/bench/discovery.sh
fi
if [ "$(id -u)" = 0 ] && [ "${RELEASE_SMOKE:-1}" = 1 ]; then
  say "release smoke: x86_64 + aarch64 musl, no TLS (cargo-zigbuild, dist profile), checked under qemu"
  T1=$SECONDS
  TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl" FLAVOURS=plain OUT=target/dist/out/ci \
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} scripts/release.sh
  scripts/release-check.sh target/dist/out/ci
  say "release smoke took $((SECONDS - T1)) s"
  if [ "${IMAGE_CHECK:-1}" = 1 ]; then
    if command -v buildah >/dev/null && command -v podman >/dev/null && command -v skopeo >/dev/null; then
      say "images: amd64, arm64, arm/v7 from scratch (scripts/image.sh), tried in the lab (scripts/image-check.sh)"
      T1=$SECONDS
      CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} scripts/image.sh
      scripts/image-check.sh
      say "images took $((SECONDS - T1)) s"
    else
      skip_step "image check: no buildah/podman/skopeo (scripts/install-deps.sh --image installs them)"
    fi
  fi
fi
say "done in $((SECONDS - T0)) s"
