#!/usr/bin/env bash
# bench/scale.sh — issue 15's numbers: one full `camera-detector scan` pass (default settings,
# the farm's two logins) of a camera farm of N cameras (scripts/lab/farm-up.sh, 10.79.0.0/22),
# for each N in SCALE_N, plus one pass over an empty routed /16 (10.80.0.0/16: routed to the
# farm's dead-end router, nothing answers). Prints a markdown table: wall, CPU-s, peak RSS
# (/usr/bin/time -v), peak threads and fds (/proc, every 20 ms), RTSP and ONVIF requests per
# camera (counted by the farm's peers), cameras and streams found vs the farm's ground truth,
# and anything reported that is not a farm camera.
# Goals (issue 15): N=250 ≤ 6 s and ≤ 16 MiB; N=1000 ≤ 15 s and ≤ 32 MiB; no thread per camera.
# Usage (root): scripts/bench/scale.sh [--debug]     SCALE_N="10 50" scripts/bench/scale.sh
#   SCALE_EMPTY=0 leaves the empty /16 out; SCALE_KEEP=1 leaves the last farm up;
#   SCALE_SERVICE_N=0 leaves the service out; STEADY_SECONDS=60 shortens its steady window.
# Then the service (scale_service.py): the release binary in service mode, defaults, against a
# private mosquitto on lab-fdet's loopback, on a farm of SCALE_SERVICE_N (default 250; 0 skips):
# first and last camera retained, the first pass, then STEADY_SECONDS (default 600) of steady
# running (CPU, RSS, threads, fds, requests to the farm), the retained health messages and the
# Frigate file.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "bench-scale: needs root (the farm uses network namespaces)" >&2; exit 2; }
PROFILE=release
if [ "${1:-}" = --debug ]; then PROFILE=debug; cargo build -q; else cargo build -q --release; fi
BIN=$ROOT/target/$PROFILE/camera-detector
RUN=${FARM_RUN:-$ROOT/scripts/lab/farm-run}
LOCK=/tmp/camera-detector-farm.lock
echo "bench-scale: $PROFILE build, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at start, $(date -u +%FT%TZ)"
echo
echo "| N | found | wall | CPU-s | peak RSS MiB | threads | fds | RTSP req/camera | ONVIF req/ONVIF camera | not in truth |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in ${SCALE_N:-10 50 250 1000}; do
  flock -o "$LOCK" env FARM_N="$n" scripts/lab/farm-up.sh > /dev/null
  flock -o "$LOCK" python3 scripts/bench/scale_pass.py "$BIN" "$RUN" "$n"
done
if [ "${SCALE_SERVICE_N:-250}" != 0 ]; then
  echo
  flock -o "$LOCK" env FARM_N="${SCALE_SERVICE_N:-250}" scripts/lab/farm-up.sh > /dev/null
  flock -o "$LOCK" python3 scripts/bench/scale_service.py "$BIN" "$RUN" "${STEADY_SECONDS:-600}"
  echo
fi
if [ "${SCALE_EMPTY:-1}" = 1 ]; then
  # A farm of one camera that answers no WS-Discovery: the pass meets nothing at all.
  flock -o "$LOCK" env FARM_N=1 scripts/lab/farm-up.sh > /dev/null
  flock -o "$LOCK" python3 scripts/bench/scale_pass.py "$BIN" "$RUN" "empty routed /16" 10.80.0.0/16
fi
echo
echo "bench-scale: load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
[ "${SCALE_KEEP:-0}" = 1 ] || flock -o "$LOCK" scripts/lab/farm-down.sh --quiet
