#!/usr/bin/python3
"""zoo-peer.py — the zoo's cheap responder (stdlib only, one asyncio process for many addresses).

It serves only what gst-rtsp-server cannot:
  * RTSP cameras with quirks: "200 on any path" (DESCRIBE/SETUP/PLAY answer 200 on every path,
    RTP flows only on the real paths), an H.264 SDP without sprop-parameter-sets (SPS/PPS only
    in-band), MJPEG (RTP payload 26, no size in the SDP);
  * the HTTP servers on port 80 of some cameras (vendor-like Server header or title).
No encoder runs: RTP comes from canned files (RFC 4571 framing: 2-byte length, then one RTP
packet) that zoo-up.sh payloads once with GStreamer's own payloaders. A PLAY replays the file in
real time (paced by the RTP timestamps, looped, at most MAX_PLAY_S per session), with a fresh
SSRC, sequence and timestamp base; over TCP interleaved or UDP from the camera's own address.
Issue 15's camera farm runs it too (hundreds of addresses in one namespace, one listener each:
a wildcard listener would open every port on every address).

Requests are counted per camera address; SIGUSR1 writes the counts as JSON to the file
ZOO_COUNTS names ({"rtsp": {ip: n}, "http": {ip: n}}), atomically.

Usage: zoo-peer.py ZOO_JSON NAMESPACE MEDIA_DIR     (ZOO_LOG=1: one line per request)
"""
import asyncio
import base64
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peercounts import Counts  # noqa: E402

LOG = os.environ.get("ZOO_LOG") == "1"
MAX_PLAY_S = 60          # RTP sent per PLAY at most (a probe needs a second)
MAX_HEAD = 16384         # bytes of one request's head
IDLE_S = 120             # an RTSP connection without a request for this long is closed
CLOCK = 90000
BACKLOG = 4096           # a scan connects to many cameras at once
COUNTS = Counts("rtsp", "http")


def log(*a):
    if LOG:
        print(*a, flush=True)


# ---- canned media -------------------------------------------------------------------------------
class Canned:
    """RTP packets of one file: [(timestamp, bytes)], their span, and the SDP media lines."""

    def __init__(self, path, codec):
        data = open(path, "rb").read()
        self.packets = []
        i = 0
        while i + 2 <= len(data):
            (n,) = struct.unpack_from(">H", data, i)
            pkt = data[i + 2:i + 2 + n]
            i += 2 + n
            if len(pkt) >= 12:
                self.packets.append((struct.unpack_from(">I", pkt, 4)[0], pkt))
        if not self.packets:
            sys.exit(f"zoo-peer: no RTP packets in {path}")
        ts = [t for t, _ in self.packets]
        step = min((b - a) % 2**32 for a, b in zip(ts, ts[1:]) if b != a) if len(set(ts)) > 1 else 9000
        self.span = (ts[-1] - ts[0]) % 2**32 + step
        self.codec = codec
        self.pt = self.packets[0][1][1] & 0x7F

    def nals(self):
        """NAL units carried whole (single-NAL or STAP-A/AP packets), H.264 or H.265."""
        for _, pkt in self.packets[:200]:
            cc = pkt[0] & 0x0F
            off = 12 + 4 * cc
            if pkt[0] & 0x10 and len(pkt) >= off + 4:
                off += 4 + 4 * struct.unpack_from(">H", pkt, off + 2)[0]
            body = pkt[off:]
            if not body:
                continue
            t = body[0] & 0x1F if self.codec == "h264" else (body[0] >> 1) & 0x3F
            agg = 24 if self.codec == "h264" else 48
            if t == agg:
                j = 1 if self.codec == "h264" else 2
                while j + 2 <= len(body):
                    (n,) = struct.unpack_from(">H", body, j)
                    yield body[j + 2:j + 2 + n]
                    j += 2 + n
            elif (self.codec == "h264" and t < 24) or (self.codec == "h265" and t < 48):
                yield body

    def media_lines(self, sprop):
        if self.codec == "mjpeg":  # static payload type 26: the SDP says nothing about the size
            return [f"m=video 0 RTP/AVP {self.pt}", "a=rtpmap:26 JPEG/90000"]
        lines = [f"m=video 0 RTP/AVP {self.pt}"]
        if self.codec == "h264":
            ps = {n[0] & 0x1F: n for n in self.nals() if n and n[0] & 0x1F in (7, 8)}
            fmtp = "packetization-mode=1"
            if 7 in ps:
                fmtp += f";profile-level-id={ps[7][1:4].hex()}"
            if sprop and 7 in ps and 8 in ps:
                fmtp += ";sprop-parameter-sets=" + ",".join(
                    base64.b64encode(ps[k]).decode() for k in (7, 8))
            lines += [f"a=rtpmap:{self.pt} H264/90000", f"a=fmtp:{self.pt} {fmtp}"]
        else:
            ps = {(n[0] >> 1) & 0x3F: n for n in self.nals() if n and (n[0] >> 1) & 0x3F in (32, 33, 34)}
            fmtp = ";".join(f"sprop-{k}={base64.b64encode(ps[t]).decode()}"
                            for k, t in (("vps", 32), ("sps", 33), ("pps", 34)) if t in ps)
            lines += [f"a=rtpmap:{self.pt} H265/90000"] + ([f"a=fmtp:{self.pt} {fmtp}"]
                                                          if sprop and fmtp else [])
        return lines


