#!/usr/bin/env bash
# bench/service.sh — the service's footprint in the lab (issue 4's numbers): starts the release
# binary inside the lab's detector namespace against the lab's broker, then
#   1. time from start to the first retained discovery message of each camera;
#   2. PASSES (default 20) full discoveries back to back (SIGHUP after each): RSS after each,
#      to show memory does not grow (the original grew ~5 MiB per discovery);
#   3. STEADY_SECONDS (default 60; the issue's figure is 600) of steady running: RSS and CPU
#      (utime+stime from /proc) and the peak thread count.
# Usage (root): scripts/bench/service.sh          PASSES=20 STEADY_SECONDS=600 scripts/bench/service.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "bench-service: needs root (the lab uses network namespaces)" >&2; exit 2; }
cargo build -q --release
flock -o /tmp/camera-detector-lab.lock scripts/lab/lab-up.sh --if-down >/dev/null
exec python3 - "$ROOT" "${PASSES:-20}" "${STEADY_SECONDS:-60}" <<'PY'
import json, os, subprocess, sys, tempfile, time
root, passes, steady = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lab = json.load(open(f"{root}/scripts/lab/run/lab.json"))
ns, broker = lab["detector"]["ns"], lab["mqtt"]["host"]
creds = subprocess.run(["python3", f"{root}/scripts/lab/lab-credentials.py"], capture_output=True,
                       text=True, check=True).stdout.strip()
work = tempfile.mkdtemp(prefix="cd-bench-")
prefix = f"bench{os.getpid()}"
env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MQTT_BROKER": broker, "MQTT_TOPIC_PREFIX": prefix,
       "BALENA_DEVICE_UUID": prefix, "CAMERA_CREDENTIALS": creds,
       "FRIGATE_CONFIG_PATH": f"{work}/cameras.yml", "STATE_PATH": "", "LOG_LEVEL": "INFO"}
env.update({k: v for k, v in os.environ.items() if k.startswith("MALLOC_")})  # allocator experiments
sub = subprocess.Popen(["ip", "netns", "exec", ns, "mosquitto_sub", "-h", broker, "-t", f"{prefix}/camera/discovery/+",
                        "-F", "%t"], stdout=subprocess.PIPE, text=True)
time.sleep(0.3)
log = open(f"{work}/service.log", "w")
# The detector starts only inside the lab namespace (checked by the shell it runs in).
svc = subprocess.Popen(["ip", "netns", "exec", ns, "sh", "-c",
                        f'[ "$(ip netns identify $$)" = "{ns}" ] || exit 97; exec "$0"',
                        f"{root}/target/release/camera-detector"], env=env, stderr=log)
t0 = time.monotonic()
pid = svc.pid
def status():
    d = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        d[k] = v.strip()
    return int(d["VmRSS"].split()[0]), int(d["Threads"])
def cpu_secs():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
first = {}
want = len(lab["cameras"])
os.set_blocking(sub.stdout.fileno(), False)
while len(first) < want and time.monotonic() - t0 < 60:
    line = sub.stdout.readline()
    if not line:
        time.sleep(0.02); continue
    first.setdefault(line.strip().rsplit("/", 1)[1], time.monotonic() - t0)
print("first retained discovery per camera: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(first.items())))
def passes_logged():
    return sum(1 for l in open(f"{work}/service.log") if "] discovery: " in l and " cameras in " in l)
rss, peak_threads = [], 0
while passes_logged() < 1 and time.monotonic() - t0 < 60:
    time.sleep(0.1)
r, th = status(); rss.append(r); peak_threads = max(peak_threads, th)
for i in range(1, passes):
    done = passes_logged()
    os.kill(pid, 1)  # SIGHUP: the next pass now
    while passes_logged() <= done and time.monotonic() - t0 < 60 + 30 * passes:
        time.sleep(0.1)
    r, th = status(); rss.append(r); peak_threads = max(peak_threads, th)
print(f"{passes} passes: RSS after pass 1 {rss[0]} KiB, after pass {passes} {rss[-1]} KiB, max {max(rss)} KiB "
      f"(growth {rss[-1] - rss[0]:+d} KiB); peak threads {peak_threads}")
print("RSS after each pass (KiB): " + " ".join(map(str, rss)))
import re
heap = re.findall(r"cameras in [0-9.]+ s \(\d+ known; heap in use (\d+) KiB\)", open(f"{work}/service.log").read())
print("heap in use after each pass (KiB): " + " ".join(heap))
c0, s0 = cpu_secs(), time.monotonic()
samples = []
while time.monotonic() - s0 < steady:
    time.sleep(min(10, steady)); r, th = status(); samples.append(r); peak_threads = max(peak_threads, th)
cpu = (cpu_secs() - c0) / (time.monotonic() - s0) * 100
print(f"steady {steady} s: RSS {min(samples)}–{max(samples)} KiB, CPU {cpu:.2f} % of a core, peak threads {peak_threads}")
svc.terminate(); svc.wait(timeout=10); sub.terminate()
subprocess.run(["rm", "-rf", work])
PY
