#!/usr/bin/env python3
"""A misbehaving peer for the lab (tests/it/lab_world_hostile.rs): the misbehaviour real
servers do not show. Python 3 standard library only. Runs inside an owned host's namespace
(tests/it/support/ownhost.rs) and binds only to that host's address (--ip); it never sends a
packet except in answer to one it received, and it exits after --lifetime seconds whatever
happens (every loop below is bounded by that lifetime or by a count).

Modes (the misbehaviour is on the port named):
  rtsp-silent          554: accepts, reads, never answers (slowloris)
  rtsp-endless-header  554: "RTSP/1.0 200 OK" then header lines forever (--line-gap: pause
                       between lines, 0 = as fast as the socket takes them)
  rtsp-200-no-rtp      554: 200 to OPTIONS/DESCRIBE (a small valid H.264 SDP)/SETUP/PLAY/
                       TEARDOWN for every path; never one RTP packet
  rtsp-200-but-decoy   554: as rtsp-200-no-rtp, but 404 to the detector's decoy path
                       (/camera-detector-decoy-*), so it does not look like a server that
                       accepts any path
  rtsp-huge-sdp        554: DESCRIBE answers a 10 MB SDP with a correct Content-Length
  onvif-entity-bomb    80: HTTP 200 with a billion-laughs XML to every request;
                       3702/udp (unicast): a ProbeMatch pointing at it; 554: 404 to all
  onvif-huge-body      80: HTTP 200 with a 50 MB body; 3702 and 554 as above
  wsd-xaddrs           3702/udp: ProbeMatches with malformed XAddrs (empty host,
                       http://[]/, several URLs one of them --foreign, --foreign only);
                       80: 404 to every request (recorded); 554: 404 to all
  wsd-flood            3702/udp: --count (10 000) ProbeMatch datagrams per Probe, each a new
                       endpoint and XAddr (--burst N: a --burst-gap pause after every N, so
                       that the receiver's socket buffer does not drop most); 554: 404 to all
  wsd-multicast-flood  once --go names an existing file: --rounds rounds, --round-gap
                       seconds apart, of --count datagrams to 239.255.255.250:3702 (TTL 1,
                       paced like wsd-flood), camera Hellos and unsolicited ProbeMatches in
                       turn, each a new endpoint and XAddr on this host; nothing listens
  foreign-listener     80, 554, 8080 and 3702/udp: records whatever arrives, answers nothing

Every connection, request and datagram is one JSON line in --log (with "auth": whether an
Authorization header or a WS-Security UsernameToken came with it); the first line is
{"event": "ready"} once every socket listens.
WS-Discovery is answered only on the unicast socket (our --ip, port 3702): the multicast
group is never joined, so other tests' multicast Probes on the shared bridge get no answer.
Only wsd-multicast-flood sends to the group, and only after the test asks for it (--go).
"""
import argparse
import json
import os
import re
import socket
import sys
import threading
import time
import uuid

LOCK = threading.Lock()
LOG = None
START = time.monotonic()
ARGS = None


def log(**event):
    event["t"] = round(time.monotonic() - START, 3)
    with LOCK:
        LOG.write(json.dumps(event) + "\n")
        LOG.flush()


def alive():
    return time.monotonic() - START < ARGS.lifetime


def has_auth(data):
    low = data.lower()
    return b"\nauthorization:" in low or b"usernametoken" in low


def listen_tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ARGS.ip, port))
    s.listen(64)
    s.settimeout(1.0)
    return s


def serve_tcp(sock, handler):
    """Accept loop (bounded by the lifetime); one thread per connection."""
    port = sock.getsockname()[1]
    conns = 0
    while alive():
        try:
            c, addr = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        conns += 1
        if conns > 10_000:
            c.close()
            continue
        log(event="connect", port=port, src=addr[0])
        c.settimeout(2.0)
        threading.Thread(target=guarded, args=(handler, c, addr, port), daemon=True).start()


def guarded(handler, c, addr, port):
    try:
        handler(c, addr, port)
    except (OSError, ValueError) as e:
        log(event="closed", port=port, src=addr[0], why=type(e).__name__)
    finally:
        try:
            c.close()
        except OSError:
            pass


def read_request(c, buf):
    """One request (headers, then Content-Length body) from c; (request, rest) or (None, b"")
    at end of stream. Bounded: 1 MiB of headers at most."""
    while b"\r\n\r\n" not in buf:
        if len(buf) > 1 << 20 or not alive():
            return None, b""
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return None, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    want = int(m.group(1)) if m else 0
    while len(rest) < min(want, 1 << 20) and alive():
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest[:want], rest[want:]