def canned_name(stream, special):
    stap = "-stap" if special == "no-sprop" else ""
    return f"{stream['codec']}-{stream['width']}x{stream['height']}{stap}.rtp"


# ---- auth ---------------------------------------------------------------------------------------
def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def parse_auth_params(s):
    return {k.lower(): quoted or bare
            for k, quoted, bare in re.findall(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))', s)}


class Auth:
    def __init__(self, rtsp):
        self.scheme = rtsp["auth"]
        self.user, self.pw = rtsp["user"], rtsp["pass"]
        self.realm = rtsp["realm"] or "RTSP Server"
        self.nonces = []

    def challenge(self):
        if self.scheme == "basic":
            return f'Basic realm="{self.realm}"'
        nonce = os.urandom(16).hex()
        self.nonces = (self.nonces + [nonce])[-64:]
        return f'Digest realm="{self.realm}", nonce="{nonce}"'

    def ok(self, method, header):
        if self.scheme not in ("basic", "digest"):
            return True
        if not header:
            return False
        kind, _, rest = header.strip().partition(" ")
        if self.scheme == "basic" and kind.lower() == "basic":
            try:
                return base64.b64decode(rest.strip()).decode() == f"{self.user}:{self.pw}"
            except (ValueError, UnicodeDecodeError):
                return False
        if self.scheme == "digest" and kind.lower() == "digest":
            p = parse_auth_params(rest)
            if p.get("username") != self.user or p.get("nonce") not in self.nonces:
                return False
            ha1 = md5(f"{self.user}:{self.realm}:{self.pw}")
            ha2 = md5(f"{method}:{p.get('uri', '')}")
            if p.get("qop"):
                want = md5(f"{ha1}:{p['nonce']}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p['qop']}:{ha2}")
            else:
                want = md5(f"{ha1}:{p['nonce']}:{ha2}")
            return p.get("response", "").lower() == want
        return False


# ---- RTSP ---------------------------------------------------------------------------------------
class Camera:
    def __init__(self, cam, media):
        self.cam = cam
        self.ip, self.port = cam["ip"], cam["rtsp"]["port"]
        self.auth = Auth(cam["rtsp"])
        self.any_path = cam["special"] == "any-path"
        self.path_first = cam["rtsp"]["auth_order"] == "path-first"
        sprop = cam["special"] != "no-sprop"
        self.streams = {}  # path (with query) -> (Canned, sdp media lines)
        for st in cam["streams"]:
            c = media[canned_name(st, cam["special"])]
            self.streams[st["path"]] = (c, c.media_lines(sprop))
        self.main = cam["streams"][0]["path"]

    def sdp(self, lines):
        sid = random.randrange(10**9, 10**10)
        return "\r\n".join([
            "v=0", f"o=- {sid} 1 IN IP4 {self.ip}", "s=Media Presentation", "c=IN IP4 0.0.0.0",
            "t=0 0", "a=control:*", "a=range:npt=now-"] + lines + ["a=control:trackID=1", ""])


