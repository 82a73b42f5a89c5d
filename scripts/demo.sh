#!/usr/bin/env bash
# demo.sh — see the detector work, safely: installs what is missing, starts the network lab
# (namespaces on a private bridge; nothing touches this machine's real network), runs the
# service inside the lab's detector namespace against the lab's broker, and prints what it
# publishes. Stops everything it started on Ctrl-C or after DEMO_SECONDS (default 120).
# Until discovery lands (issue 3) the service publishes its health and availability only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "demo.sh: must run as root (the lab uses ip netns)" >&2; exit 1; }
SECS=${DEMO_SECONDS:-120}
scripts/install-deps.sh
cargo build --release --quiet
LAB_STARTED=0
scripts/lab/lab-status.sh -q || { scripts/lab/lab-up.sh; LAB_STARTED=1; }
BROKER=$(python3 -c 'import json;print(json.load(open("scripts/lab/run/lab.json"))["mqtt"]["host"])')
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ $LAB_STARTED = 1 ] && scripts/lab/lab-down.sh --quiet
  echo "demo.sh: stopped"
}
trap cleanup EXIT INT TERM
ip netns exec lab-det mosquitto_sub -h "$BROKER" -t '#' -v & pids+=($!)
MQTT_BROKER=$BROKER HEALTH_REPORT_INTERVAL=10 ip netns exec lab-det sh -c '[ "$(ip netns identify $$)" = lab-det ] || exit 97; exec "$0"' \
  target/release/camera-detector & pids+=($!)
echo "demo.sh: running for ${SECS}s (Ctrl-C stops)"
sleep "$SECS"
