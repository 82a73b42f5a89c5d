#!/usr/bin/env python3
"""Generates the vendor zoo's ground truth (zoo.json) from public data.

Inputs (nothing else decides what a zoo camera looks like):
  src/camdb/data/rtsp-patterns.tsv, rtsp-ports.tsv   CC0, derived from "cctv-camera-database" by
                                               ch-bas (see src/camdb/data/README.md); the same
                                               files the detector's database is compiled from
  /usr/share/ieee-data/oui.txt                 IEEE OUI registry (Debian package ieee-data)
  the ZOO table below                          which brands, and per brand which of its data rows,
                                               with the public source of each realm/header used

How the brands were picked (the rule; checked by this script where it can be):
  1. Professional market leaders: hikvision, dahua, axis, hanwha, uniview, bosch, avigilon,
     vivotek, i-pro, pelco, milesight, mobotix, canon.
  2. OEMs and the brands they build for: amcrest and lorex (Dahua OEM lines), annke and hilook
     (Hikvision OEM / sub-brand), xmeye (the Xiongmai platform behind many no-name brands), tvt.
  3. Consumer brands: reolink, tapo, foscam, wyzecam, ezviz, swann, night-owl, zosi, d-link,
     ubiquiti (legacy AirCam), v380, sricam, wansview, y-cam.
  4. Ports: every RTSP port other than 554 that at least two brands state in rtsp-ports.tsv gets
     one camera of a brand that states it (computed and enforced below), except ports the data
     itself calls RTSPS (TLS) or that carry only per-camera token paths (LEFT_OUT, with reasons).
  5. Query strings: the brands above whose templates carry a query (dahua, amcrest, lorex,
     cp-plus, avigilon, bosch, pelco, camius, xmeye) use that template.
  6. Main and sub: both whenever the brand's data has a sub template; a few main-only cameras
     (wyzecam, geovision, d-link, y-cam, mobotix) because the data gives them only a main, and
     axis, whose sub template (?streamprofile=<profile>) names a profile the user creates
     (VAPIX stream profiles): no client can guess it.
  7. Specials the issue asks for: two "200 on any path" servers (v380, sricam), an H.264 camera
     without sprop-parameter-sets (wansview), an MJPEG-only camera (y-cam), a camera announced
     only by ONVIF GetStreamUri on a port no brand states (canon), one announced only by mDNS
     (mobotix).
Every stream path must be a template or lead row of its own brand (placeholders expanded as
written in the table); every MAC comes from the brand's own IEEE registration, else from its
OEM's (the truth says which and why), else it is locally administered (the truth says so).

Usage: generate.py [--check] [--out FILE]   default FILE: zoo.json beside this script.
  --check  exit 1 if FILE differs from what would be generated (stale checked-in truth).
"""
import argparse
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUI_TXT = os.environ.get("OUI_TXT", "/usr/share/ieee-data/oui.txt")
NET = "10.78.0"
FIRST_HOST = 101
DETECTOR = {"ns": "lab-zdet", "ip": f"{NET}.10", "mac": "02:de:7e:c7:00:20"}
MAIN = (640, 360)
SUB = (320, 180)

# Seven credentials shared across the zoo, as on a real site. Passwords hold every character
# the issue lists: @ : / # % ? & space { } (a user name cannot hold ':').
CREDENTIALS = [
    ("admin", "p@ss:w/rd#1"),
    ("admin", "50%off?&go"),
    ("operator", "{Tower 7}"),
    ("admin", "admin12345"),
    ("root", "Axis-R00t"),
    ("service", "Serv!ce-42"),
    ("viewer", "Cam2024view"),
]

# Ports stated by two or more brands that no zoo camera uses, and why.
LEFT_OUT = {
    322: "RTSPS (TLS) per the data (wyzecam RTSPS variant, motorola cloud relay): not plain RTSP",
    7441: "RTSPS (TLS) per the data (UniFi Protect): not plain RTSP",
    7447: "UniFi Protect plain RTSP, but only with a per-camera {token} path that no client can "
          "guess; ubiquiti is in the zoo with its legacy AirCam paths on 554 instead",
}