class Session:
    def __init__(self, sid, path, real):
        self.sid, self.path, self.real = sid, path, real
        self.transport = None   # ('tcp', channel) or ('udp', (client_ip, port))
        self.task = None
        self.udp = None

    def stop(self):
        if self.task:
            self.task.cancel()
            self.task = None
        if self.udp:
            self.udp.close()
            self.udp = None


def url_path(url):
    """'/path?query' of an absolute rtsp:// URL (or of a bare path)."""
    m = re.match(r"^rtsps?://[^/]*(/.*)?$", url)
    return (m.group(1) or "/") if m else url


async def play(cam, sess, writer, canned):
    seq, ssrc, ts0 = random.randrange(65536), random.getrandbits(32), random.getrandbits(32)
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = canned.packets[0][0]
    lap = 0
    try:
        while loop.time() - start < MAX_PLAY_S:
            for ts, pkt in canned.packets:
                rel = (ts - first) % 2**32 + lap * canned.span
                delay = start + rel / CLOCK - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                out = bytearray(pkt)
                struct.pack_into(">HII", out, 2, seq & 0xFFFF, (ts0 + rel) % 2**32, ssrc)
                seq += 1
                if sess.transport[0] == "tcp":
                    writer.write(b"$" + bytes([sess.transport[1]]) + struct.pack(">H", len(out)) + out)
                    await writer.drain()
                else:
                    sess.udp.sendto(out, sess.transport[1])
            lap += 1
    except (ConnectionError, OSError):
        pass


async def handle_rtsp(cam, reader, writer):
    peer = writer.get_extra_info("peername")
    sessions = {}
    try:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_S)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3 or not parts[2].startswith("RTSP/"):
                writer.write(b"RTSP/1.0 400 Bad Request\r\n\r\n")
                return
            method, url = parts[0], parts[1]
            hdr = {}
            for ln in lines[1:]:
                k, sep, v = ln.partition(":")
                if sep:
                    hdr[k.strip().lower()] = v.strip()
            n = int(hdr.get("content-length", "0") or 0)
            if n:
                await reader.readexactly(min(n, MAX_HEAD))
            COUNTS.add("rtsp", cam.ip)
            status, extra, body = rtsp_answer(cam, method, url, hdr, sessions, peer, writer)
            log(f"{cam.cam['name']} {peer[0]} {method} {url} -> {status.split(' ')[0]}")
            out = [f"RTSP/1.0 {status}", f"CSeq: {hdr.get('cseq', '0')}"] + extra
            if body:
                out += ["Content-Type: application/sdp", f"Content-Length: {len(body)}"]
            writer.write(("\r\n".join(out) + "\r\n\r\n" + body).encode("latin-1"))
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        for s in sessions.values():
            s.stop()
        writer.close()


