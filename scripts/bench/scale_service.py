#!/usr/bin/python3
"""scale_service.py — the service at scale for scripts/bench/scale.sh (issue 15): the release
binary in service mode, default settings, inside the farm's detector namespace, against a
private mosquitto on that namespace's loopback. Measured from outside:

  * first camera retained on the broker, and all of them, after start;
  * the first full pass (its log line);
  * STEADY seconds after the first pass (the issue's figure is 600): CPU-s and % of a core
    (utime+stime from /proc), RSS min/max, peak threads and fds — with the default quick
    checks and whatever full passes the default schedule runs in that window (counted);
  * the retained health messages (legacy and current contract) and the Frigate file;
  * the farm's request counts over the window (RTSP requests per camera: the re-validations).

Usage: scale_service.py BIN FARM_RUN STEADY_SECONDS    (root; the farm up)
Prints markdown lines. Every wait is bounded.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

BIN, RUN, STEADY = sys.argv[1], sys.argv[2], int(sys.argv[3])
farm = json.load(open(os.path.join(RUN, "farm.json"), encoding="utf-8"))
NS = farm["detector"]["ns"]
N = len(farm["cameras"])
work = tempfile.mkdtemp(prefix="cd-scale-svc-")
PORT = 18830
PREFIX = "scale"


def in_ns(*cmd, **kw):
    """A command inside the farm's detector namespace, refused anywhere else."""
    guard = f'[ "$(ip netns identify $$)" = "{NS}" ] || exit 97; exec "$@"'
    return subprocess.Popen(["ip", "netns", "exec", NS, "sh", "-c", guard, "sh", *cmd], **kw)


def proc_status(pid):
    d = {}
    for line in open(f"/proc/{pid}/status", encoding="utf-8"):
        k, _, v = line.partition(":")
        d[k] = v.strip()
    return int(d["VmRSS"].split()[0]), int(d["Threads"]), len(os.listdir(f"/proc/{pid}/fd"))


def cpu_secs(pid):
    f = open(f"/proc/{pid}/stat", encoding="utf-8").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def farm_counts():
    """Total RTSP requests the farm's RTSP peer has counted (SIGUSR1 → counts.json)."""
    pid = None
    for line in open(os.path.join(RUN, "pids"), encoding="utf-8"):
        p, name, _ns = line.split()
        if name == "farm-peer":
            pid = int(p)
    path = os.path.join(RUN, "counts.json")
    before = os.stat(path).st_mtime_ns if os.path.exists(path) else 0
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        if os.path.exists(path) and os.stat(path).st_mtime_ns != before:
            break
        time.sleep(0.02)
    time.sleep(0.05)
    data = json.load(open(path, encoding="utf-8"))  # {kind: {address: n}}
    return sum(data.get("rtsp", {}).values())


conf = os.path.join(work, "mosquitto.conf")
with open(conf, "w", encoding="utf-8") as f:
    f.write(f"listener {PORT} 127.0.0.1\nallow_anonymous true\npersistence false\n")
broker = in_ns("mosquitto", "-c", conf, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# The broker listening before the service starts (else its first connect backs off and the
# first-camera time measures that): up to 5 s.
for _ in range(100):
    if subprocess.run(["ip", "netns", "exec", NS, "nc", "-z", "127.0.0.1", str(PORT)]).returncode == 0:
        break
    time.sleep(0.05)
else:
    sys.exit(f"scale_service: mosquitto on 127.0.0.1:{PORT} in {NS} did not listen within 5 s")
sub = in_ns("mosquitto_sub", "-h", "127.0.0.1", "-p", str(PORT), "-t", f"{PREFIX}/camera/discovery/+",
            "-F", "%t", stdout=subprocess.PIPE, text=True)
creds = ",".join(f"{c['user']}:{c['pass']}" for c in farm["credentials"])
env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MQTT_BROKER": "127.0.0.1", "MQTT_PORT": str(PORT),
       "MQTT_TOPIC_PREFIX": PREFIX, "BALENA_DEVICE_UUID": PREFIX, "CAMERA_CREDENTIALS": creds,
       "FRIGATE_CONFIG_PATH": f"{work}/cameras.yml", "STATE_PATH": f"{work}/state.json",
       "MQTT_CONTRACT": "both", "HEALTH_HTTP_PORT": "0", "LOG_LEVEL": "INFO"}
