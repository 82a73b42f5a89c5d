#!/usr/bin/env python3
"""zoo-check.py — checks the zoo against its ground truth with plain clients, from the detector's
seat (run inside lab-zdet with the lab venv's python: onvif-zeep and python-zeroconf live there):

  ip netns exec lab-zdet scripts/lab/venv/bin/python scripts/lab/zoo/zoo-check.py [ZOO_JSON]

RTSP (a minimal client written here, Basic and Digest): each camera's challenge (scheme, realm,
Server header) and order (a wrong path without credentials: 401 auth-first, 404 path-first); its
real paths DESCRIBE 200 with credentials; the SDP has sprop-parameter-sets except on the camera
that must not, and the MJPEG SDP says nothing about the size; on the "200 on any path" servers a
decoy DESCRIBEs/SETUPs/PLAYs 200 but no RTP arrives in DECOY_WAIT_S, while the real path streams.
HTTP: the banner (Server header, title) of each camera that has one. ONVIF: WS-Discovery finds
exactly the ONVIF camera, onvif-zeep's GetStreamUri gives the truth's URLs, on a port that no
brand states. mDNS: python-zeroconf browsing _rtsp._tcp finds exactly the mDNS camera, its port
and its path TXT record. Prints PASS/FAIL lines; exit 1 if any check failed.
(Whether every stream plays is ffprobe's job: tests/it/lab_zoo_fixtures.rs.)
"""
import base64
import csv
import hashlib
import json
import os
import re
import socket
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TRUTH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "zoo-run", "zoo.json")
t = json.load(open(TRUTH, encoding="utf-8"))
DECOY_WAIT_S = 2.0
ok = fail = 0


def check(name, cond, detail=""):
    global ok, fail
    ok, fail = (ok + 1, fail) if cond else (ok, fail + 1)
    print(f"{'PASS' if cond else 'FAIL'} {name}" + (f" — {detail}" if detail else ""), flush=True)