def rtsp_answer(cam, method, url, hdr, sessions, peer, writer):
    """(status, extra header lines, body) for one request; starts/stops RTP as a side effect."""
    if method == "OPTIONS":
        return "200 OK", ["Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"], ""
    if method not in ("DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "GET_PARAMETER", "PAUSE"):
        return "405 Method Not Allowed", ["Allow: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"], ""
    path = url_path(url)
    if (method == "DESCRIBE" and cam.path_first and not cam.any_path
            and path not in cam.streams):
        return "404 Not Found", [], ""
    if method in ("DESCRIBE", "SETUP", "PLAY") and not cam.auth.ok(method, hdr.get("authorization")):
        return "401 Unauthorized", [f"WWW-Authenticate: {cam.auth.challenge()}"], ""
    if method == "DESCRIBE":
        real = path in cam.streams
        if not real and not cam.any_path:
            return "404 Not Found", [], ""
        _, lines = cam.streams[path if real else cam.main]
        return "200 OK", [f"Content-Base: {url.rstrip('/')}/"], cam.sdp(lines)
    sid = hdr.get("session", "").split(";")[0].strip()
    if method == "SETUP":
        base = path.rsplit("/", 1)[0] if path.rstrip("/").endswith("trackID=1") else path
        real = base in cam.streams
        if not real and not cam.any_path:
            return "404 Not Found", [], ""
        sess = sessions.get(sid) or Session(os.urandom(6).hex().upper(), base, real)
        sessions[sess.sid] = sess
        t = hdr.get("transport", "")
        m = re.search(r"interleaved=(\d+)", t)
        if "TCP" in t.upper() and m:
            sess.transport = ("tcp", int(m.group(1)))
            tr = f"RTP/AVP/TCP;unicast;interleaved={m.group(1)}-{int(m.group(1)) + 1}"
        else:
            m = re.search(r"client_port=(\d+)", t)
            if not m:
                return "461 Unsupported Transport", [], ""
            sess.stop()
            sess.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sess.udp.bind((cam.ip, 0))
            sess.udp.setblocking(False)
            sp = sess.udp.getsockname()[1]
            sess.transport = ("udp", (peer[0], int(m.group(1))))
            tr = (f"RTP/AVP;unicast;client_port={m.group(1)}-{int(m.group(1)) + 1};"
                  f"server_port={sp}-{sp + 1}")
        return "200 OK", [f"Transport: {tr}", f"Session: {sess.sid};timeout=60"], ""
    sess = sessions.get(sid)
    if sess is None:
        return "454 Session Not Found", [], ""
    if method == "PLAY":
        if sess.transport is None:
            return "455 Method Not Valid in This State", [], ""
        if sess.real and sess.task is None:
            canned, _ = cam.streams[sess.path]
            sess.task = asyncio.get_running_loop().create_task(play(cam, sess, writer, canned))
        return "200 OK", [f"Session: {sess.sid}", "Range: npt=0.000-"], ""
    if method == "TEARDOWN":
        sess.stop()
        sessions.pop(sid, None)
    elif method == "PAUSE":
        sess.stop()
    return "200 OK", [f"Session: {sess.sid}"], ""


# ---- HTTP on port 80 ----------------------------------------------------------------------------
async def handle_http(cam, reader, writer):
    h = cam["http"]
    COUNTS.add("http", cam["ip"])
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        method, path = (head.split(b"\r\n", 1)[0].decode("latin-1").split(" ") + ["", ""])[:2]
        if path.split("?")[0] == "/" and method in ("GET", "HEAD"):
            refresh = (f'<meta http-equiv="refresh" content="0; url={h["refresh"]}">'
                       if h.get("refresh") else "")
            title = f"<title>{h['title']}</title>" if h["title"] else ""
            body, status = f"<html><head>{refresh}{title}</head><body></body></html>", "200 OK"
        else:
            body, status = "<html><body>404 Not Found</body></html>", "404 Not Found"
        extra = f"Server: {h['server']}\r\n" if h["server"] else ""
        writer.write((f"HTTP/1.1 {status}\r\n{extra}Content-Type: text/html\r\n"
                      f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                      + ("" if method == "HEAD" else body)).encode())
        await writer.drain()
        log(f"{cam['name']} HTTP {method} {path} -> {status.split(' ')[0]}")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
            ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    truth = json.load(open(sys.argv[1], encoding="utf-8"))
    ns, media_dir = sys.argv[2], sys.argv[3]
    cams = [c for c in truth["cameras"] if c["ns"] == ns]
    media = {}
    for c in cams:
        if c["rtsp"]["peer"] == "zoo-peer.py":
            for st in c["streams"]:
                name = canned_name(st, c["special"])
                if name not in media:
                    media[name] = Canned(os.path.join(media_dir, name), st["codec"])
    servers, what = [], []
    for c in cams:
        if c["rtsp"]["peer"] == "zoo-peer.py":
            cam = Camera(c, media)
            servers.append(await asyncio.start_server(
                lambda r, w, cam=cam: handle_rtsp(cam, r, w), c["ip"], c["rtsp"]["port"],
                limit=MAX_HEAD, backlog=BACKLOG))
            what.append(f"rtsp {c['ip']}:{c['rtsp']['port']}")
        if c["http"]:
            servers.append(await asyncio.start_server(
                lambda r, w, c=c: handle_http(c, r, w), c["ip"], c["http"]["port"], limit=MAX_HEAD))
            what.append(f"http {c['ip']}:{c['http']['port']}")
    if len(what) > 40:
        what = what[:3] + [f"... {len(what) - 4} more ...", what[-1]]
    print(f"zoo-peer: {len(servers)} listener(s) in {ns}: {' '.join(what)}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    COUNTS.on_sigusr1(asyncio.get_running_loop())
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
