#!/usr/bin/env bash
# fuzz-smoke.sh — builds every cargo-fuzz target (nightly, ASan) and runs each for a few
# seconds on its committed corpus, as CI does (scripts/test.sh). New inputs go to a temporary
# directory, never into fuzz/corpus/; a crash leaves its input in fuzz/artifacts/<target>/
# and fails the script.
# Usage: scripts/fuzz-smoke.sh [target...]        default: every target of fuzz/Cargo.toml
#   FUZZ_SECONDS=10   seconds per target
# Needs the nightly toolchain and cargo-fuzz (scripts/install-deps.sh installs both).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECS=${FUZZ_SECONDS:-10}
say() { printf 'fuzz-smoke: %s\n' "$*"; }

mapfile -t TARGETS < <(cargo +nightly fuzz list)
[ $# -gt 0 ] && TARGETS=("$@")
T0=$SECONDS
cargo +nightly fuzz build
say "build $((SECONDS - T0)) s"
NEW=$(mktemp -d); trap 'rm -rf "$NEW"' EXIT
for t in "${TARGETS[@]}"; do
  t1=$SECONDS
  mkdir -p "$NEW/$t"
  # One fuzzer process at a time, in the foreground (no -jobs/-workers/-fork: libFuzzer's
  # -jobs=1 would still spawn a child and send its output to ./fuzz-0.log).
  if ! out=$(cargo +nightly fuzz run "$t" "$NEW/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=1024 -timeout=10 2>&1); then
    printf '%s\n' "$out" | tail -n 40 >&2
    say "FAIL: $t (input in fuzz/artifacts/$t/)"; exit 1
  fi
  say "$t ok ($((SECONDS - t1)) s: $(printf '%s\n' "$out" | grep -E '^#[0-9]+' | tail -1 | awk '{print $1, $3, $4, $5, $6}'))"
done
say "done in $((SECONDS - T0)) s"
