#!/usr/bin/python3
"""onvif.py — WS-Discovery and ONVIF for the camera farm's `onvif` cameras (stdlib, one asyncio
process for all of them), built from replies captured from the lab's real peers: the
detector's own fixtures (src/discovery/onvif/testdata/axis_lighttpd_*.xml: onvif-server behind
lighttpd; src/discovery/wsd/testdata/onvif-server_probematch.xml), with the capture's address,
identity and stream URIs replaced by the camera's from the farm's truth.

  * WS-Discovery: one socket on 0.0.0.0:3702 in the group 239.255.255.250; a multicast Probe
    gets one ProbeMatches per ONVIF camera, a unicast Probe (to a camera's address) the one
    camera's; each sent from the camera's own address, RelatesTo the Probe's MessageID.
  * ONVIF: an HTTP listener on port 80 of each ONVIF camera's address.
    GetSystemDateAndTime, GetDeviceInformation, GetCapabilities, GetServices (device, Media1),
    GetProfiles (main Profile_1, sub Profile_2), GetStreamUri, GetSnapshotUri; Media2 and any
    other action get onvif-server's "Action not supported" fault (HTTP 500). No login asked
    (the truth says so: onvif user null).
Requests are counted per camera ({"onvif": {ip: n}, "wsd": {ip: n}}), written as JSON to the
file ZOO_COUNTS names on SIGUSR1. Idle: blocked in select.

Usage: onvif.py FARM_JSON IFACE      (inside the cameras' namespace)
"""
import asyncio
import json
import os
import re
import signal
import socket
import struct
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo"))
from peercounts import Counts  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
ONVIF_DIR = os.path.join(ROOT, "src/discovery/onvif/testdata")
WSD_FIXTURE = os.path.join(ROOT, "src/discovery/wsd/testdata/onvif-server_probematch.xml")
CAPTURED_IP = "10.77.0.103"
GROUP = "239.255.255.250"
COUNTS = Counts("onvif", "wsd")
MAX_BODY = 65536
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)   # Linux; Python 3.11 lacks the name


def fixture(name):
    with open(os.path.join(ONVIF_DIR, f"axis_lighttpd_{name}.xml"), encoding="utf-8") as f:
        return f.read()


class Camera:
    def __init__(self, c):
        o = c["onvif"]
        self.ip, self.uuid = c["ip"], o["uuid"]
        main, sub = c["streams"][0]["url"], c["streams"][1]["url"]
        info = fixture("get_device_information")
        for tag, value in (("Manufacturer", o["manufacturer"]), ("Model", o["model"]),
                           ("SerialNumber", o["serial"])):
            info = re.sub(rf"<tds:{tag}>[^<]*<", f"<tds:{tag}>{value}<", info)
        here = lambda s: s.replace(CAPTURED_IP, self.ip)  # noqa: E731
        uri = lambda s, u: re.sub(r"<tt:Uri>rtsp://[^<]*</tt:Uri>", f"<tt:Uri>{u}</tt:Uri>", s)  # noqa: E731
        self.replies = {
            "GetSystemDateAndTime": fixture("get_system_date_and_time"),
            "GetDeviceInformation": info,
            "GetCapabilities": here(fixture("get_capabilities")),
            "GetServices": here(fixture("get_services")),
            "GetProfiles": fixture("get_profiles"),
            "Profile_1": uri(fixture("get_stream_uri_Profile_1"), main),
            "Profile_2": uri(fixture("get_stream_uri_Profile_1"), sub),
            "GetSnapshotUri": here(fixture("get_snapshot_uri_Profile_1")),
        }


UNSUPPORTED = fixture("get_profiles2")  # onvif-server's 500 "Action not supported"


def answer(cam, body):
    """(HTTP status, SOAP reply) for one request body."""
    if "ver20/media" in body:
        return 500, UNSUPPORTED
    for action in ("GetStreamUri", "GetSnapshotUri", "GetProfiles", "GetServices",
                   "GetCapabilities", "GetDeviceInformation", "GetSystemDateAndTime"):
        if re.search(rf"<(\w+:)?{action}[\s/>]", body):
            if action == "GetStreamUri":
                token = re.search(r"ProfileToken>\s*([^<\s]+)", body)
                key = token.group(1) if token else "Profile_1"
                return (200, cam.replies[key]) if key in cam.replies else (500, UNSUPPORTED)
            return 200, cam.replies[action]
    return 500, UNSUPPORTED


async def handle_http(cam, reader, writer):
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        body = await asyncio.wait_for(reader.readexactly(min(int(m.group(1)), MAX_BODY)), 10) if m else b""
        COUNTS.add("onvif", cam.ip)
        status, reply = answer(cam, body.decode("utf-8", "replace"))
        data = reply.encode()
        writer.write(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Internal Server Error'}\r\n"
                     "Content-Type: application/soap+xml; charset=utf-8\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
            ConnectionError, OSError):
        pass
    finally:
        writer.close()


def probe_match(cam, relates):
    with open(WSD_FIXTURE, encoding="utf-8") as f:
        x = f.read()
    x = re.sub(r"<a:MessageID>[^<]*<", f"<a:MessageID>urn:uuid:{uuid.uuid4()}<", x)
    x = re.sub(r"<a:RelatesTo>[^<]*<", f"<a:RelatesTo>{relates}<", x)
    x = re.sub(r"<a:Address>[^<]*<", f"<a:Address>{cam.uuid}<", x)
    x = re.sub(r"<d:XAddrs>[^<]*<", f"<d:XAddrs>http://{cam.ip}:80/onvif/device_service<", x)
    return x.encode()


def wsd_socket(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", 3702))
    mreqn = socket.inet_aton(GROUP) + socket.inet_aton("0.0.0.0") + struct.pack("=i", socket.if_nametoindex(iface))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
    s.setblocking(False)
    return s


def on_datagram(sock, cams, by_ip):
    try:
        data, anc, _flags, peer = sock.recvmsg(MAX_BODY, socket.CMSG_SPACE(12))
    except (BlockingIOError, InterruptedError):
        return
    dest = None
    for level, kind, value in anc:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(value) >= 12:
            dest = socket.inet_ntoa(value[8:12])
    text = data.decode("utf-8", "replace")
    if "Probe" not in text or "ProbeMatches" in text:
        return
    mid = re.search(r"MessageID[^>]*>\s*([^<\s]+)", text)
    relates = mid.group(1) if mid else "uuid:unknown"
    targets = cams if dest == GROUP else [by_ip[dest]] if dest in by_ip else []
    for cam in targets:
        COUNTS.add("wsd", cam.ip)
        pktinfo = struct.pack("=I4s4s", 0, socket.inet_aton(cam.ip), socket.inet_aton("0.0.0.0"))
        try:
            sock.sendmsg([probe_match(cam, relates)], [(socket.IPPROTO_IP, IP_PKTINFO, pktinfo)], 0, peer)
        except OSError:
            pass


async def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    truth = json.load(open(sys.argv[1], encoding="utf-8"))
    cams = [Camera(c) for c in truth["cameras"] if c["onvif"]]
    by_ip = {c.ip: c for c in cams}
    loop = asyncio.get_running_loop()
    for cam in cams:
        await asyncio.start_server(lambda r, w, cam=cam: handle_http(cam, r, w), cam.ip, 80,
                                   backlog=1024)
    sock = wsd_socket(sys.argv[2])
    loop.add_reader(sock.fileno(), on_datagram, sock, cams, by_ip)
    print(f"farm-onvif: listeners on port 80 and WS-Discovery for {len(cams)} cameras", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    COUNTS.on_sigusr1(loop)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