log = open(os.path.join(work, "service.log"), "w", encoding="utf-8")
time.sleep(0.3)
t0 = time.monotonic()
svc = in_ns(BIN, env=env, stderr=log)
pid = svc.pid
out = []
try:
    # ip netns exec → sh → exec BIN: the same pid once exec'd.
    for _ in range(50):
        try:
            if os.readlink(f"/proc/{pid}/exe").endswith("camera-detector"):
                break
        except OSError:
            pass
        time.sleep(0.02)
    first, seen = None, set()
    os.set_blocking(sub.stdout.fileno(), False)
    while len(seen) < N and time.monotonic() - t0 < 120:
        line = sub.stdout.readline()
        if not line:
            time.sleep(0.01)
            continue
        first = first or time.monotonic() - t0
        seen.add(line.strip())
    all_at = time.monotonic() - t0 if len(seen) >= N else None

    def pass_lines():
        return re.findall(r"discovery: (\d+) cameras in ([0-9.]+) s", open(log.name, encoding="utf-8").read())

    while not pass_lines() and time.monotonic() - t0 < 120:
        time.sleep(0.1)
    p1 = pass_lines()
    rss0, th0, fd0 = proc_status(pid)
    c0, s0, req0 = cpu_secs(pid), time.monotonic(), farm_counts()
    rss, threads, fds = [rss0], [th0], [fd0]
    while time.monotonic() - s0 < STEADY:
        time.sleep(min(1.0, STEADY))
        r, th, fd = proc_status(pid)
        rss.append(r); threads.append(th); fds.append(fd)
    cpu, wall, req = cpu_secs(pid) - c0, time.monotonic() - s0, farm_counts() - req0
    passes = len(pass_lines()) - len(p1)

    def retained(topic):
        s = in_ns("mosquitto_sub", "-h", "127.0.0.1", "-p", str(PORT), "-t", topic, "-C", "1", "-W", "3",
                  stdout=subprocess.PIPE)
        body, _ = s.communicate(timeout=10)
        return len(body.rstrip(b"\n"))

    legacy = retained(f"{PREFIX}/system/camera_detector_health")
    current = retained(f"{PREFIX}/system/camera_detector/health")
    frigate = os.path.getsize(f"{work}/cameras.yml") if os.path.exists(f"{work}/cameras.yml") else 0
    p = p1[0] if p1 else ("?", "?")
    out.append(f"service, N = {N}: first camera retained {first:.2f} s after start, all {len(seen)}/{N} "
               f"{'at %.2f s' % all_at if all_at else 'NOT all within 120 s'}; first pass {p[0]} cameras in {p[1]} s")
    out.append(f"steady {wall:.0f} s after the first pass ({passes} more full passes by the default schedule): "
               f"CPU {cpu:.2f} s = {cpu / wall * 100:.2f} % of a core; RSS {min(rss) / 1024:.1f}–{max(rss) / 1024:.1f} MiB; "
               f"threads {min(threads)}–{max(threads)}; fds {min(fds)}–{max(fds)}; "
               f"RTSP requests to the farm {req} ({req / N:.1f} per camera)")
    out.append(f"retained health: legacy {legacy} B, current {current} B; Frigate file {frigate / 1024:.1f} KiB")
finally:
    svc.send_signal(signal.SIGTERM)
    try:
        svc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        svc.kill()
    for p in (sub, broker):
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
print("\n".join(out))
if not out:
    print(open(log.name, encoding="utf-8").read()[-3000:], file=sys.stderr)
    sys.exit(1)
subprocess.run(["rm", "-rf", work], check=False)