class Rtsp:
    """One RTSP connection; request() answers (status, headers, body), with auth when asked."""

    def __init__(self, ip, port, user=None, pw=None):
        self.s = socket.create_connection((ip, port), timeout=5)
        self.base = f"rtsp://{ip}:{port}"
        self.user, self.pw, self.cseq, self.auth = user, pw, 0, None
        self.buf = b""

    def _read_msg(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        hdr = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdr.setdefault(k.strip().lower(), []).append(v.strip())
        n = int(hdr.get("content-length", ["0"])[0])
        while len(self.buf) < n:
            self.buf += self.s.recv(65536)
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(lines[0].split(" ")[1]), hdr, body.decode("latin-1")

    def _authorization(self, method, url):
        if not self.auth or self.user is None:
            return None
        scheme, params = self.auth
        if scheme == "basic":
            return "Basic " + base64.b64encode(f"{self.user}:{self.pw}".encode()).decode()
        h = lambda x: hashlib.md5(x.encode()).hexdigest()  # noqa: E731
        realm, nonce = params["realm"], params["nonce"]
        ha1, ha2 = h(f"{self.user}:{realm}:{self.pw}"), h(f"{method}:{url}")
        resp = h(f"{ha1}:{nonce}:{ha2}")
        return (f'Digest username="{self.user}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
                f'uri="{url}", response="{resp}"')

    def request(self, method, path_or_url, extra=(), retry=True):
        url = path_or_url if path_or_url.startswith("rtsp://") else self.base + path_or_url
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"] + list(extra)
        a = self._authorization(method, url)
        if a:
            lines.append(f"Authorization: {a}")
        self.s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        st, hdr, body = self._read_msg()
        if st == 401 and retry and self.user is not None:
            for ch in hdr.get("www-authenticate", []):
                scheme, _, rest = ch.partition(" ")
                params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
                if scheme.lower() == "digest" or (scheme.lower() == "basic" and not self.auth):
                    self.auth = (scheme.lower(), params)
                    if scheme.lower() == "digest":
                        break
            return self.request(method, url, extra, retry=False)
        return st, hdr, body

    def play_gets_rtp(self, path, wait):
        """DESCRIBE, SETUP (TCP interleaved), PLAY: (statuses, did an RTP frame arrive in wait s)."""
        st_d, hdr, _ = self.request("DESCRIBE", path, ["Accept: application/sdp"])
        base = hdr.get("content-base", [self.base + path + "/"])[0]
        st_s, hdr, _ = self.request("SETUP", base + "trackID=1" if "trackID" not in base else base,
                                    ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1"])
        sess = hdr.get("session", [""])[0].split(";")[0]
        st_p, _, _ = self.request("PLAY", base, [f"Session: {sess}", "Range: npt=0.000-"])
        end = time.time() + wait
        got = self.buf.startswith(b"$")
        self.s.settimeout(0.2)
        while not got and time.time() < end:
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                break
            got = b"$" in d[:1] or d.startswith(b"$")
        return (st_d, st_s, st_p), got

    def close(self):
        self.s.close()


def creds(c):
    r = c["rtsp"]
    return (r["user"], r["pass"]) if r["auth"] in ("basic", "digest") else (None, None)


# ---- RTSP: challenge, order, SDP ------------------------------------------------------------------
for c in t["cameras"]:
    r, ip, port = c["rtsp"], c["ip"], c["rtsp"]["port"]
    name = f"{c['name']} {ip}:{port}"
    main = c["streams"][0]
    try:
        x = Rtsp(ip, port)
        st, hdr, _ = x.request("DESCRIBE", main["path"], ["Accept: application/sdp"])
        if r["auth"] in ("basic", "digest"):
            ch = " ".join(hdr.get("www-authenticate", []))
            check(f"{name} challenges with {r['auth']}", st == 401 and ch.lower().startswith(r["auth"]), ch)
            if r["realm"]:
                check(f"{name} realm is the vendor's", f'realm="{r["realm"]}"' in ch, ch)
        else:
            check(f"{name} open (no auth)", st == 200, str(st))
        srv = hdr.get("server")
        if r["server_header"] is None:
            check(f"{name} sends no Server header", srv is None, str(srv))
        elif r["server_header"] != "unknown":
            check(f"{name} Server header", srv == [r["server_header"]], str(srv))
        st, _, _ = x.request("DESCRIBE", f"/zoo-decoy-{uuid.uuid4().hex[:8]}", ["Accept: application/sdp"])
        want = {"auth-first": 401, "path-first": 404, None: 404}[r["auth_order"]]
        if c["special"] == "any-path":
            want = 401
        check(f"{name} wrong path without credentials -> {want} ({r['auth_order'] or 'no auth'})", st == want, str(st))
        x.close()
        for s in c["streams"]:
            x = Rtsp(ip, port, *creds(c))
            st, hdr, sdp = x.request("DESCRIBE", s["path"], ["Accept: application/sdp"])
            x.close()
            good = st == 200 and "m=video" in sdp
            if c["special"] == "no-sprop":
                good = good and "sprop-parameter-sets" not in sdp and "H264/90000" in sdp
            elif c["special"] == "mjpeg":
                good = good and re.search(r"m=video \d+ RTP/AVP 26", sdp) is not None and not re.search(
                    r"framesize|x-dimensions|cliprect|width|height", sdp, re.I)
            elif s["codec"] == "h264":
                good = good and "sprop-parameter-sets" in sdp
            check(f"{name} {s['role']} {s['path']} DESCRIBE 200, SDP as the truth says ({s['sdp']})",
                  good, f"{st} {sdp[-160:]!r}" if not good else "")
    except (OSError, ConnectionError, ValueError) as e:
        check(f"{name} RTSP", False, repr(e))

# ---- "200 on any path": decoys answer but never stream ------------------------------------------
for c in [c for c in t["cameras"] if c["special"] == "any-path"]:
    ip, port = c["ip"], c["rtsp"]["port"]
    other = next(o for o in t["cameras"] if o["special"] is None)["streams"][0]["path"]
    for path in (f"/zoo-decoy-{uuid.uuid4().hex[:8]}", other, "/cam/realmonitor?channel=1&subtype=5"):
        x = Rtsp(ip, port, *creds(c))
        sts, rtp = x.play_gets_rtp(path, DECOY_WAIT_S)
        x.close()
        check(f"{c['name']} decoy {path}: DESCRIBE/SETUP/PLAY 200, no RTP in {DECOY_WAIT_S} s",
              sts == (200, 200, 200) and not rtp, f"{sts} rtp={rtp}")
    for s in c["streams"]:
        x = Rtsp(ip, port, *creds(c))
        sts, rtp = x.play_gets_rtp(s["path"], DECOY_WAIT_S)
        x.close()
        check(f"{c['name']} real {s['path']}: RTP within {DECOY_WAIT_S} s", sts == (200, 200, 200) and rtp,
              f"{sts} rtp={rtp}")

# ---- HTTP banners -------------------------------------------------------------------------------
for c in [c for c in t["cameras"] if c["http"]]:
    h = c["http"]
    try:
        s = socket.create_connection((c["ip"], h["port"]), timeout=5)
        s.sendall(f"GET / HTTP/1.1\r\nHost: {c['ip']}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        text = data.decode("latin-1")
        server = re.search(r"^Server: (.*)\r$", text, re.M)
        title = re.search(r"<title>(.*?)</title>", text, re.I)
        check(f"{c['name']} HTTP banner", (server.group(1) if server else None) == h["server"]
              and (title.group(1) if title else None) == h["title"], text.split("\r\n")[0])
    except OSError as e:
        check(f"{c['name']} HTTP", False, repr(e))

# ---- ONVIF: WS-Discovery + GetStreamUri ---------------------------------------------------------
onvif_cams = [c for c in t["cameras"] if c["onvif"]]
probe = (f'<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" '
         f'xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">'
         f'<e:Header><w:MessageID>urn:uuid:{uuid.uuid4()}</w:MessageID><w:To e:mustUnderstand="true">'
         f'urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To><w:Action e:mustUnderstand="true">'
         f'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header><e:Body><d:Probe/></e:Body></e:Envelope>')
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
u.sendto(probe.encode(), ("239.255.255.250", 3702))
u.settimeout(2)
replies = {}
try:
    while True:
        d, a = u.recvfrom(65535)
        replies[a[0]] = d.decode(errors="replace")
except socket.timeout:
    pass
check("ws-discovery: exactly the ONVIF camera answers", set(replies) == {c["ip"] for c in onvif_cams},
      str(sorted(replies)))
ports = {int(r["port"]) for r in csv.DictReader(open(os.path.join(HERE, "..", "..", "..", "src", "camdb", "data", "rtsp-ports.tsv")), delimiter="\t")}
try:
    from onvif import ONVIFCamera
    import onvif as onvif_mod
    wsdl = os.path.join(os.path.dirname(os.path.dirname(onvif_mod.__file__)), "wsdl")
    for c in onvif_cams:
        o = c["onvif"]
        cam = ONVIFCamera(c["ip"], o["port"], o["user"], o["pass"], wsdl)
        media = cam.create_media_service()
        uris = []
        for p in media.GetProfiles():
            req = media.create_type("GetStreamUri")
            req.ProfileToken = p.token
            req.StreamSetup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
            uris.append(media.GetStreamUri(req).Uri)
        check(f"{c['name']} onvif-zeep GetStreamUri gives the truth's URLs", uris == o["stream_uris"], str(uris))
        check(f"{c['name']} RTSP port {c['rtsp']['port']} is in no brand's port list", c["rtsp"]["port"] not in ports)
except ImportError as e:
    check("onvif-zeep importable (run with scripts/lab/venv/bin/python)", False, repr(e))

# ---- mDNS: _rtsp._tcp -----------------------------------------------------------------------------
try:
    from zeroconf import ServiceBrowser, Zeroconf, ServiceListener

    class L(ServiceListener):
        def __init__(self):
            self.names = set()

        def add_service(self, zc, type_, name):
            self.names.add(name)

        def update_service(self, zc, type_, name):
            pass

        def remove_service(self, zc, type_, name):
            pass

    zc = Zeroconf(interfaces=[t["detector"]["ip"]])
    lst = L()
    ServiceBrowser(zc, "_rtsp._tcp.local.", lst)
    time.sleep(3)
    seen = []
    for n in sorted(lst.names):
        info = zc.get_service_info("_rtsp._tcp.local.", n, timeout=3000)
        if info:
            seen.append((info.parsed_addresses()[0], info.port,
                         sorted(f"{k.decode()}={(v or b'').decode()}" for k, v in info.properties.items())))
    zc.close()
    want = [(c["ip"], c["mdns"]["port"], sorted(c["mdns"]["txt"])) for c in t["cameras"] if c["mdns"]]
    check("mdns: exactly the mDNS camera announces _rtsp._tcp, with its port and path", seen == want, str(seen))
    for c in [c for c in t["cameras"] if c["mdns"]]:
        check(f"{c['name']} RTSP port {c['rtsp']['port']} is in no brand's port list", c["rtsp"]["port"] not in ports)
except ImportError as e:
    check("python-zeroconf importable (run with scripts/lab/venv/bin/python)", False, repr(e))

print(f"zoo-check: {ok} passed, {fail} failed")
sys.exit(1 if fail else 0)
