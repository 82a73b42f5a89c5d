#!/usr/bin/env bash
# bench/discovery.sh — the discovery numbers of issue 3, measured against the lab's real peers:
# runs `camera-detector scan` RUNS times (default 5) inside the lab's detector namespace with every
# lab credential configured (never the right one first) and prints, per run and as medians: wall
# time, cameras and streams found, RTSP requests, RTSP failed logins, ONVIF requests, scan time —
# and the ratios to the original service (3 of 6 cameras in 27 s, ~415 RTSP opens per discovery).
# Usage (root): scripts/bench/discovery.sh [--release]     RUNS=10 scripts/bench/discovery.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5}
PROFILE=debug
if [ "${1:-}" = --release ]; then PROFILE=release; cargo build -q --release; else cargo build -q; fi
BIN=$ROOT/target/$PROFILE/camera-detector
[ "$(id -u)" = 0 ] || { echo "bench-discovery: needs root (the lab uses network namespaces)" >&2; exit 2; }
flock -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh --if-down >/dev/null
LAB_JSON=scripts/lab/run/lab.json
NS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detector"]["ns"])' "$LAB_JSON")
CREDS=$(python3 scripts/lab/lab-credentials.py --rotate "$LAB_JSON")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for i in $(seq 1 "$RUNS"); do
  # The detector only ever starts inside the lab namespace (checked by the shell it runs in).
  ip netns exec "$NS" sh -c '[ "$(ip netns identify $$)" = "$0" ] || { echo "not in $0" >&2; exit 97; }; exec "$@"' \
    "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CAMERA_CREDENTIALS="$CREDS" LOG_LEVEL=ERROR "$BIN" scan --json \
    >"$OUT/run$i.json"
done
python3 - "$OUT" "$RUNS" "$PROFILE" <<'PY'
import json, statistics, sys
out, runs, profile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for i in range(1, runs + 1):
    r = json.load(open(f"{out}/run{i}.json"))
    s = r["stats"]
    cams = r["cameras"]
    streams = sum(1 for c in cams for k in ("main", "sub") if c.get(k))
    rows.append(dict(wall_s=s["elapsed_ms"] / 1000, work_done_s=s["work_done_ms"] / 1000, cameras=len(cams), streams=streams,
                     rtsp_requests=s["rtsp_requests"], failed_logins=s["rtsp_failed_logins"],
                     onvif_requests=s["onvif_requests"], onvif_auth_failures=s["onvif_auth_failures"],
                     scan_ms=s["scan_ms"], connects=s["connects"]))
    print("run %d: %s" % (i, " ".join(f"{k}={v}" for k, v in rows[-1].items())))
med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
print(f"median of {runs} ({profile} build): " + " ".join(f"{k}={v}" for k, v in med.items()))
print(f"vs the original (3 of 6 cameras in 27 s, ~415 RTSP opens): wall {27 / med['wall_s']:.1f}x faster, "
      f"RTSP requests {415 / max(med['rtsp_requests'], 1):.1f}x fewer (goal: wall <= 6 s, requests <= 83)")
PY
