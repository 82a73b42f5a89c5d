#!/usr/bin/python3
"""Capture raw RTSP exchanges from the lab's real servers as test fixtures.

Run as: ip netns exec lab-det /usr/bin/python3 scripts/lab/capture_rtsp.py src/discovery/rtsp/testdata
Plain TCP sockets to the lab IPs only (10.77.0.0/24); every read bounded in bytes and time.
Writes OUTDIR/<vendor>_<impl>_<operation>.txt (raw response bytes as received) and, for
requests carrying credentials, <...>_request.txt (the exact bytes sent).
"""
import base64, hashlib, os, re, socket, sys, time

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
CNONCE = "0a4f113b"
UA = "camera-detector-capture"


def save(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes: {data[:60]!r}")


class Conn:
    def __init__(self, ip, port):
        # The lab's servers, or capture_rtp.py's own gst-rtsp-server on loopback.
        assert ip.startswith("10.77.0.") or ip == "127.0.0.1", ip
        self.s = socket.create_connection((ip, port), timeout=5)
        self.buf = b""
        self.cseq = 0

    def _fill(self, deadline):
        if time.time() > deadline or len(self.buf) > 1 << 20:
            raise TimeoutError("no complete message")
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("closed")
        self.buf += chunk

    def response(self):
        """One complete RTSP response (raw bytes), skipping nothing."""
        deadline = time.time() + 5
        while True:
            m = re.search(rb"\r?\n\r?\n", self.buf)
            if m and self.buf.startswith(b"RTSP/"):
                head = self.buf[: m.end()]
                cl = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                n = m.end() + (int(cl.group(1)) if cl else 0)
                if len(self.buf) >= n:
                    raw, self.buf = self.buf[:n], self.buf[n:]
                    return raw
            self._fill(deadline)

    def send(self, method, url, headers=()):
        self.cseq += 1
        req = f"{method} {url} RTSP/1.0\r\nCSeq: {self.cseq}\r\nUser-Agent: {UA}\r\n"
        for k, v in headers:
            req += f"{k}: {v}\r\n"
        req = (req + "\r\n").encode()
        self.s.sendall(req)
        return req

    def ask(self, method, url, headers=()):
        req = self.send(method, url, headers)
        return req, self.response()

    def frame(self, deadline):
        """The next complete interleaved frame ($ ch len16 payload), by `deadline`."""
        while True:
            if len(self.buf) >= 4 and self.buf[0:1] == b"$":
                n = 4 + int.from_bytes(self.buf[2:4], "big")
                if len(self.buf) >= n:
                    frame, self.buf = self.buf[:n], self.buf[n:]
                    return frame
            elif self.buf and self.buf[0:1] != b"$":
                raise ValueError(f"not interleaved: {self.buf[:40]!r}")
            self._fill(deadline)

    def frames(self, count):
        """The next `count` complete interleaved frames."""
        deadline = time.time() + 5
        return b"".join(self.frame(deadline) for _ in range(count))


def header(raw, name):
    m = re.search(rb"(?im)^" + name.encode() + rb":\s*(.*?)\s*$", raw)
    return m.group(1).decode() if m else None


def digest(raw401, user, pw, method, uri, nc=1):
    ch = header(raw401, "WWW-Authenticate")
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', ch.split(" ", 1)[1]))
    realm, nonce = params["realm"], params["nonce"]
    ha1 = hashlib.md5(f"{user}:{realm}:{pw}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    if "qop" in params:
        ncs = f"{nc:08x}"
        resp = hashlib.md5(f"{ha1}:{nonce}:{ncs}:{CNONCE}:auth:{ha2}".encode()).hexdigest()
        v = (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
             f'response="{resp}", qop=auth, nc={ncs}, cnonce="{CNONCE}"')
    else:
        resp = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        v = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{resp}"'
    if "opaque" in params:
        v += f', opaque="{params["opaque"]}"'
    return ("Authorization", v)


def basic(user, pw):
    return ("Authorization", "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode())


def track_url(describe, url):
    base = header(describe, "Content-Base") or url
    body = describe.split(b"\r\n\r\n", 1)[1].decode()
    video = body.split("m=video", 1)[1]
    ctl = re.search(r"(?m)^a=control:(\S+)", video).group(1)
    return ctl if "://" in ctl else base.rstrip("/") + "/" + ctl


def gst_digest(prefix, ip, port, path, user, pw, play=True):
    url = f"rtsp://{ip}:{port}{path}"
    c = Conn(ip, port)
    _, r = c.ask("OPTIONS", url)
    save(f"{prefix}_options.txt", r)
    _, r401 = c.ask("DESCRIBE", url, [("Accept", "application/sdp")])
    save(f"{prefix}_describe_401.txt", r401)
    req, r = c.ask("DESCRIBE", url, [("Accept", "application/sdp"), digest(r401, user, pw, "DESCRIBE", url)])
    save(f"{prefix}_describe_auth_request.txt", req)
    save(f"{prefix}_describe.txt", r)
    if not play:
        return
    turl = track_url(r, url)
    _, r = c.ask("SETUP", turl, [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"),
                                  digest(r401, user, pw, "SETUP", turl)])
    save(f"{prefix}_setup_tcp.txt", r)
    session = header(r, "Session").split(";")[0]
    _, r = c.ask("PLAY", url, [("Session", session), ("Range", "npt=0.000-"), digest(r401, user, pw, "PLAY", url)])
    save(f"{prefix}_play.txt", r)
    save(f"{prefix}_interleaved.txt", c.frames(3))
    c.send("TEARDOWN", url, [("Session", session), digest(r401, user, pw, "TEARDOWN", url)])
    c.s.close()


def main():
    # cam1: gst-rtsp-server, Digest
    gst_digest("hikvision_gst", "10.77.0.101", 554, "/Streaming/Channels/101", "admin", "Hik12345!")
    gst_digest("hikvision_gst_sub", "10.77.0.101", 554, "/Streaming/Channels/102", "admin", "Hik12345!", play=False)
    # cam1: ipycam native RTSP, no auth, TCP only
    ip, url = "10.77.0.101", "rtsp://10.77.0.101:8554/live_main"
    c = Conn(ip, 8554)
    save("hikvision_ipycam_options.txt", c.ask("OPTIONS", url)[1])
    r = c.ask("DESCRIBE", url, [("Accept", "application/sdp")])[1]
    save("hikvision_ipycam_describe.txt", r)
    r = c.ask("SETUP", track_url(r, url), [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])[1]
    save("hikvision_ipycam_setup_tcp.txt", r)
    session = header(r, "Session").split(";")[0]
    save("hikvision_ipycam_play.txt", c.ask("PLAY", url, [("Session", session), ("Range", "npt=0.000-")])[1])
    save("hikvision_ipycam_interleaved.txt", c.frames(3))
    c.s.close()
    # cam4: gst-rtsp-server, Basic
    url = "rtsp://10.77.0.104:554/h264Preview_01_main"
    c = Conn("10.77.0.104", 554)
    save("reolink_gst_describe_401.txt", c.ask("DESCRIBE", url, [("Accept", "application/sdp")])[1])
    req, r = c.ask("DESCRIBE", url, [("Accept", "application/sdp"), basic("admin", "reolink123")])
    save("reolink_gst_describe_auth_request.txt", req)
    save("reolink_gst_describe.txt", r)
    url = "rtsp://10.77.0.104:554/h264Preview_01_sub"
    save("reolink_gst_sub_describe.txt", c.ask("DESCRIBE", url, [("Accept", "application/sdp"), basic("admin", "reolink123")])[1])
    c.s.close()
    # cam5: gst-rtsp-server, no auth, H.265 + H.264 on 8554
    c = Conn("10.77.0.105", 8554)
    save("amcrest_gst_options.txt", c.ask("OPTIONS", "rtsp://10.77.0.105:8554/stream1")[1])
    save("amcrest_gst_stream1_describe.txt", c.ask("DESCRIBE", "rtsp://10.77.0.105:8554/stream1", [("Accept", "application/sdp")])[1])
    save("amcrest_gst_stream2_describe.txt", c.ask("DESCRIBE", "rtsp://10.77.0.105:8554/stream2", [("Accept", "application/sdp")])[1])
    c.s.close()
    # cam2: gst-rtsp-server, Digest, H.264 + PCMU
    gst_digest("dahua_gst", "10.77.0.102", 554, "/cam/realmonitor?channel=1&subtype=0", "admin", "Dahua#2024", play=False)
    # cam6: npm rtsp-streaming-server, Basic, UDP only
    url = "rtsp://10.77.0.106:554/media/video1"
    c = Conn("10.77.0.106", 554)
    save("uniview_rtspserver_options.txt", c.ask("OPTIONS", url)[1])
    save("uniview_rtspserver_describe_401.txt", c.ask("DESCRIBE", url, [("Accept", "application/sdp")])[1])
    r = c.ask("DESCRIBE", url, [("Accept", "application/sdp"), basic("admin", "unv-654321")])[1]
    save("uniview_rtspserver_describe.txt", r)
    r = c.ask("SETUP", track_url(r, url), [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"), basic("admin", "unv-654321")])[1]
    save("uniview_rtspserver_setup_tcp_461.txt", r)
    c.s.close()


if __name__ == "__main__":
    main()
