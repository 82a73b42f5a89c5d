#!/usr/bin/env bash
# image-check.sh — tries the images of scripts/image.sh in the lab (issue 17):
#   1. the multi-arch index lists linux/amd64, linux/arm64 and linux/arm/v7; the arm64 and
#      arm images' binaries (taken from their layers) are static and answer --version under
#      qemu-aarch64 / qemu-arm (no binfmt registration: that would change the whole machine)
#   2. podman loads the amd64 OCI archive and runs it (finding the flags this machine needs:
#      crun/runc, cgroup manager and rlimits, tried in turn with `--version`)
#   3. a private mosquitto on 127.0.0.1:<free port> inside the lab's detector namespace (the
#      shared lab broker is never stopped); the tarball's binary, then the container (podman
#      --network ns:/run/netns/<detector ns>, user 10001, cap_drop ALL + NET_RAW, read-only
#      root) each run the service there: every camera of lab.json must be retained on the
#      broker (start-to-first-camera and idle RSS measured for both)
#   4. in the container: CAP_NET_RAW effective (raised by src/caps.rs) and nothing else;
#      `camera-detector health` (podman exec) healthy, unhealthy once the broker is stopped,
#      healthy again after it is back; SIGTERM (podman stop) publishes offline within 2 s
# Usage (root, lab up or startable): scripts/image-check.sh [DIR]   DIR: target/image/VERSION
# Every wait is bounded; prints one line per check and the numbers; exits 1 if any failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'image-check: %s\n' "$*"; }
die() { printf 'image-check: %s\n' "$*" >&2; exit 1; }

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
DIR=${1:-$ROOT/target/image/$VERSION}
NAME=camera-detector-$VERSION
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, podman)"
for c in podman mosquitto mosquitto_sub qemu-aarch64 qemu-arm readelf python3 ip; do
  command -v "$c" >/dev/null || die "no $c: run scripts/install-deps.sh --image"
done
for f in "$NAME.oci.tar" "$NAME-amd64.oci.tar" "$NAME-arm64.oci.tar" "$NAME-arm.oci.tar"; do
  [ -f "$DIR/$f" ] || die "no $DIR/$f: run scripts/image.sh $VERSION"
done