# Sources of realms / headers (public captures in issue threads; see scripts/lab/README.md).
SRC = {
    "hik": "google/ExoPlayer#9800 (Digest+Basic realm \"IP Camera(C1214)\", no Server header)",
    "dahua": "scottlamb/retina#62 (Digest realm \"Login to <serial>\", no Server header)",
    "amcrest": "Motion-Project/motion#121 (Digest realm \"Login to AMC...\")",
    "axis": "VAPIX Digest realm \"AXIS_<MAC>\" (lab cam3 and public VAPIX examples)",
    "hanwha": "Ullaakut/cameradar#199 (Digest realm \"iPOLiS\", no Server header)",
    "unv": "bluenviron/mediamtx#4660 (Digest realm = 12 hex digits, no Server header)",
    "avigilon": "meetecho/janus-gateway#839 (defaultSecondary: Digest realm = serial digits)",
    "tplink": "AlexxIT/go2rtc#999 (Tapo: Basic realm \"TP-Link IP-Camera\", no Server header)",
    "reolink": "AlexxIT/go2rtc#214 (Reolink: Digest realm \"LIVE555 Streaming Media\")",
    "panasonic": "deepch/RTSPtoWeb#83 (Digest realm \"Panasonic network device\")",
    "hik_http": "intrigueio/intrigue-ident checks/http/hikvision.rb (Server: DNVRS-Webs)",
    "dahua_http": "common Dahua web UI title \"WEB SERVICE\" (public fingerprint lists)",
    "axis_http": "intrigueio/intrigue-ident checks/http/axis.rb (title AXIS, viewer_index redirect)",
    "milesight_http": "Greenbone gb_milesight_camera_detect (title \"Milesight Network Camera\")",
}
UNKNOWN = "unknown: no public capture found; the peer's own default is kept"
# Which comes first on a DESCRIBE without credentials: the auth check (401 on any path) or the
# path lookup (404 for a wrong path, 401 only on a real one, as Ullaakut/cameradar#247 shows for
# one camera). Per vendor this is undocumented: the zoo gives the professional and OEM lines and
# the ONVIF/mDNS/any-path specials auth-first, the consumer and port-rule cameras path-first.
AUTH_FIRST, PATH_FIRST = "auth-first", "path-first"


def cam(brand, why, port, streams, auth="digest", cred=0, oui=None, realm=None, server=None,
        peer="gst", special=None, http=None, src=None):
    """One zoo camera. streams: [(role, template, {placeholder: value}, codec)]."""
    return dict(brand=brand, why=why, port=port, streams=streams, auth=auth, cred=cred,
                oui=oui, realm=realm, server=server, peer=peer, special=special, http=http,
                src=src)


def s(role, template, codec="h264", **fill):
    return (role, template, fill, codec)


