#!/usr/bin/env bash
# demo.sh — see the detector work, safely: installs what is missing, starts the network lab
# (namespaces on a private bridge; nothing touches this machine's real network), runs the
# service inside the lab's detector namespace against the lab's broker with the lab's camera
# credentials, prints what it publishes (mosquitto_sub) and, after the first discovery, the
# Frigate file it wrote. Stops everything it started on Ctrl-C or after DEMO_SECONDS
# (default 120); the lab is taken down again if this script brought it up.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "demo.sh: must run as root (the lab uses ip netns)" >&2; exit 1; }
SECS=${DEMO_SECONDS:-120}
scripts/install-deps.sh
cargo build --release --quiet
LAB_STARTED=0
scripts/lab/lab-status.sh -q || { flock -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh; LAB_STARTED=1; }
LAB_JSON=scripts/lab/run/lab.json
BROKER=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["mqtt"]["host"])' "$LAB_JSON")
CREDS=$(python3 scripts/lab/lab-credentials.py "$LAB_JSON")
WORK=$(mktemp -d /tmp/camera-detector-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $LAB_STARTED = 1 ]; then scripts/lab/lab-down.sh --quiet; fi
  rm -rf "$WORK"
  echo "demo.sh: stopped"
}
trap cleanup EXIT INT TERM
ip netns exec lab-det mosquitto_sub -h "$BROKER" -t 'camera/#' -t 'system/#' -t 'frigate/#' -v \
  | cut -c1-240 & pids+=($!)
# The detector starts only inside the lab namespace (checked by the shell it runs in).
ip netns exec lab-det env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MQTT_BROKER="$BROKER" \
  CAMERA_CREDENTIALS="$CREDS" FRIGATE_CONFIG_PATH="$WORK/frigate/cameras.yml" \
  STATE_PATH="$WORK/state.json" HEALTH_REPORT_INTERVAL=10 LOG_LEVEL=INFO \
  sh -c '[ "$(ip netns identify $$)" = lab-det ] || exit 97; exec "$0"' \
  target/release/camera-detector & pids+=($!)
echo "demo.sh: running for ${SECS}s (Ctrl-C stops)"
for _ in $(seq 1 "$SECS"); do
  if [ -f "$WORK/frigate/cameras.yml" ] && [ ! -f "$WORK/shown" ]; then
    echo "demo.sh: ---- the Frigate file ($WORK/frigate/cameras.yml) ----"
    cat "$WORK/frigate/cameras.yml"; touch "$WORK/shown"
  fi
  sleep 1
done