def record(port, addr, req):
    first = req.split(b"\r\n", 1)[0].decode("latin-1")[:200]
    log(event="request", port=port, src=addr[0], line=first, auth=has_auth(req), bytes=len(req))


def cseq(req):
    m = re.search(rb"(?im)^cseq:\s*(\d+)", req)
    return m.group(1).decode() if m else "0"


# --- RTSP -----------------------------------------------------------------------------------

SDP = (
    "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=hostile\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "a=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=42001e;"
    "sprop-parameter-sets=Z0IAHqtAoC/yAA==,aM4xsg==\r\na=control:trackID=0\r\n"
)


def rtsp_silent(c, addr, port):
    total = 0
    while alive():
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return
        if total == 0:
            record(port, addr, chunk)
        total += len(chunk)


def rtsp_endless_header(c, addr, port):
    req, _ = read_request(c, b"")
    if req is None:
        return
    record(port, addr, req)
    c.sendall(("RTSP/1.0 200 OK\r\nCSeq: %s\r\n" % cseq(req)).encode())
    n = 0
    sent = 0
    c.settimeout(ARGS.lifetime)
    while alive():
        n += 1
        line = ("X-Endless-%d: %s\r\n" % (n, "a" * 40)).encode()
        c.sendall(line)
        sent += len(line)
        if ARGS.line_gap > 0:
            time.sleep(ARGS.line_gap)
    log(event="header-bytes", port=port, sent=sent)


def rtsp_answer(c, addr, port, answer):
    buf = b""
    while alive():
        req, buf = read_request(c, buf)
        if req is None:
            return
        record(port, addr, req)
        if not answer(c, req):
            return


def answer_200(c, req):
    method = req.split(b" ", 1)[0].decode("latin-1")
    head = "RTSP/1.0 200 OK\r\nCSeq: %s\r\n" % cseq(req)
    body = ""
    if method == "OPTIONS":
        head += "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n"
    elif method == "DESCRIBE":
        url = req.split(b" ")[1].decode("latin-1")
        body = SDP.format(ip=ARGS.ip)
        head += "Content-Base: %s/\r\nContent-Type: application/sdp\r\n" % url
    elif method == "SETUP":
        m = re.search(rb"(?im)^transport:\s*(.*?)\r\n", req)
        head += "Transport: %s\r\nSession: 12345678;timeout=60\r\n" % (
            m.group(1).decode("latin-1") if m else "RTP/AVP/TCP;unicast;interleaved=0-1")
    elif method in ("PLAY", "TEARDOWN"):
        head += "Session: 12345678\r\n"
    head += "Content-Length: %d\r\n\r\n" % len(body)
    c.sendall((head + body).encode())
    return True


def answer_200_but_decoy(c, req):
    if b"/camera-detector-decoy-" in req.split(b"\r\n", 1)[0]:
        return answer_404(c, req)
    return answer_200(c, req)


def answer_huge_sdp(c, req):
    method = req.split(b" ", 1)[0].decode("latin-1")
    if method != "DESCRIBE":
        c.sendall(("RTSP/1.0 200 OK\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n" % cseq(req)).encode())
        return True
    size = ARGS.size
    head = ("RTSP/1.0 200 OK\r\nCSeq: %s\r\nContent-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n" % (cseq(req), size)).encode()
    c.sendall(head)
    sdp = SDP.format(ip=ARGS.ip).encode()
    c.sendall(sdp)
    line = b"a=x-hostile:" + b"p" * 1000 + b"\r\n"
    sent = len(sdp)
    c.settimeout(ARGS.lifetime)
    while sent < size and alive():
        chunk = line * 64
        chunk = chunk[: size - sent]
        try:
            c.sendall(chunk)
        except OSError:
            break
        sent += len(chunk)
    log(event="body-bytes", port=554, sent=sent)
    return True


def answer_404(c, req):
    c.sendall(("RTSP/1.0 404 Not Found\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n" % cseq(req)).encode())
    return True


# --- HTTP (ONVIF) ---------------------------------------------------------------------------

BOMB = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
 xmlns:tds="http://www.onvif.org/ver10/device/wsdl"
 xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>
