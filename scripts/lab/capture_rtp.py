#!/usr/bin/python3
"""Capture RTP of cameras that keep the picture size out of the SDP, as depacketiser fixtures.

Run as: /usr/bin/python3 scripts/lab/capture_rtp.py src/discovery/rtsp/testdata
It starts its own gst-rtsp-cam.py (gst-rtsp-server) on 127.0.0.1 with one mount per case:
SPS/PPS/VPS in-band only (the SDP has no sprop-*; mount flag `inband`), sent as single NAL
units, aggregated (STAP-A / AP: `aggregate`) or fragmented (FU-A / FU: `mtu=N`), and MJPEG
(RFC 2435; the SDP never has a size). For each it writes OUTDIR/inband_gst_<case>_describe.txt
(the DESCRIBE answer as received; base cases only) and OUTDIR/inband_gst_<case>_interleaved.txt: the
TCP-interleaved frames after PLAY as received, up to the packet that completes the first
parameter set (SPS, or any RTP/JPEG packet) and two more frames. The `_gop` cases go on to
the second SPS (one whole group of pictures), so a test can start reading mid-GOP.
Sockets to 127.0.0.1 only; every read is bounded in bytes and time; the server is stopped.
"""
import os, socket, subprocess, sys, time

import capture_rtsp
from capture_rtsp import Conn, header, save, track_url

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else "."
HOST = "127.0.0.1"

# case: (codec, WxH, mount flags). Sizes that are not multiples of 16 exercise cropping.
CASES = {
    "h264": ("h264", "640x360", "inband"),
    "h264_stap": ("h264", "320x180", "inband,aggregate"),
    "h264_fua": ("h264", "176x144", "inband,mtu=28"),
    "h265": ("h265", "480x270", "inband"),
    "h265_ap": ("h265", "320x240", "inband,aggregate"),
    "h265_fu": ("h265", "176x144", "inband,mtu=32"),
    "mjpeg": ("mjpeg", "352x288", ""),
}
GOP = {"h264_gop": "h264", "h265_gop": "h265"}


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def completes_parameter_set(codec, pkt):
    """Does this RTP packet hold (or end) the first SPS? Enough of RFC 6184/7798/2435 for
    choosing where a capture may stop; the Rust depacketiser is what the tests check."""
    if len(pkt) < 13 or pkt[0] >> 6 != 2:
        return False
    at = 12 + 4 * (pkt[0] & 0x0F)
    if pkt[0] & 0x10:
        at += 4 + 4 * int.from_bytes(pkt[at + 2 : at + 4], "big")
    p = pkt[at:]
    if codec == "mjpeg":
        return len(p) >= 8
    if codec == "h264":
        t = p[0] & 0x1F
        if t == 24:
            i, found = 1, False
            while i + 2 <= len(p):
                n = int.from_bytes(p[i : i + 2], "big")
                found |= n > 0 and p[i + 2] & 0x1F == 7
                i += 2 + n
            return found
        return t == 7 or (t == 28 and p[1] & 0x1F == 7 and p[1] & 0x40 != 0)
    t = (p[0] >> 1) & 0x3F
    if t == 48:
        i, found = 2, False
        while i + 2 <= len(p):
            n = int.from_bytes(p[i : i + 2], "big")
            found |= n > 0 and (p[i + 2] >> 1) & 0x3F == 33
            i += 2 + n
        return found
    return t == 33 or (t == 49 and p[2] & 0x3F == 33 and p[2] & 0x40 != 0)


def frames_until(c, codec, nth=1, limit=4000):
    """Interleaved frames up to the one completing the nth parameter set (counted once per
    RTP timestamp: x264 and the payloader may both put one before a keyframe), plus two."""
    deadline = time.time() + 15
    out, stamp = [], None
    while nth > 0:
        if len(out) == limit:
            raise ValueError(f"no parameter set in {limit} frames")
        frame = c.frame(deadline)
        out.append(frame)
        if frame[1] == 0 and completes_parameter_set(codec, frame[4:]) and frame[8:12] != stamp:
            stamp = frame[8:12]
            nth -= 1
    out += [c.frame(deadline) for _ in range(2)]
    return b"".join(out)


def play(port, path):
    """DESCRIBE, SETUP (TCP-interleaved) and PLAY: (connection, DESCRIBE answer, session)."""
    url = f"rtsp://{HOST}:{port}/{path}"
    c = Conn(HOST, port)
    describe = c.ask("DESCRIBE", url, [("Accept", "application/sdp")])[1]
    setup = c.ask("SETUP", track_url(describe, url), [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])[1]
    session = header(setup, "Session").split(";")[0]
    c.ask("PLAY", url, [("Session", session), ("Range", "npt=0.000-")])
    return c, describe, session


def main():
    capture_rtsp.OUT = OUT
    port = free_port()
    mounts = [f"/{c}:{codec}:{size}:5:{flags}" for c, (codec, size, flags) in CASES.items()]
    server = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(HERE, "gst-rtsp-cam.py"), "--address", HOST,
         "--port", str(port), "--auth", "none"] + sum((["--mount", m] for m in mounts), []),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = server.stdout.readline().decode()
        assert "listening" in line, line
        for case, mount, nth in [(c, c, 1) for c in CASES] + [(c, m, 2) for c, m in GOP.items()]:
            c, describe, session = play(port, mount)
            if case == mount and "_" not in case:  # the variants' SDPs differ only in profile-level-id
                save(f"inband_gst_{case}_describe.txt", describe)
            save(f"inband_gst_{case}_interleaved.txt", frames_until(c, CASES[mount][0], nth))
            c.send("TEARDOWN", f"rtsp://{HOST}:{port}/{mount}", [("Session", session)])
            c.s.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
