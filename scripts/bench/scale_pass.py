#!/usr/bin/python3
"""scale_pass.py — one `camera-detector scan --json` pass for scripts/bench/scale.sh, measured
from outside, printed as one markdown table row.

Runs the detector in the farm's detector namespace through /usr/bin/time -v (wall, CPU, peak
RSS), samples its /proc every 20 ms (peak threads and fds), asks the farm's RTSP/ONVIF peers
for their per-camera request counts before and after (SIGUSR1: farm-run/counts.json), and
compares the report with the ground truth: cameras by MAC, streams by URL (main and sub).

Usage: scale_pass.py BIN FARM_RUN LABEL [SCAN_NETWORKS]
  With SCAN_NETWORKS (e.g. 10.80.0.0/16, routed to the dead end) the row is the empty
  network's: hosts planned and time; nothing is compared.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse


def pids(run):
    out = {}
    for line in open(os.path.join(run, "pids"), encoding="utf-8"):
        pid, name, _ns = line.split()
        out[name] = int(pid)
    return out


def counts(run, peers):
    """{proto: {ip: n}} from every peer's counts file (written on SIGUSR1)."""
    merged = {}
    for name, pid in peers.items():
        path = os.path.join(run, "counts.json" if name == "farm-peer" else "onvif-counts.json")
        try:
            st = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            st = 0
        os.kill(pid, signal.SIGUSR1)
        for _ in range(100):
            try:
                if os.stat(path).st_mtime_ns != st:
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        with open(path, encoding="utf-8") as f:
            for proto, by_ip in json.load(f).items():
                merged.setdefault(proto, {}).update(by_ip)
    return merged


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="utf-8") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return None


def sample(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            threads = int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))
        return threads, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, AttributeError):
        return None


def norm(url):
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1]
    return host + "/" + urllib.parse.unquote(path)


def main():
    binary, run, label = sys.argv[1:4]
    networks = sys.argv[4] if len(sys.argv) > 4 else None
    truth = json.load(open(os.path.join(run, "farm.json"), encoding="utf-8"))
    ns = truth["detector"]["ns"]
    creds = ",".join(f"{c['user']}:{c['pass']}" for c in truth["credentials"])
    peers = {k: v for k, v in pids(run).items() if k in ("farm-peer", "farm-onvif")}
    before = counts(run, peers) if not networks else {}
    env = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", f"CAMERA_CREDENTIALS={creds}",
           "LOG_LEVEL=ERROR"] + ([f"SCAN_NETWORKS={networks}"] if networks else [])
    tv = tempfile.NamedTemporaryFile(prefix="scale-time", delete=False).name
    out = tempfile.TemporaryFile()
    guard = f'[ "$(ip netns identify $$)" = "{ns}" ] || {{ echo "not in {ns}" >&2; exit 97; }}; exec "$@"'
    t0 = time.monotonic()
    p = subprocess.Popen(["ip", "netns", "exec", ns, "sh", "-c", guard, "sh", "/usr/bin/time",
                          "-v", "-o", tv] + env + [binary, "scan", "--json"], stdout=out,
                         stderr=subprocess.DEVNULL)
    peak_threads = peak_fds = 0
    det = None
    while p.poll() is None:
        if det is None:
            # ip netns exec -> sh -> exec time (same pid); the detector is time's child, once
            # it has exec'd (before, the child is still /usr/bin/time).
            kids = [k for k in children(p.pid) if comm(k) == "camera-detector"]
            det = kids[0] if kids else None
        s = sample(det) if det else None
        if s:
            peak_threads, peak_fds = max(peak_threads, s[0]), max(peak_fds, s[1])
        time.sleep(0.02)
    wall = time.monotonic() - t0
    tvs = open(tv, encoding="utf-8").read()
    os.unlink(tv)
    assert p.returncode == 0, f"scan failed ({p.returncode}): {tvs}"
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", tvs).group(1))
              for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tvs).group(1)) / 1024
    out.seek(0)
    report = json.loads(out.read())
    stats = report.get("stats", {})
    if networks:
        print(f"| {label} | {stats.get('hosts_planned', '?')} hosts, 0 cameras | {wall:.1f} s "
              f"| {cpu:.2f} | {rss:.1f} | {peak_threads} | {peak_fds} | — | — | "
              f"{len(report.get('cameras', []))} found |")
        print(f"<!-- {stats} notes: {report.get('notes')} -->")
        return
    after = counts(run, peers)
    cams = truth["cameras"]
    ips = {c["ip"] for c in cams}

    def spent(proto):
        a, b = after.get(proto, {}), before.get(proto, {})
        return sum(a.get(ip, 0) - b.get(ip, 0) for ip in ips)

    by_mac = {c["mac"]: c for c in report.get("cameras", []) if c.get("mac")}
    found = streams = 0
    missing = []
    for c in cams:
        got = by_mac.get(c["mac"])
        if not got:
            missing.append(c["ip"])
            continue
        found += 1
        for s in c["streams"]:
            g = got.get(s["role"]) or {}
            if g.get("url") and norm(g["url"]) == norm(s["url"]):
                streams += 1
    n = len(cams)
    onvif = sum(1 for c in cams if c["onvif"])
    onvif_req = f"{spent('onvif') / onvif:.1f}" if onvif and "onvif" in after else "—"
    print(f"| {label} | {found}/{n} cameras, {streams}/{2 * n} streams | {wall:.1f} s | {cpu:.2f} "
          f"| {rss:.1f} | {peak_threads} | {peak_fds} | {spent('rtsp') / n:.1f} | {onvif_req} "
          f"| {len(report.get('cameras', [])) - found} |")
    if missing:
        print(f"<!-- missing: {' '.join(missing[:20])} -->")


if __name__ == "__main__":
    main()