<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>
<tt:DateTimeType>&lol9;</tt:DateTimeType>
</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>
<tds:GetDeviceInformationResponse><tds:Manufacturer>&lol9;</tds:Manufacturer>
<tds:Model>&lol9;</tds:Model><tds:FirmwareVersion>&lol9;</tds:FirmwareVersion>
<tds:SerialNumber>&lol9;</tds:SerialNumber><tds:HardwareId>&lol9;</tds:HardwareId>
</tds:GetDeviceInformationResponse>
</s:Body></s:Envelope>
"""


def http_answer(c, addr, port, answer):
    buf = b""
    while alive():
        req, buf = read_request(c, buf)
        if req is None:
            return
        record(port, addr, req)
        answer(c, req)


def http_bomb(c, req):
    body = BOMB.encode()
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=utf-8\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)


def http_huge(c, req):
    size = ARGS.size
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=utf-8\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % size)
    start = (b'<?xml version="1.0" encoding="utf-8"?><s:Envelope '
             b'xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>')
    c.sendall(start)
    sent = len(start)
    chunk = b"<p>" + b"z" * 1017 + b"</p>"
    chunk = chunk * 64
    c.settimeout(ARGS.lifetime)
    while sent < size and alive():
        part = chunk[: size - sent]
        try:
            c.sendall(part)
        except OSError:
            break
        sent += len(part)
    log(event="body-bytes", port=80, sent=sent)
    raise ValueError("done")  # close the connection


def http_404(c, req):
    c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def record_only(c, addr, port):
    """The foreign listener: read whatever comes (bounded), record it, never answer."""
    data = b""
    while alive() and len(data) < 1 << 20:
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    record(port, addr, data)


# --- WS-Discovery ---------------------------------------------------------------------------

ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"
               xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"
               xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"
               xmlns:dn="http://www.onvif.org/ver10/network/wsdl"
               xmlns:tds="http://www.onvif.org/ver10/device/wsdl">
    <soap:Header>
        <wsa:To>{to}</wsa:To>
        <wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/{action}</wsa:Action>
        <wsa:MessageID>urn:uuid:{{msg}}</wsa:MessageID>{relates}
    </soap:Header>
    <soap:Body>{open}
        <d:{element}>
            <d:EndpointReference><wsa:Address>urn:uuid:{{ep}}</wsa:Address></d:EndpointReference>
            <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
            <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/Hostile</d:Scopes>
            <d:XAddrs>{{xaddrs}}</d:XAddrs>
            <d:MetadataVersion>1</d:MetadataVersion>
        </d:{element}>{close}
    </soap:Body>
</soap:Envelope>
"""
PROBE_MATCH = ENVELOPE.format(
    to="http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
    action="ProbeMatches", relates="\n        <wsa:RelatesTo>{rel}</wsa:RelatesTo>",
    open="\n        <d:ProbeMatches>", element="ProbeMatch", close="\n        </d:ProbeMatches>")
HELLO = ENVELOPE.format(
    to="urn:schemas-xmlsoap-org:ws:2005:04:discovery", action="Hello", relates="",
    open="", element="Hello", close="")


def probe_match(rel, ep, xaddrs):
    return PROBE_MATCH.format(msg=uuid.uuid4(), rel=rel, ep=ep, xaddrs=xaddrs).encode()


def xaddr_sets():
    me, far = ARGS.ip, ARGS.foreign
    return [
        "http:///onvif/device_service",
        "http://[]/",
        "http://[]:80/onvif/device_service http://:80/onvif/device_service",
        "http://%s/onvif/device_service http://%s:80/onvif/device_service "
        "http://%s:8080/onvif/device_service" % (far, me, far),
        "http://%s/onvif/device_service" % far,
        "http://admin:admin@%s:8080/onvif/device_service" % far,
    ]


def wsd_answers(rel):
    mode = ARGS.mode
    if mode in ("onvif-entity-bomb", "onvif-huge-body"):
        yield probe_match(rel, "5e1f0000-0000-4000-8000-00000000b0b0",
                          "http://%s/onvif/device_service" % ARGS.ip)
    elif mode == "wsd-xaddrs":
        for i, x in enumerate(xaddr_sets()):
            yield probe_match(rel, "5e1f0000-0000-4000-8000-%012d" % i, x)
    elif mode == "wsd-flood":
        for i in range(ARGS.count):
            yield probe_match(rel, "f100d000-0000-4000-8000-%012d" % i,
                              "http://%s/onvif/device_service/%d" % (ARGS.ip, i))


def serve_wsd(sock, answer):
    probes = 0
    while alive() and probes < 100:
        try:
            data, src = sock.recvfrom(65536)
        except socket.timeout:
            continue
        except OSError:
            return
        m = re.search(rb"<[^>]*MessageID[^>]*>\s*([^<\s]+)\s*<", data)
        is_probe = b"Probe" in data and b"ProbeMatch" not in data
        log(event="datagram", port=3702, src=src[0], probe=is_probe, auth=has_auth(data),
            bytes=len(data))
        if not (answer and is_probe and m):
            continue
        probes += 1
        sent = 0
        for dgram in wsd_answers(m.group(1).decode("latin-1")):
            try:
                sock.sendto(dgram, src)
                sent += 1
            except OSError:
                pass
            if ARGS.burst and sent % ARGS.burst == 0:
                time.sleep(ARGS.burst_gap)
        log(event="answered", port=3702, src=src[0], datagrams=sent)


