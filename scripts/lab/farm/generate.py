#!/usr/bin/python3
"""generate.py — the camera farm's ground truth (issue 15): N identical-in-kind cameras on
10.79.0.0/22, each with its own address and MAC, from a handful of profiles (path set, port,
auth scheme, MAC prefix), so a scan meets the mix it meets on a real site.

Rules (what tests and benches may rely on):
  * camera i (0-based) is at 10.79.0.0 + FIRST + i (FIRST = 20; at most MAX_N cameras, all
    inside the /22, clear of the router .1 and the detector .10);
  * its profile is PROFILES[i % 10]: the path pairs are main/sub rows of the camera database
    (src/camdb/data), so the detector's dictionary or its brand hints know them;
  * its MAC is the profile's prefix + 0x79 + i (16 bits): distinct, and the 4th byte lets the
    bridge recognise every camera MAC with one rule per prefix (farm-up.sh);
  * cameras that authenticate use credential (i // 10) % len(CREDENTIALS): both logins occur
    in every profile once N >= 20;
  * every camera has a main (H.264 640x360) and a sub (H.264 320x180) stream.
The `onvif` profile (one camera in ten) also answers WS-Discovery and ONVIF (farm/onvif.py).

Usage: generate.py N OUT.json
"""
import json
import sys

NET = (10, 79, 0, 0)
FIRST = 20
MAX_N = 1000
DETECTOR = {"ns": "lab-fdet", "ip": "10.79.0.10", "mac": "02:de:7e:c7:00:30"}
CREDENTIALS = [{"user": "admin", "pass": "farm:K0/pw"}, {"user": "viewer", "pass": "Farm-K1%x"}]

# (name, MAC prefix, port, auth, auth order, realm, main path, sub path)
HIK = ("hikvision", "04:03:12", 554, "digest", "auth-first", "IP Camera(F0001)",
       "/Streaming/Channels/101", "/Streaming/Channels/102")
PROFILES = [
    HIK,
    ("dahua", "08:ed:ed", 554, "digest", "auth-first", "Login to FARM0001",
     "/cam/realmonitor?channel=1&subtype=0", "/cam/realmonitor?channel=1&subtype=1"),
    ("reolink", "ec:71:db", 554, "digest", "path-first", "LIVE555 Streaming Media",
     "/h264Preview_01_main", "/h264Preview_01_sub"),
    ("tapo", "00:0a:eb", 554, "basic", "path-first", "TP-Link IP-Camera", "/stream1", "/stream2"),
    HIK,
    ("ezviz", "58:8f:cf", 554, "none", "path-first", None, "/ch1/main", "/ch1/sub"),
    ("dahua-8554", "08:ed:ed", 8554, "digest", "auth-first", "Login to FARM0002",
     "/cam/realmonitor?channel=1&subtype=0", "/cam/realmonitor?channel=1&subtype=1"),
    ("foscam", "e8:ab:fa", 88, "basic", "path-first", None, "/videoMain", "/videoSub"),
    ("reolink", "ec:71:db", 554, "digest", "path-first", "LIVE555 Streaming Media",
     "/h264Preview_01_main", "/h264Preview_01_sub"),
    ("onvif", "bc:ad:28", 554, "digest", "auth-first", "IP Camera(F0009)",
     "/Streaming/Channels/101", "/Streaming/Channels/102"),
]


def ip_of(i):
    n = (NET[2] << 8 | NET[3]) + FIRST + i
    return f"{NET[0]}.{NET[1]}.{n >> 8}.{n & 255}"


def camera(i):
    name, prefix, port, auth, order, realm, main, sub = PROFILES[i % len(PROFILES)]
    ip = ip_of(i)
    cred = (i // len(PROFILES)) % len(CREDENTIALS) if auth != "none" else None
    login = CREDENTIALS[cred] if cred is not None else {"user": None, "pass": None}
    streams = []
    for role, path, (w, h) in (("main", main, (640, 360)), ("sub", sub, (320, 180))):
        streams.append({"role": role, "path": path, "url": f"rtsp://{ip}:{port}{path}",
                        "codec": "h264", "width": w, "height": h})
    onvif = None
    if name == "onvif":
        onvif = {"port": 80, "user": None, "pass": None, "manufacturer": "FarmVision",
                 "model": "FV-1", "serial": f"FARM{i:05d}",
                 "uuid": f"urn:uuid:7f000000-0000-4000-8000-{i:012x}"}
    return {
        "name": f"farm-{i:04d}", "profile": name, "ns": "lab-fcams", "ip": ip,
        "mac": f"{prefix}:79:{i >> 8:02x}:{i & 255:02x}",
        "announced_by": "WS-Discovery + ONVIF" if onvif else "port scan",
        "special": None,
        "rtsp": {"peer": "zoo-peer.py", "port": port, "auth": auth, "user": login["user"],
                 "pass": login["pass"], "credential": cred, "realm": realm, "auth_order": order},
        "streams": streams, "http": None, "onvif": onvif, "mdns": None,
    }


def truth(n):
    if not 1 <= n <= MAX_N:
        sys.exit(f"generate.py: N must be 1..{MAX_N}, not {n}")
    return {
        "generated_by": "scripts/lab/farm/generate.py",
        "subnet": "10.79.0.0/22", "gateway": "10.79.0.1", "detector": DETECTOR,
        "credentials": CREDENTIALS, "n": n,
        "cameras": [camera(i) for i in range(n)],
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(truth(int(sys.argv[1])), f, indent=1)
        f.write("\n")
