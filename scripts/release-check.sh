#!/usr/bin/env bash
# release-check.sh — checks the tarballs scripts/release.sh made, against the lab's real cameras:
#   1. SHA256SUMS of the tarballs, and of the files inside each tarball; every file present
#   2. binary size within budget (3 MiB without TLS, 8 MiB with); musl binaries static; the
#      armv7 gnueabihf binary needs no glibc symbol newer than 2.17
#   3. `camera-detector --version` — natively (x86_64), under qemu-aarch64 / qemu-arm (foreign)
#   4. `camera-detector scan --json` (under qemu for the foreign ones) inside the lab's detector
#      namespace: every camera of lab.json must be found (by IP and MAC)
#   5. idle RSS of the x86_64 musl binary without TLS: the service connected to the lab broker,
#      DISCOVERY_ENABLED=false, VmRSS after 5 s (budget 4 MiB)
# Usage (root; needs scripts/install-deps.sh --release and the lab):
#        scripts/release-check.sh [DIR]        DIR defaults to target/dist/out/<Cargo.toml version>
#        ONLY=x86_64-unknown-linux-musl scripts/release-check.sh     tarballs whose name has ONLY
# Prints one line per check and a summary; exits 1 if any check failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'release-check: %s\n' "$*"; }
die() { printf 'release-check: %s\n' "$*" >&2; exit 1; }

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
DIR=${1:-${DIST_TARGET_DIR:-$ROOT/target/dist}/out/$VERSION}
ONLY=${ONLY:-}
SCAN_TIMEOUT=${SCAN_TIMEOUT:-120}   # one pass: ~5 s natively, more under qemu
MIB=$((1024 * 1024))
RSS_BUDGET_KIB=4096
ARMHF_SYSROOT=/usr/arm-linux-gnueabihf   # Debian's libc6-armhf-cross

[ "$(id -u)" = 0 ] || die "needs root (the lab uses network namespaces)"
[ -f "$DIR/SHA256SUMS" ] || die "no $DIR/SHA256SUMS: run scripts/release.sh first"
for c in qemu-aarch64 qemu-arm readelf mosquitto_sub python3; do
  command -v "$c" >/dev/null || die "no $c: run scripts/install-deps.sh --release"
done
[ -e "$ARMHF_SYSROOT/lib/ld-linux-armhf.so.3" ] || die "no armhf glibc in $ARMHF_SYSROOT: run scripts/install-deps.sh --release"

flock -w 300 -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh --if-down >/dev/null \
  || die "lab not up (lab-up.sh failed or its lock was busy for 300 s)"