def multicast_flood():
    """wsd-multicast-flood: waits for --go, then sends the rounds to the group (bounded by
    --rounds, --count and the lifetime)."""
    while alive() and not os.path.exists(ARGS.go):
        time.sleep(0.05)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ARGS.ip))
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    u.bind((ARGS.ip, 0))
    group = ("239.255.255.250", 3702)
    for r in range(ARGS.rounds):
        if not alive():
            return
        if r:
            time.sleep(ARGS.round_gap)
        sent = {"hello": 0, "probe_match": 0}
        t0 = time.monotonic()
        for i in range(ARGS.count):
            ep = "f100d000-%04d-4000-8000-%012d" % (r, i)
            xaddr = "http://%s/onvif/device_service/%d" % (ARGS.ip, i)
            if i % 2 == 0:
                kind, dgram = "hello", HELLO.format(msg=uuid.uuid4(), ep=ep, xaddrs=xaddr)
                dgram = dgram.encode()
            else:
                kind, dgram = "probe_match", probe_match("urn:uuid:%s" % uuid.uuid4(), ep, xaddr)
            try:
                u.sendto(dgram, group)
                sent[kind] += 1
            except OSError:
                pass
            if ARGS.burst and (i + 1) % ARGS.burst == 0:
                time.sleep(ARGS.burst_gap)
        log(event="flooded", round=r, seconds=round(time.monotonic() - t0, 3), **sent)


def main():
    global LOG, ARGS
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--ip", required=True)
    p.add_argument("--foreign", default="192.0.2.1")
    p.add_argument("--log", required=True)
    p.add_argument("--lifetime", type=float, default=180.0)
    p.add_argument("--line-gap", type=float, default=0.0)
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--burst", type=int, default=0)
    p.add_argument("--burst-gap", type=float, default=0.001)
    p.add_argument("--go", default="")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--round-gap", type=float, default=5.0)
    ARGS = p.parse_args()
    LOG = open(ARGS.log, "a")
    mode = ARGS.mode
    if not ARGS.size:
        ARGS.size = 50 * 1000 * 1000 if mode == "onvif-huge-body" else 10 * 1000 * 1000
    # The watchdog: the peer never outlives --lifetime.
    threading.Timer(ARGS.lifetime + 2, lambda: os._exit(0)).start()

    tcp = []  # (socket, handler)
    rtsp = {
        "rtsp-silent": rtsp_silent,
        "rtsp-endless-header": rtsp_endless_header,
        "rtsp-200-no-rtp": lambda c, a, p: rtsp_answer(c, a, p, answer_200),
        "rtsp-200-but-decoy": lambda c, a, p: rtsp_answer(c, a, p, answer_200_but_decoy),
        "rtsp-huge-sdp": lambda c, a, p: rtsp_answer(c, a, p, answer_huge_sdp),
    }
    http = {
        "onvif-entity-bomb": http_bomb,
        "onvif-huge-body": http_huge,
        "wsd-xaddrs": http_404,
    }
    wsd = None
    threads_extra = []
    if mode in rtsp:
        tcp.append((listen_tcp(554), rtsp[mode]))
    elif mode in http or mode == "wsd-flood":
        tcp.append((listen_tcp(554), lambda c, a, p: rtsp_answer(c, a, p, answer_404)))
        if mode in http:
            tcp.append((listen_tcp(80), lambda c, a, p, f=http[mode]: http_answer(c, a, p, f)))
        wsd = (True,)
    elif mode == "wsd-multicast-flood":
        if not ARGS.go:
            sys.exit("wsd-multicast-flood needs --go <file>")
        threads_extra = [threading.Thread(target=multicast_flood, daemon=True)]
    elif mode == "foreign-listener":
        for port in (80, 554, 8080):
            tcp.append((listen_tcp(port), record_only))
        wsd = (False,)
    else:
        sys.exit("unknown mode %r" % mode)
    threads = [threading.Thread(target=serve_tcp, args=t, daemon=True) for t in tcp]
    threads += threads_extra
    if wsd:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((ARGS.ip, 3702))
        u.settimeout(1.0)
        threads.append(threading.Thread(target=serve_wsd, args=(u, wsd[0]), daemon=True))
    for t in threads:
        t.start()
    log(event="ready", mode=mode, ip=ARGS.ip)
    while alive():
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    main()
