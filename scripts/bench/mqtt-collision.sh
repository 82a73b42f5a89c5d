#!/usr/bin/env bash
# bench/mqtt-collision.sh — the client-id collision numbers of issue 13: two processes of BIN
# (default: this tree's debug build) with the same node id against a mosquitto of its own on a
# free 127.0.0.1 port, for SECS (default 60) seconds, discovery off. Prints, per process:
# connects a minute (its "mqtt connected" log lines), CPU seconds a minute (/proc), log lines a
# minute; and the retained LWT messages (all, and `offline`) a minute. Any binary of this
# project works (e.g. one built from an older commit), so before/after use the same harness.
# Usage: scripts/bench/mqtt-collision.sh [BIN]        SECS=120 scripts/bench/mqtt-collision.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-}
if [ -z "$BIN" ]; then (cd "$ROOT" && cargo build -q); BIN=$ROOT/target/debug/camera-detector; fi
SECS=${SECS:-60}
WORK=$(mktemp -d /tmp/cd-collision-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$WORK/m.conf"
mosquitto -c "$WORK/m.conf" >/dev/null 2>&1 & PIDS+=($!)
for _ in $(seq 50); do nc -z 127.0.0.1 "$PORT" 2>/dev/null && break; sleep 0.1; done
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'system/camera_detector_health/twin/lwt' -F '%p' > "$WORK/lwt" & PIDS+=($!)
sleep 0.5
TWINS=()
for n in 1 2; do
  env -i DISCOVERY_ENABLED=false MQTT_BROKER=127.0.0.1 MQTT_PORT="$PORT" BALENA_DEVICE_UUID=twin \
    HEALTH_HTTP_PORT=0 STATE_PATH= LOG_LEVEL=INFO "$BIN" 2>"$WORK/twin$n.log" >/dev/null & TWINS+=($!); PIDS+=($!)
done
sleep "$SECS"
tck=$(getconf CLK_TCK)
for i in 0 1; do
  pid=${TWINS[$i]}; n=$((i + 1))
  cpu=$(awk -v t="$tck" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$pid/stat")
  conn=$(grep -c 'mqtt connected to' "$WORK/twin$n.log" || true)
  lines=$(wc -l < "$WORK/twin$n.log")
  warn=$(grep -c 'another client is using client id' "$WORK/twin$n.log" || true)
  awk -v n="$n" -v c="$conn" -v cpu="$cpu" -v l="$lines" -v w="$warn" -v s="$SECS" 'BEGIN {
    m = s / 60; printf "twin %d: %.0f connects/min, %.2f CPU-s/min, %.0f log lines/min, %d collision lines\n", n, c / m, cpu / m, l / m, w }'
done
all=$(wc -l < "$WORK/lwt"); off=$(grep -c offline "$WORK/lwt" || true)
awk -v a="$all" -v o="$off" -v s="$SECS" 'BEGIN { m = s / 60; printf "LWT: %.0f messages/min, %.0f offline/min (%d s run)\n", a / m, o / m, s }'