HIK = r"^Hangzhou Hikvision Digital Technology"
DAHUA = r"^Zhejiang Dahua Technology"
NONE = "none"  # the vendor sends no RTSP Server header (public captures show none)
ZOO = [
    # 1. professional market leaders
    cam("hikvision", "pro", 554, [s("main", "/Streaming/Channels/<N>01", "h265", N="1"),
                                  s("sub", "/Streaming/Channels/<N>02", N="1")],
        oui=HIK, realm="IP Camera(Z7101)", server=NONE, src="hik",
        http={"server": "DNVRS-Webs", "title": None, "src": "hik_http"}),
    cam("dahua", "pro", 554, [s("main", "/cam/realmonitor?channel=<N>&subtype=0", N="1"),
                              s("sub", "/cam/realmonitor?channel=<N>&subtype=1", N="1")],
        cred=1, oui=DAHUA, realm="Login to 7H0A1B2PAZ00102", server=NONE, src="dahua",
        http={"server": None, "title": "WEB SERVICE", "src": "dahua_http"}),
    cam("axis", "pro", 554, [s("main", "/axis-media/media.amp")],
        cred=4, oui=r"^(Axis Communications AB|AXIS COMMUNICATIONS AB)", realm="AXIS_{MAC}",
        src="axis", http={"server": None, "title": "AXIS", "refresh": "/view/viewer_index.shtml?id=0",
                          "src": "axis_http"}),
    cam("hanwha", "pro", 554, [s("main", "/profile2/media.smp", "h265"),
                               s("sub", "/profile3/media.smp")],
        cred=2, oui=r"^(Hanwha Techwin|SAMSUNG TECHWIN)", realm="iPOLiS", server=NONE, src="hanwha"),
    cam("uniview", "pro", 554, [s("main", "/media/video1", "h265"), s("sub", "/media/video2")],
        cred=0, oui=r"^Zhejiang Uniview Technologies", realm="{mac12}", server=NONE, src="unv"),
    cam("bosch", "pro", 554, [s("main", "/?inst=1"), s("sub", "/?inst=2")],
        cred=5, oui=r"^Bosch Security Systems"),
    cam("avigilon", "pro", 554, [s("main", "/defaultPrimary?streamType=u"),
                                 s("sub", "/defaultSecondary?streamType=u")],
        cred=6, oui=("local", "no IEEE registration under Avigilon in oui.txt"),
        realm="101509150167", src="avigilon"),
    cam("vivotek", "pro", 554, [s("main", "/live1s1.sdp"), s("sub", "/live1s2.sdp")],
        auth="basic", cred=2, oui=r"^Vivotek"),
    cam("i-pro", "pro", 554, [s("main", "/Src/MediaInput/stream_1"),
                              s("sub", "/Src/MediaInput/stream_2")],
        cred=6, oui=r"^i-PRO Co", realm="Panasonic network device", src="panasonic"),
    cam("pelco", "pro", 554, [s("main", "/media/stream.sdp?profile=Profile100"),
                              s("sub", "/media/stream.sdp?profile=Profile101")],
        auth="basic", cred=0, oui=("local", "no IEEE registration under Pelco in oui.txt")),
    cam("milesight", "pro", 554, [s("main", "/main", "h265"), s("sub", "/sub")],
        cred=1, oui=r"^MileSight Technology",
        http={"server": None, "title": "Milesight Network Camera", "src": "milesight_http"}),
    # 2. OEMs
    cam("amcrest", "oem", 554, [s("main", "/cam/realmonitor?channel=<N>&subtype=0", N="1"),
                                s("sub", "/cam/realmonitor?channel=<N>&subtype=1", N="1")],
        cred=3, oui=r"^Amcrest Technologies", realm="Login to AMC0190Z7A1B2C3D4", src="amcrest"),
    cam("lorex", "oem", 554, [s("main", "/cam/realmonitor?channel=<N>&subtype=0", N="1"),
                              s("sub", "/cam/realmonitor?channel=<N>&subtype=1", N="1")],
        cred=2, oui=r"^Lorex Technology"),
    cam("annke", "oem", 554, [s("main", "/H265/ch<N>/main/av_stream", "h265", N="1"),
                              s("sub", "/H264/ch<N>/sub/av_stream", N="1")],
        cred=1, oui=("oem", HIK, "no IEEE registration under ANNKE; its Hikvision-made models "
                     "(the data lists Hikvision paths for it) carry Hikvision MACs")),
    cam("hilook", "oem", 554, [s("main", "/Streaming/Channels/<N>01", N="1"),
                               s("sub", "/Streaming/Channels/<N>02", N="1")],
        cred=3, oui=("oem", HIK, "HiLook is a Hikvision brand with no registration of its own"),
        realm="IP Camera(H0115)", server=NONE, src="hik"),
    cam("xmeye", "oem", 554,
        [s("main", "/user={user}&password={pass}&channel=<N>&stream=0.sdp?real_stream", N="1"),
         s("sub", "/user={user}&password={pass}&channel=<N>&stream=1.sdp?real_stream", N="1")],
        auth="url", cred=3, oui=("local", "Xiongmai platform: no registration under the brand")),
    cam("tvt", "oem", 554, [s("main", "/profile1"), s("sub", "/profile2")],
        auth="basic", cred=0, oui=r"^TVT CO"),
    # 3. consumer brands (lead rows where the template is a shortened form of the real path)
    cam("reolink", "consumer", 554, [s("main", "/h265Preview_01_main", "h265"),
                                     s("sub", "/h264Preview_01_sub")],
        cred=1, oui=r"^Reolink Innovation", realm="LIVE555 Streaming Media", server=NONE,
        src="reolink"),
    cam("tapo", "consumer", 554, [s("main", "/stream1"), s("sub", "/stream2")],
        auth="basic", cred=3, oui=r"^TP-LINK TECHNOLOGIES CO", realm="TP-Link IP-Camera",
        server=NONE, src="tplink"),
    cam("wyzecam", "consumer", 8554, [s("main", "/live")], cred=2, oui=r"^Wyze Labs"),
    cam("ezviz", "consumer", 554, [s("main", "/ch1/main"), s("sub", "/ch1/sub")],
        cred=0, oui=r"^Hangzhou Ezviz Software"),
    cam("swann", "consumer", 554, [s("main", "/ch<N>/0", N="1"), s("sub", "/ch<N>/1", N="1")],
        auth="basic", cred=1, oui=r"^Swann [Cc]ommunications"),
    cam("night-owl", "consumer", 554, [s("main", "/ch{NN}/0", NN="01"),
                                       s("sub", "/ch{NN}/1", NN="01")],
        cred=3, oui=r"^Night Owl SP"),
    cam("zosi", "consumer", 554, [s("main", "/ucast/11"), s("sub", "/ucast/12")],
        auth="basic", cred=6, oui=("local", "no IEEE registration under ZOSI in oui.txt")),
    cam("d-link", "consumer", 554, [s("main", "/live1.sdp")], auth="none", cred=None,
        oui=r"^D-Link (International|Corporation)"),
    cam("ubiquiti", "consumer", 554, [s("main", "/live/ch00_0"), s("sub", "/live/ch01_0")],
        auth="basic", cred=2, oui=r"^Ubiquiti (Networks )?Inc"),
    # 4. one camera per non-554 port that two or more brands state
    cam("foscam", "port", 88, [s("main", "/videoMain"), s("sub", "/videoSub")],
        auth="basic", cred=0, oui=("oem", r"^Shenzhen Reecam Tech", "no registration under "
                                   "Foscam; CamioCam/rtsp#99 reports a Foscam FI9803P with OUI "
                                   "E8:AB:FA (Shenzhen Reecam)")),
    cam("geovision", "port", 8554, [s("main", "/CH001.sdp")], auth="none", cred=None,
        oui=r"^GeoVision"),
    cam("vstarcam", "port", 10554, [s("main", "/tcp/av0_0"), s("sub", "/tcp/av0_1")],
        auth="basic", cred=3, oui=("local", "no IEEE registration under VStarcam in oui.txt")),
    cam("hiseeu", "port", 80, [s("main", "/live/main"), s("sub", "/live/sub")],
        auth="basic", cred=1, oui=("local", "no IEEE registration under Hiseeu in oui.txt")),
    cam("camius", "port", 80, [s("main", "/rtsp/streaming?channel=<N>&subtype=0", N="1"),
                               s("sub", "/rtsp/streaming?channel=<N>&subtype=1", N="1")],
        cred=2, oui=("local", "no IEEE registration under Camius in oui.txt")),
    cam("grandstream", "port", 2088, [s("main", "/0"), s("sub", "/4")], auth="basic", cred=6,
        oui=r"^Grandstream Networks"),
    cam("cp-plus", "port", 5543, [s("main", "/cam/realmonitor?channel=<N>&subtype=0", N="1"),
                                  s("sub", "/cam/realmonitor?channel=<N>&subtype=1", N="1")],
        cred=0, oui=("oem", r"^Aditya Infotech", "the CP PLUS brand belongs to Aditya Infotech; "
                     "\"CP PLUS GMBH\" in oui.txt is an unrelated German company")),
    # 7. specials (served by zoo-peer.py, or in namespaces of their own)
    cam("v380", "any-path", 554, [s("main", "/live/ch00_1"), s("sub", "/live/ch00_0")],
        cred=3, oui=("local", "no IEEE registration under V380 in oui.txt"), peer="peer",
        special="any-path"),
    cam("sricam", "any-path", 554, [s("main", "/1/h264major"), s("sub", "/1/h264minor")],
        auth="basic", cred=1, oui=("local", "no IEEE registration under Sricam in oui.txt"),
        peer="peer", special="any-path"),
    cam("wansview", "no-sprop", 554, [s("main", "/live/ch0"), s("sub", "/live/ch1")],
        cred=2, oui=("local", "no IEEE registration under Wansview in oui.txt"), peer="peer",
        special="no-sprop"),
    cam("y-cam", "mjpeg", 554, [s("main", "/live_mjpeg.sdp", "mjpeg")], auth="basic", cred=6,
        oui=r"^Y-cam Solutions", peer="peer", special="mjpeg"),
    cam("canon", "onvif", 6554, [s("main", "/rtpstream/config1=r"),
                                 s("sub", "/rtpstream/config2=r")],
        cred=0, oui=r"^CANON INC", special="onvif"),
    cam("mobotix", "mdns", 7554, [s("main", "/mobotix.h264")], auth="basic", cred=1,
        oui=r"^Mobotix AG", special="mdns"),
]