LAB_JSON=scripts/lab/run/lab.json
NS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detector"]["ns"])' "$LAB_JSON")
CREDS=$(python3 scripts/lab/lab-credentials.py "$LAB_JSON")
WORK=$(mktemp -d)
SVC_PID=
cleanup() {
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

FAILED=0
fail() { say "FAIL: $*"; FAILED=$((FAILED + 1)); }

# Runs "$@" as the lab's detector host: the shell started by `ip netns exec` checks it really is
# in that namespace before it execs the command (never a scan on the machine's own network).
in_lab() {
  ip netns exec "$NS" sh -c '[ "$(ip netns identify $$)" = "$0" ] || { echo "not in $0" >&2; exit 97; }; exec "$@"' \
    "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

(cd "$DIR" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS of the tarballs"
SUMMARY=()
shopt -s nullglob
tarballs=("$DIR"/camera-detector-*.tar.gz)
[ ${#tarballs[@]} -gt 0 ] || die "no tarballs in $DIR"
for tgz in "${tarballs[@]}"; do
  name=$(basename "$tgz" .tar.gz)
  [[ -z $ONLY || $name == *"$ONLY"* ]] || continue
  target=${name#camera-detector-*-}; target=${target%-tls}
  # the version may hold dashes: take the target from the known list instead
  for t in x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-gnueabihf; do
    [[ $name == *"-$t" || $name == *"-$t-tls" ]] && target=$t
  done
  budget=$((3 * MIB)); [[ $name == *-tls ]] && budget=$((8 * MIB))
  tar -C "$WORK" -xzf "$tgz"
  d=$WORK/$name
  [ -d "$d" ] || { fail "$name: no top directory $name/"; continue; }
  for f in camera-detector README.md LICENSE LICENSE-MIT LICENSE-APACHE camera-detector.env \
    camera-detector.service camera-detector.sysusers SHA256SUMS docs/configuration.md; do
    [ -f "$d/$f" ] || fail "$name: $f missing"
  done
  (cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "$name: SHA256SUMS inside"
  bin=$d/camera-detector
  bytes=$(stat -c %s "$bin")
  [ "$bytes" -le "$budget" ] || fail "$name: binary $bytes bytes > budget $budget"

  case $target in
    x86_64-*) run=() ;;
    aarch64-*) run=(qemu-aarch64) ;;
    armv7-*) run=(qemu-arm -L "$ARMHF_SYSROOT") ;;
    *) fail "$name: unknown target $target"; continue ;;
  esac
  if [[ $target == *musl ]]; then
    readelf -l "$bin" | grep -q INTERP && fail "$name: not static (has an ELF interpreter)"
  else
    newest=$(readelf -W --version-info "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
    [ "$(printf '%s\n' "$newest" GLIBC_2.17 | sort -V | tail -1)" = GLIBC_2.17 ] \
      || fail "$name: needs $newest (> GLIBC_2.17)"
    say "$name: newest glibc symbol version $newest"
  fi

  v=$(timeout 30 "${run[@]}" "$bin" --version 2>&1) || true
  [ "$v" = "camera-detector $VERSION" ] || fail "$name: --version said '$v'"

  t0=$EPOCHREALTIME
  rc=0
  in_lab CAMERA_CREDENTIALS="$CREDS" LOG_LEVEL=ERROR timeout "$SCAN_TIMEOUT" "${run[@]}" "$bin" scan --json \
    >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  wall=$(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}")
  if [ $rc != 0 ]; then fail "$name: scan exited $rc: $(tail -n 3 "$WORK/$name.err")"; continue; fi
  found=$(python3 - "$LAB_JSON" "$WORK/$name.json" <<'PY'
import json, sys
lab = json.load(open(sys.argv[1])); scan = json.load(open(sys.argv[2]))
got = {(c.get("ip"), (c.get("mac") or "").lower()) for c in scan["cameras"]}
want = [(c["ip"], c["mac"].lower()) for c in lab["cameras"]]
missing = [ip for ip, mac in want if (ip, mac) not in got]
streams = sum(1 for c in scan["cameras"] for k in ("main", "sub") if c.get(k))
print(f"{len(want) - len(missing)} of {len(want)} lab cameras, {streams} streams"
      + (f"; MISSING {' '.join(missing)}" if missing else ""))
PY
)
  [[ $found == *MISSING* ]] && fail "$name: $found"
  how=native; [ ${#run[@]} = 0 ] || how="under ${run[0]}"
  line="$name: binary $(awk "BEGIN{printf \"%.2f\", $bytes / $MIB}") MiB, --version ok, scan ($how) ${wall} s: $found"
  say "$line"; SUMMARY+=("$line")
done

# Idle RSS: x86_64 musl without TLS, connected to the lab broker, no discovery.
idle_tgz=$(printf '%s\n' "${tarballs[@]}" | grep -- '-x86_64-unknown-linux-musl\.tar\.gz$' | head -1 || true)
if [ -n "$idle_tgz" ] && [[ -z $ONLY || $idle_tgz == *"$ONLY"* ]]; then
  bin=$WORK/$(basename "$idle_tgz" .tar.gz)/camera-detector
  read -r BROKER PORT < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["mqtt"]; print(m["host"], m["port"])' "$LAB_JSON")
  prefix=relcheck$$
  ip netns exec "$NS" sh -c '[ "$(ip netns identify $$)" = "$0" ] || { echo "not in $0" >&2; exit 97; }; exec "$@"' \
    "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MQTT_BROKER="$BROKER" MQTT_PORT="$PORT" \
    MQTT_TOPIC_PREFIX="$prefix" BALENA_DEVICE_UUID="$prefix" DISCOVERY_ENABLED=false STATE_PATH= \
    FRIGATE_CONFIG_PATH="$WORK/cameras.yml" LOG_LEVEL=WARN "$bin" 2>"$WORK/idle.err" &
  SVC_PID=$!   # ip netns exec, sh and env all exec: this is the service's pid
  # connected = its retained health message is on the broker
  health=$(in_lab mosquitto_sub -h "$BROKER" -p "$PORT" -t "$prefix/system/camera_detector_health" -C 1 -W 15 2>/dev/null || true)
  if [ -z "$health" ]; then
    fail "idle RSS: no health message from the service within 15 s: $(tail -n 3 "$WORK/idle.err")"
  else
    sleep 5
    exe=$(readlink "/proc/$SVC_PID/exe" || true)
    [ "$exe" = "$bin" ] || fail "idle RSS: pid $SVC_PID is '$exe', not the binary"
    rss=$(awk '/^VmRSS:/{print $2}' "/proc/$SVC_PID/status")
    threads=$(awk '/^Threads:/{print $2}' "/proc/$SVC_PID/status")
    fds=$(find "/proc/$SVC_PID/fd" -mindepth 1 | wc -l)
    line="idle RSS (x86_64 musl, no TLS, connected, DISCOVERY_ENABLED=false): $rss KiB, $threads threads, $fds fds (budget $RSS_BUDGET_KIB KiB)"
    say "$line"; SUMMARY+=("$line")
    [ "$rss" -le $RSS_BUDGET_KIB ] || fail "idle RSS $rss KiB > $RSS_BUDGET_KIB KiB"
  fi
  kill -TERM "$SVC_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; SVC_PID=
  # leave nothing retained on the shared lab broker
  for t in "$prefix/system/camera_detector_health" "$prefix/system/camera_detector_health/$prefix/lwt"; do
    in_lab mosquitto_pub -h "$BROKER" -p "$PORT" -r -n -t "$t" || true
  done
fi

say "summary:"; for l in "${SUMMARY[@]}"; do say "  $l"; done
if [ $FAILED -gt 0 ]; then say "$FAILED check(s) FAILED"; exit 1; fi
say "all checks passed"
