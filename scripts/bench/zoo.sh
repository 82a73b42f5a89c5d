#!/usr/bin/env bash
# bench/zoo.sh — issue 12's numbers against cameras the project was never tuned to: runs
# `camera-detector scan` with default settings RUNS times (default 5) inside the vendor zoo's
# detector namespace, with every zoo credential in CAMERA_CREDENTIALS in a different shuffled
# order each run, and prints per run and as medians: wall time, zoo cameras found (by MAC),
# streams found (by URL, credential markers filled with the reported login), RTSP requests and
# their mean per zoo camera, failed logins, and the slowest host.
# Usage (root): scripts/bench/zoo.sh [--release]     RUNS=10 scripts/bench/zoo.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5}
PROFILE=debug
if [ "${1:-}" = --release ]; then PROFILE=release; cargo build -q --release; else cargo build -q; fi
BIN=$ROOT/target/$PROFILE/camera-detector
[ "$(id -u)" = 0 ] || { echo "bench-zoo: needs root (the zoo uses network namespaces)" >&2; exit 2; }
flock -o /tmp/camera-detector-zoo.lock scripts/lab/zoo-up.sh --if-down >/dev/null
TRUTH=scripts/lab/zoo-run/zoo.json
NS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detector"]["ns"])' "$TRUTH")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for i in $(seq 1 "$RUNS"); do
  CREDS=$(python3 - "$TRUTH" "$i" <<'PY'
import json, random, sys
z = json.load(open(sys.argv[1]))
pairs = [(c["user"], c["pass"]) for c in z["credentials"]]
random.Random(int(sys.argv[2])).shuffle(pairs)
print(",".join(f"{u}:{p}" for u, p in pairs))
PY
)
  printf '%s' "$CREDS" > "$OUT/creds$i"
  # The detector only ever starts inside the zoo's namespace (checked by the shell it runs in).
  ip netns exec "$NS" sh -c '[ "$(ip netns identify $$)" = "$0" ] || { echo "not in $0" >&2; exit 97; }; exec "$@"' \
    "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CAMERA_CREDENTIALS="$CREDS" LOG_LEVEL=ERROR "$BIN" scan --json \
    >"$OUT/run$i.json"
done
python3 - "$OUT" "$RUNS" "$PROFILE" "$TRUTH" <<'PY'
import json, statistics, sys, urllib.parse
out, runs, profile, truth = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.load(open(sys.argv[4]))
cams = truth["cameras"]
n_streams = sum(len(c["streams"]) for c in cams)

def norm(url):
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1]
    if ":" not in host:
        host += ":554"
    return host + "/" + urllib.parse.unquote(path)

rows = []
for i in range(1, runs + 1):
    r = json.load(open(f"{out}/run{i}.json"))
    creds = [p.split(":", 1) for p in open(f"{out}/creds{i}").read().split(",")]
    by_mac = {c["mac"]: c for c in r["cameras"] if c.get("mac")}
    found = streams = 0
    for c in cams:
        got = by_mac.get(c["mac"])
        if not got:
            continue
        found += 1
        k = got.get("credential_index")
        user, pw = creds[k] if k is not None else ("", "")
        for st in c["streams"]:
            rep = (got.get(st["role"]) or {}).get("url", "")
            rep = rep.replace("[USERNAME]", user).replace("[PASSWORD]", pw)
            streams += rep != "" and norm(rep) == norm(st["url"])
    s = r["stats"]
    rows.append(dict(wall_s=s["elapsed_ms"] / 1000, cameras=found, streams=streams,
                     rtsp_requests=s["rtsp_requests"], per_camera=round(s["rtsp_requests"] / len(cams), 1),
                     failed_logins=s["rtsp_failed_logins"], slowest_host_s=s.get("slowest_host_ms", 0) / 1000))
    print(f"run {i}: " + " ".join(f"{k}={v}" for k, v in rows[-1].items()) + f" slowest={s.get('slowest_host')}")
med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
print(f"median of {runs} ({profile} build; zoo of {len(cams)} cameras, {n_streams} streams): "
      + " ".join(f"{k}={v}" for k, v in med.items()))
print(f"goals: 100 % found ({len(cams)}/{n_streams}), wall <= 10 s with RTSP_TIMEOUT=10")
PY