def load_tsv(name):
    with open(os.path.join(HERE, "..", "..", "..", "src", "camdb", "data", name), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_oui(path):
    """[(prefix 'AA:BB:CC', registrant)] from oui.txt's '(hex)' lines."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})\s+\(hex\)\s+(.*\S)", line)
            if m:
                out.append((":".join(m.group(1, 2, 3)), m.group(4)))
    return out


def first_oui(ouis, pattern):
    hits = sorted((p, r) for p, r in ouis if re.search(pattern, r, re.I))
    if not hits:
        sys.exit(f"generate: no IEEE registration matches /{pattern}/ in {OUI_TXT}")
    return hits[0]


def expand(template, fill, cred):
    out = template
    for k, v in fill.items():
        out = out.replace(f"<{k}>", v).replace(f"{{{k}}}", v)
    if cred is not None:
        out = out.replace("{user}", cred[0]).replace("{pass}", cred[1])
    if re.search(r"[<>\[\]{}]", out):
        sys.exit(f"generate: unexpanded placeholder in {out!r}")
    return out


def port_rule(ports_rows, zoo):
    """Every non-554 port stated by >= 2 brands has a zoo camera of a brand stating it."""
    by_port = {}
    for r in ports_rows:
        by_port.setdefault(int(r["port"]), set()).add(r["brand_id"])
    covered = {}
    for c in zoo:
        if c["why"] == "port":
            if c["brand"] not in by_port.get(c["port"], set()):
                sys.exit(f"generate: {c['brand']} does not state port {c['port']} in the data")
            covered[c["port"]] = c["brand"]
    wanted = sorted(p for p, b in by_port.items() if p != 554 and len(b) >= 2)
    for p in wanted:
        if p not in covered and p not in LEFT_OUT:
            sys.exit(f"generate: port {p} ({len(by_port[p])} brands) has no zoo camera")
    return [{"port": p, "brands": len(by_port[p]), "camera": covered.get(p),
             "left_out": LEFT_OUT.get(p)} for p in wanted]


def build():
    patterns = load_tsv("rtsp-patterns.tsv")
    ports_rows = load_tsv("rtsp-ports.tsv")
    ouis = load_oui(OUI_TXT)
    names = {r["brand_id"]: r["brand"] for r in patterns if r["brand"]}
    cams = []
    for i, c in enumerate(ZOO):
        ip = f"{NET}.{FIRST_HOST + i}"
        octet = FIRST_HOST + i
        kind = c["oui"][0] if isinstance(c["oui"], tuple) else "brand"
        if kind == "local":
            mac, oui = f"02:5a:00:00:00:{octet:02x}", {
                "prefix": None, "registrant": None, "source": "locally administered",
                "why": c["oui"][1]}
        else:
            pat = c["oui"][1] if kind == "oem" else c["oui"]
            prefix, registrant = first_oui(ouis, pat)
            mac = f"{prefix.lower()}:5a:00:{octet:02x}"
            oui = {"prefix": prefix, "registrant": registrant, "source": kind,
                   "why": c["oui"][2] if kind == "oem" else "the brand's own registration"}
        cred = CREDENTIALS[c["cred"]] if c["cred"] is not None else None
        rows = [r for r in patterns if r["brand_id"] == c["brand"]]
        streams = []
        for role, template, fill, codec in c["streams"]:
            row = next((r for r in rows if r["path"] == template), None)
            if row is None:
                sys.exit(f"generate: {template!r} is no row of brand {c['brand']}")
            path = expand(template, fill, cred)
            w, h = MAIN if role == "main" else SUB
            streams.append({
                "role": role, "path": path, "url": f"rtsp://{ip}:{c['port']}{path}",
                "codec": codec, "width": w, "height": h,
                "sdp": {"no-sprop": "no sprop-parameter-sets (SPS/PPS in-band)",
                        "mjpeg": "RTP/JPEG (PT 26), no size in the SDP"}.get(c["special"],
                                                                            "complete"),
                "data_row": {"path": template, "kind": row["kind"], "verified": row["verified"],
                             "stream": row["stream"], "default_port": row["default_port"]},
            })
        realm = c["realm"]
        if realm:
            realm = realm.replace("{MAC}", mac.replace(":", "").upper()).replace(
                "{mac12}", mac.replace(":", ""))
        ns = {"onvif": "lab-zonvif", "mdns": "lab-zmdns"}.get(c["special"], "lab-zcams")
        rtsp = {
            "peer": "gst-rtsp-server" if c["peer"] == "gst" else "zoo-peer.py",
            "port": c["port"], "auth": c["auth"],
            "user": cred[0] if cred else None, "pass": cred[1] if cred else None,
            "credential": c["cred"],
            "realm": realm if c["auth"] in ("basic", "digest") else None,
            "realm_source": (SRC[c["src"]] if c["src"] and realm else UNKNOWN)
            if c["auth"] in ("basic", "digest") else None,
            "auth_order": (AUTH_FIRST if c["why"] in ("pro", "oem", "any-path", "onvif", "mdns")
                           else PATH_FIRST) if c["auth"] in ("basic", "digest") else None,
            "server_header": None if c["server"] == NONE else (c["server"] or "unknown"),
            "server_header_source": SRC[c["src"]] if c["server"] else UNKNOWN,
        }
        entry = {
            "name": f"{c['brand']}-{octet}", "brand_id": c["brand"],
            "brand": names.get(c["brand"], c["brand"]), "picked_as": c["why"],
            "ns": ns, "ip": ip, "mac": mac, "oui": oui,
            "announced_by": {"onvif": "onvif", "mdns": "mdns"}.get(c["special"], "port scan"),
            "special": c["special"], "rtsp": rtsp, "streams": streams,
            "http": None, "onvif": None, "mdns": None,
        }
        if c["http"]:
            entry["http"] = {"port": 80, "server": c["http"]["server"],
                             "title": c["http"]["title"], "refresh": c["http"].get("refresh"),
                             "source": SRC[c["http"]["src"]]}
        if c["special"] == "onvif":
            entry["onvif"] = {
                "impl": "onvif-sim (onvif-server crate)", "port": 80,
                "xaddr": f"http://{ip}:80/onvif/device_service", "auth": "ws-security",
                "user": cred[0], "pass": cred[1], "manufacturer": "Canon", "model": "VB-S30D-SIM",
                "serial": f"CN{octet:06d}", "uuid": f"5a000000-0000-4000-8000-{octet:012x}",
                "stream_uris": [st["url"] for st in streams],
                "why_port": "6554 is in no brand's port list: only GetStreamUri tells it"}
        if c["special"] == "mdns":
            entry["mdns"] = {
                "impl": "avahi-daemon", "host": f"mobotix-{octet}.local",
                "service": "_rtsp._tcp", "port": c["port"], "txt": [f"path={streams[0]['path']}"],
                "why_port": "7554 is in no brand's port list: only mDNS tells it"}
        if c["special"] == "any-path":
            entry["quirks"] = ["DESCRIBE answers 200 with the main stream's SDP on any path "
                               "(after auth); SETUP/PLAY answer 200; RTP only on the real paths"]
        cams.append(entry)
    ips = [c["ip"] for c in cams]
    assert len(set(ips)) == len(ips) and len({c["mac"] for c in cams}) == len(cams)
    return {
        "generated_by": "scripts/lab/zoo/generate.py (edit the ZOO table there, not this file)",
        "data": "derived from \"cctv-camera-database\" by ch-bas, CC0-1.0, commit "
                "08eb6342a0bff8da19340b458706e565965c0d6f (src/camdb/data/README.md); "
                "MAC prefixes from the IEEE OUI registry (" + OUI_TXT + ")",
        "subnet": f"{NET}.0/24", "gateway": f"{NET}.1", "detector": DETECTOR,
        "credentials": [{"user": u, "pass": p} for u, p in CREDENTIALS],
        "ports": port_rule(ports_rows, ZOO),
        "brands": len({c["brand_id"] for c in cams}),
        "cameras": cams,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "zoo.json"))
    a = ap.parse_args()
    text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
    if a.check:
        old = open(a.out, encoding="utf-8").read() if os.path.exists(a.out) else ""
        if old != text:
            print(f"generate: {a.out} is stale: run scripts/lab/zoo/generate.py", file=sys.stderr)
            sys.exit(1)
        print(f"generate: {a.out} is up to date")
        return
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)
    t = json.loads(text)
    print(f"generate: {len(t['cameras'])} cameras, {t['brands']} brands, "
          f"{sum(len(c['streams']) for c in t['cameras'])} streams -> {a.out}")


if __name__ == "__main__":
    main()
