#!/usr/bin/env bash
# bench/heap.sh — is there a leak across discovery passes? Runs the release service under
# heaptrack in the lab's detector namespace (lab broker, every lab credential) for SHORT
# (default 5) and then LONG (default 20) full discoveries (SIGHUP after each), kills it, and
# prints heaptrack's live heap at the end of each run ("leaked": allocated, never freed) and
# its peak. Equal figures for both runs = no growth per pass; RSS can still rise a little
# while glibc's per-thread caches fill (scripts/bench/service.sh shows RSS).
# Usage (root): scripts/bench/heap.sh          SHORT=5 LONG=40 scripts/bench/heap.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "bench-heap: needs root (the lab uses network namespaces)" >&2; exit 2; }
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null ||
  { echo "bench-heap: heaptrack missing (apt-get install heaptrack)" >&2; exit 2; }
cargo build -q --release
flock -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh --if-down >/dev/null
WORK=$(mktemp -d /tmp/cd-heap-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for n in "${SHORT:-5}" "${LONG:-20}"; do
  python3 - "$ROOT" "$WORK" "$n" <<'PY'
import json, os, signal, subprocess, sys, time
root, work, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
lab = json.load(open(f"{root}/scripts/lab/run/lab.json"))
ns, broker = lab["detector"]["ns"], lab["mqtt"]["host"]
creds = subprocess.run(["python3", f"{root}/scripts/lab/lab-credentials.py"], capture_output=True,
                       text=True, check=True).stdout.strip()
prefix = f"heap{os.getpid()}"
env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MQTT_BROKER": broker, "MQTT_TOPIC_PREFIX": prefix,
       "BALENA_DEVICE_UUID": prefix, "CAMERA_CREDENTIALS": creds, "FRIGATE_CONFIG_PATH": f"{work}/cameras.yml",
       "STATE_PATH": "", "LOG_LEVEL": "INFO"}
binary = f"{root}/target/release/camera-detector"
log_path = f"{work}/service-{passes}.log"
log = open(log_path, "w")
# The detector starts only inside the lab namespace (checked by the shell it runs in).
svc = subprocess.Popen(["ip", "netns", "exec", ns, "sh", "-c",
                        f'[ "$(ip netns identify $$)" = "{ns}" ] || exit 97; exec heaptrack -o "{work}/heap-{passes}" "$0"',
                        binary], env=env, stdout=log, stderr=log)
t0 = time.monotonic()
def detector_pid():
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            if open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")[0].decode() == binary:
                return int(p)
        except OSError:
            pass
pid = None
while pid is None and time.monotonic() - t0 < 30:
    time.sleep(0.2); pid = detector_pid()
if pid is None:
    sys.exit("bench-heap: the detector did not start under heaptrack")
def done():
    return sum(1 for l in open(log_path) if " cameras in " in l)
while done() < 1 and time.monotonic() - t0 < 90:
    time.sleep(0.2)
for _ in range(1, passes):
    before = done(); os.kill(pid, signal.SIGHUP)
    while done() <= before and time.monotonic() - t0 < 90 + 30 * passes:
        time.sleep(0.2)
if done() < passes:
    sys.exit(f"bench-heap: only {done()} of {passes} passes were logged")
os.kill(pid, signal.SIGKILL)  # what is live now is what heaptrack calls leaked
svc.wait(timeout=60)
PY
  f=$(ls "$WORK"/heap-"$n".* | head -1)
  heaptrack_print -f "$f" 2>/dev/null |
    awk -v n="$n" '/^peak heap memory consumption/{p=$NF} /^total memory leaked/{l=$NF}
      END{printf "%s passes: live heap at the end %s, peak %s\n", n, l, p}'
done