FAILED=0
fail() { say "FAIL: $*"; FAILED=$((FAILED + 1)); }
WORK=$(mktemp -d /tmp/cd-image-check.XXXXXX)
STORE=$ROOT/target/image/check-storage
RUNROOT=/run/camera-detector-image-check
P=(podman --root "$STORE" --runroot "$RUNROOT" --storage-driver vfs)
CTR=cd-image-check-$$
BROKER_PID=; BARE_PID=; SUB_PIDS=()
cleanup() {
  "${P[@]}" rm -f -t 2 "$CTR" >/dev/null 2>&1 || true
  local p
  for p in $BARE_PID $BROKER_PID "${SUB_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in $BARE_PID $BROKER_PID "${SUB_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The index and the foreign images, without running a container.
python3 scripts/image_layer.py platforms "$DIR/$NAME.oci.tar" >"$WORK/platforms" || fail "index unreadable"
plat=$(tr '\n' ' ' <"$WORK/platforms")
[ "$plat" = "linux/amd64 linux/arm64 linux/arm/v7 " ] && say "index: $plat" || fail "index lists '$plat'"
for a in arm64:qemu-aarch64 arm:qemu-arm; do
  arch=${a%%:*}; qemu=${a#*:}; bin=$WORK/bin-$arch
  python3 scripts/image_layer.py extract "$DIR/$NAME-$arch.oci.tar" usr/local/bin/camera-detector "$bin" \
    || { fail "$arch: no binary in the image"; continue; }
  chmod 755 "$bin"
  readelf -l "$bin" | grep -q INTERP && fail "$arch: binary not static"
  v=$(timeout 30 "$qemu" "$bin" --version 2>&1) || true
  [ "$v" = "camera-detector $VERSION" ] && say "$arch image: static, --version under $qemu ok" \
    || fail "$arch: --version under $qemu said '$v'"
done

# 2. Load the amd64 image; find how podman can run it here.
loaded=$("${P[@]}" load -q -i "$DIR/$NAME-amd64.oci.tar" 2>&1) || die "podman load: $loaded"
IMAGE=${loaded##*: }
RUNFLAGS=()
# Tried in turn: podman's defaults; explicit rlimits (the defaults may exceed what this
# sandbox allows: RLIMIT_NPROC is refused above some value, so a few values going down);
# the same with runc and the cgroupfs manager (crun fails over hybrid cgroups).
nofile=$(ulimit -Hn)
tries=("")
for np in "$(ulimit -Hu)" 32768 4096 1024; do tries+=("--ulimit nofile=$nofile:$nofile --ulimit nproc=$np:$np"); done
for np in 4096 1024; do tries+=("--runtime runc --cgroup-manager cgroupfs --ulimit nofile=$nofile:$nofile --ulimit nproc=$np:$np"); done
for try in "${tries[@]}"; do
  read -r -a flags <<<"$try"
  out=$(timeout 60 "${P[@]}" run --rm --network none "${flags[@]}" "$IMAGE" --version 2>&1) || true
  if [ "$out" = "camera-detector $VERSION" ]; then RUNFLAGS=("${flags[@]}"); break; fi
  say "podman run with '${try:-defaults}' failed here: ${out##*$'\n'}"
done
[ "$out" = "camera-detector $VERSION" ] || die "podman cannot run the image here"
say "podman runs the image with: ${RUNFLAGS[*]:-defaults}"

# 3. The lab, a private broker in its detector namespace.
flock -w 300 -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh --if-down >/dev/null \
  || die "lab not up (lab-up.sh failed or its lock was busy for 300 s)"
LAB_JSON=scripts/lab/run/lab.json
NS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detector"]["ns"])' "$LAB_JSON")
[ -e "/run/netns/$NS" ] || die "no /run/netns/$NS"
CREDS=$(python3 scripts/lab/lab-credentials.py "$LAB_JSON")
MACS=$(python3 -c 'import json,sys; print(" ".join(sorted(c["mac"].replace(":","").lower() for c in json.load(open(sys.argv[1]))["cameras"])))' "$LAB_JSON")
NCAM=$(wc -w <<<"$MACS")
in_lab() {   # the shell checks it is in the detector namespace before it execs the command
  ip netns exec "$NS" sh -c '[ "$(ip netns identify $$)" = "$0" ] || { echo "not in $0" >&2; exit 97; }; exec "$@"' \
    "$NS" "$@"
}
in_lab_bg() {   # in_lab for `… &`: exec, so that $! is the command's own pid
  exec ip netns exec "$NS" sh -c '[ "$(ip netns identify $$)" = "$0" ] || { echo "not in $0" >&2; exit 97; }; exec "$@"' \
    "$NS" "$@"
}
free_port() {   # a TCP port nothing listens on in the namespace
  local p n
  for n in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    in_lab ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}
PORT=$(free_port); HPORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n' "$PORT" >"$WORK/broker.conf"
start_broker() {
  in_lab_bg mosquitto -c "$WORK/broker.conf" & BROKER_PID=$!
  local n
  for n in $(seq 1 50); do
    in_lab mosquitto_sub -h 127.0.0.1 -p "$PORT" -t x -W 1 -C 1 >/dev/null 2>&1; [ $? = 27 ] && return 0
    sleep 0.1
  done
  return 1
}
stop_broker() { kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; BROKER_PID=; }
start_broker || die "private broker did not start on 127.0.0.1:$PORT in $NS"
say "private broker 127.0.0.1:$PORT in $NS"

# subscribe PREFIX FILE: every message on the prefix, one line each: unix time, topic, payload
subscribe() {
  in_lab_bg mosquitto_sub -h 127.0.0.1 -p "$PORT" -v -t "$1/#" -W 300 -F '%U %t %p' >"$2" 2>/dev/null &
  SUB_PIDS+=($!)
}
# cameras_seen FILE T0: "N FIRST_S ALL_S" — lab cameras retained so far, seconds after T0
cameras_seen() {
  python3 - "$1" "$2" "$MACS" <<'PY'
import sys
want = set(sys.argv[3].split()); t0 = float(sys.argv[2]); first = last = None; seen = set()
for line in open(sys.argv[1], errors="replace"):
    parts = line.split(" ", 2)
    if len(parts) < 3 or "/camera/discovery/" not in parts[1]:
        continue
    cid = parts[1].rsplit("/", 1)[1]
    if cid in want and cid not in seen and len(parts[2].strip()) > 2:
        seen.add(cid); t = float(parts[0]) - t0
        first = t if first is None else first; last = t
print(len(seen), "%.2f" % first if first is not None else "-", "%.2f" % last if last is not None else "-")
PY
}
wait_cameras() {   # wait_cameras FILE T0 SECONDS: until every lab camera is retained
  local n r
  for n in $(seq 1 "$3"); do
    r=$(cameras_seen "$1" "$2"); [ "${r%% *}" = "$NCAM" ] && { echo "$r"; return 0; }
    sleep 1
  done
  echo "$r"; return 1
}
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
svc_env=(MQTT_BROKER=127.0.0.1 MQTT_PORT="$PORT" CAMERA_CREDENTIALS="$CREDS" STATE_PATH=
  HEALTH_HTTP_PORT="$HPORT" LOG_LEVEL=INFO)

# 3a. The tarball's binary, for comparison.
BARE=$WORK/bare; mkdir -p "$BARE"
tar -C "$BARE" -xzf "$DIR/dist/$NAME-x86_64-unknown-linux-musl.tar.gz"
pfx=imgbare$$; subscribe "$pfx" "$WORK/bare.sub"; sleep 0.3
t0=$EPOCHREALTIME
in_lab_bg env -i PATH=/usr/bin:/bin "${svc_env[@]}" MQTT_TOPIC_PREFIX="$pfx" BALENA_DEVICE_UUID="$pfx" \
  FRIGATE_CONFIG_PATH="$BARE/cameras.yml" "$BARE/$NAME-x86_64-unknown-linux-musl/camera-detector" \
  >"$WORK/bare.log" 2>&1 & BARE_PID=$!
if r=$(wait_cameras "$WORK/bare.sub" "$t0" 120); then
  sleep 3; bare_rss=$(rss_kib "$BARE_PID")
  read -r _ bare_first bare_all <<<"$r"
  say "tarball binary: first camera after $bare_first s, all $NCAM after $bare_all s, RSS $bare_rss KiB"
else
  fail "tarball binary: only '$r' of $NCAM cameras in 120 s: $(tail -n 2 "$WORK/bare.log")"
fi
kill "$BARE_PID"; wait "$BARE_PID" 2>/dev/null || true; BARE_PID=

# 3b. The container.
install -d -o 10001 -g 10001 "$WORK/data" "$WORK/frigate"
pfx=imgctr$$; subscribe "$pfx" "$WORK/ctr.sub"; sleep 0.3
env_args=(); for e in "${svc_env[@]}" MQTT_TOPIC_PREFIX="$pfx" BALENA_DEVICE_UUID="$pfx"; do env_args+=(--env "$e"); done
t0=$EPOCHREALTIME
"${P[@]}" run -d --name "$CTR" "${RUNFLAGS[@]}" --network "ns:/run/netns/$NS" \
  --cap-drop ALL --cap-add NET_RAW --read-only --log-driver k8s-file \
  -v "$WORK/data:/data" -v "$WORK/frigate:/config/frigate" "${env_args[@]}" "$IMAGE" >/dev/null \
  || die "podman run failed"
cpid=$("${P[@]}" inspect -f '{{.State.Pid}}' "$CTR")
# never discovery outside the lab: the container's network namespace must be the detector's
if [ "$(stat -L -c %i "/proc/$cpid/ns/net")" != "$(stat -L -c %i "/run/netns/$NS")" ]; then
  "${P[@]}" rm -f -t 0 "$CTR" >/dev/null 2>&1; die "container not in $NS: stopped"
fi
if r=$(wait_cameras "$WORK/ctr.sub" "$t0" 120); then
  read -r _ ctr_first ctr_all <<<"$r"
  say "container: all $NCAM lab cameras retained; first after $ctr_first s, all after $ctr_all s"
else
  fail "container: only '$r' of $NCAM cameras in 120 s: $("${P[@]}" logs "$CTR" 2>&1 | tail -n 3)"
fi
st=/proc/$cpid/status
uid=$(awk '/^Uid:/{print $2}' "$st"); capeff=$(awk '/^CapEff:/{print $2}' "$st")
[ "$uid" = 10001 ] || fail "container runs as uid $uid, not 10001"
[ "$capeff" = 0000000000002000 ] || fail "container CapEff $capeff, want CAP_NET_RAW alone (0000000000002000)"
"${P[@]}" logs "$CTR" 2>&1 | grep -q "CAP_NET_RAW raised" || fail "no 'CAP_NET_RAW raised' in the container's log"
"${P[@]}" logs "$CTR" 2>&1 | grep -q "no permission for raw packets" && fail "container: raw ARP refused"
say "container: uid $uid, CapEff $capeff (CAP_NET_RAW only, raised at start)"

health() { timeout 15 "${P[@]}" exec "$CTR" /usr/local/bin/camera-detector health 2>&1; }
wait_health() {   # wait_health WANT(0|1) SECONDS: until `camera-detector health` exits WANT
  local n rc
  for n in $(seq 1 "$2"); do
    rc=0; HEALTH_LINE=$(health) || rc=$?
    [ "$rc" = "$1" ] && return 0
    sleep 1
  done
  return 1
}
wait_health 0 60 && say "health: $HEALTH_LINE" || fail "not healthy within 60 s: $HEALTH_LINE"
sleep 3; ctr_rss=$(rss_kib "$cpid")
say "container idle RSS $ctr_rss KiB (tarball binary ${bare_rss:-?} KiB)"
stop_broker; tb=$EPOCHREALTIME
if wait_health 1 60; then
  say "broker stopped: unhealthy after $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $tb}") s: $HEALTH_LINE"
else
  fail "still healthy 60 s after the broker stopped: $HEALTH_LINE"
fi
start_broker || die "private broker did not restart"
subscribe "$pfx" "$WORK/stop.sub"
wait_health 0 90 && say "broker back: healthy again" || fail "not healthy 90 s after the broker came back: $HEALTH_LINE"
sleep 1
ts=$EPOCHREALTIME
"${P[@]}" stop -t 10 "$CTR" >/dev/null; te=$EPOCHREALTIME
off=$(awk -v t="$ts" '$2 ~ /\/lwt$/ && $0 ~ /offline/ {printf "%.2f", $1 - t; exit}' "$WORK/stop.sub")
code=$("${P[@]}" inspect -f '{{.State.ExitCode}}' "$CTR")
stop_s=$(awk "BEGIN{printf \"%.2f\", $te - $ts}")
if [ -n "$off" ] && awk "BEGIN{exit !($off <= 2.0)}"; then
  say "SIGTERM: offline published after $off s, container gone after $stop_s s, exit $code"
else
  fail "SIGTERM: offline '${off:-never}' (want ≤ 2 s), stop took $stop_s s, exit $code"
fi
[ "$code" = 0 ] || fail "container exit code $code after SIGTERM"

say "numbers: first camera tarball ${bare_first:-?} s / container ${ctr_first:-?} s; all $NCAM: ${bare_all:-?} s / ${ctr_all:-?} s; RSS ${bare_rss:-?} / ${ctr_rss:-?} KiB"
[ $FAILED = 0 ] && say "all checks passed" || { say "$FAILED check(s) FAILED"; exit 1; }
