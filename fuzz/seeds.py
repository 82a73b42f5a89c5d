#!/usr/bin/env python3
"""Builds fuzz/corpus/<target>/seed-* from the lab's captured traffic and the unit-test
fixtures (re-runnable: seed files are rewritten, files libFuzzer added are kept).

Sources: src/discovery/{onvif,rtsp,wsd}/testdata (captured from the lab's real peers, and
RTP of gst-rtsp-server streams without sprop-* for the depacketiser), the
ARP table and ARP reply fixtures of src/discovery/{arp,arping}.rs, the config and paths-file
examples of the docs and tests. Usage: python3 fuzz/seeds.py (from anywhere)."""
import base64, glob, os, re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
TD = os.path.join(ROOT, "src", "discovery")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def base(p):
    return os.path.splitext(os.path.basename(p))[0]


# --- ONVIF SOAP replies (and the HTTP Date headers of the Digest capture)
for p in sorted(glob.glob(f"{TD}/onvif/testdata/*.xml")):
    if not p.endswith(".request.xml"):
        put("soap_response", base(p), read(p))
digest_post = read(f"{TD}/onvif/testdata/axis_lighttpd_digest_post.txt")
for m in re.finditer(rb"(?im)^Date: *(.*?)\r?$", digest_post):
    put("soap_response", "http_date", m.group(1))
    break

# --- WS-Discovery datagrams (ProbeMatch, Hello, Bye)
for p in sorted(glob.glob(f"{TD}/wsd/testdata/*.xml")):
    put("wsd_message", base(p), read(p))

# --- RTSP: responses and interleaved frames as received; SDP bodies; SPS; challenges
rtsp = sorted(glob.glob(f"{TD}/rtsp/testdata/*.txt"))
challenges = []
for p in rtsp:
    raw = read(p)
    name = base(p)
    if not name.endswith("_auth_request"):
        put("rtsp_response", name, raw)
    if name.startswith("inband_gst_") and name.endswith("_interleaved"):
        # RTP carrying the only SPS (or an RTP/JPEG header): the depacketiser's input, after
        # the selector byte of fuzz_targets/depack.rs (format; 0 in bits 2-7: 1 MiB budget).
        sel = 3 if "mjpeg" in name else 1 if "h265" in name else 0
        put("depack", name, bytes([sel]) + raw)
        if sel == 1:
            put("depack", name + "_read_as_donl", bytes([2]) + raw)
        if "gop" in name:
            put("depack", name + "_small_budget", bytes([sel | 0x40]) + raw)
            continue  # a GOP of slices adds nothing to the sps corpus
    if "interleaved" in name:
        # $ ch len16 payload: each RTP packet (payload type) and its NAL units (SPS)
        i = 0
        while i + 4 <= len(raw) and raw[i] == 0x24:
            n = int.from_bytes(raw[i + 2 : i + 4], "big")
            pkt = raw[i + 4 : i + 4 + n]
            put("sps", f"{name}_rtp{i}", pkt)
            if len(pkt) > 12 and (pkt[12] & 0x1F == 7 or (pkt[12] >> 1) & 0x3F == 33):
                put("sps", f"{name}_nal{i}", pkt[12:])
            i += 4 + n
    head, sep, body = raw.partition(b"\r\n\r\n")
    if sep and body.startswith(b"v=0"):
        put("sdp", name, body)
        for m in re.finditer(rb"sprop-parameter-sets=([^;,\r\n]+)", body):
            put("sps", f"{name}_h264", base64.b64decode(m.group(1) + b"=="))
        for m in re.finditer(rb"sprop-sps=([^;\r\n]+)", body):
            put("sps", f"{name}_h265", base64.b64decode(m.group(1) + b"=="))
    for m in re.finditer(rb"(?im)^WWW-Authenticate: *(.*?)\r?$", head):
        challenges.append(m.group(1))
    if challenges and name.endswith("_401"):
        put("digest_challenge", name, b"\n".join(challenges))
        challenges = []
for m in re.finditer(rb"(?im)^WWW-Authenticate: *(.*?)\r?$", digest_post):
    put("digest_challenge", "axis_lighttpd_digest", m.group(1))
put("digest_challenge", "qop_sha256_multi",
    'Digest realm="r", nonce="n1", qop="auth,auth-int", algorithm=SHA-256, opaque="o"\n'
    'Digest realm="r", nonce="n2", qop="auth", algorithm=MD5, stale=true\n'
    'Basic realm="rtsp"\nNTLM')

# --- /proc/net/arp: the test table and this machine's
put("arp_table", "test_table",
    "IP address       HW type     Flags       HW address            Mask     Device\n"
    "10.77.0.101      0x1         0x2         44:19:b6:00:00:01     *        veth0\n"
    "10.77.0.99       0x1         0x0         00:00:00:00:00:00     *        veth0\n"
    "10.77.0.102      0x1         0x2         3c:ef:8c:00:00:02     *        veth0\n"
    "garbage line\n"
    "10.77.0.300      0x1         0x2         3c:ef:8c:00:00:02     *        veth0\n")
put("arp_table", "proc_net_arp",
    "IP address       HW type     Flags       HW address            Mask     Device\n"
    "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n")

# --- ARP replies as arping.rs's tests build them (RFC 826, Linux sender)
ME = bytes([0x02, 0xDE, 0x7E, 0xC7, 0x00, 0x10])
CAM = bytes([0x44, 0x19, 0xB6, 0x00, 0x00, 0x01])


def arp(op, sender_mac, sender_ip, dst=ME):
    return (dst + sender_mac + b"\x08\x06" + bytes([0, 1, 8, 0, 6, 4, 0, op])
            + sender_mac + bytes(sender_ip) + ME + bytes([10, 77, 0, 10]))


put("arp_reply", "reply_cam", arp(2, CAM, [10, 77, 0, 101]))
put("arp_reply", "reply_padded", arp(2, CAM, [10, 77, 0, 101]) + bytes(18))
put("arp_reply", "request", arp(1, ME, [10, 77, 0, 10], dst=b"\xff" * 6))

# --- RTSP_PATHS_FILE: docs/discovery.md example and the tests' files
put("rtsp_paths_file", "readme",
    "/live/main   main          # our NVR\n/live/sub    sub\n/ch01.264    xiongmai main\n")
put("rtsp_paths_file", "tests",
    "# my cameras\n\n  /front main reolink # the porch\n/back SUB\n/x tplink any\n#/off\n"
    "/mine/reolink reolink main\n/anycam\n/other/axis axis\n/stream1 tplink\n"
    "/cam/realmonitor?channel=1&subtype=0 dahua main\n/Streaming/Channels/101 hikvision\n")
put("rtsp_paths_file", "bad", "/ok\n\n/x sony\n/x main sub\n")

# --- config: env files (NAME=value; `%%` then the credentials file), from VARIABLES'
# defaults and the docs' examples
src = open(os.path.join(ROOT, "src", "config", "mod.rs"), encoding="utf-8").read()
defaults = re.findall(r'^\s*\("([A-Z_0-9]+)",\s*"([^"]*)",', src, re.M)
put("config_lookup", "defaults", "".join(f"{k}={v}\n" for k, v in defaults))
put("config_lookup", "lab",
    "MQTT_BROKER=10.77.0.1\nMQTT_PORT=8883\nMQTT_TLS=true\nMQTT_USERNAME=u\nMQTT_PASSWORD=p\n"
    "MQTT_TOPIC_PREFIX=site/a/\nCAMERA_CREDENTIALS=admin:admin,admin:,root:pa:ss\n"
    "CAMERA_CREDENTIALS_FILE=/run/secrets/creds\nRTSP_PORTS=554,8554,10554\n"
    "SCAN_NETWORKS=10.77.0.0/24,10.0.5.7\nSCAN_EXCLUDE=10.77.0.1/32\nSCAN_RATE=200\n"
    "DISCOVERY_WORKERS=8\nCAMERA_REMOVE_AFTER=86400\nLOG_LEVEL=debug\n"
    "FRIGATE_DETECTOR=edgetpu:usb:1\nFRIGATE_MODEL_SIZE=640x640\nDISCOVERY_INTERVAL=99999999999\n"
    "%%\n# lab\nadmin:admin\n  viewer : se:cr,et\r\n\n")
put("config_lookup", "errors",
    "MQTT_BROKER=b\nMQTT_PORT=0\nMQTT_CLIENT_CERT=/c\nRTSP_TIMEOUT=-1\nLOG_LEVEL=LOUD\n"
    "MQTT_TOPIC_PREFIX=a/+/#\nCAMERA_CREDENTIALS_FILE=/x\\ny\n%%\nno colon here\n")
put("config_lookup", "password_only",
    "MQTT_BROKER=mqtt\nCAMERA_USERNAME=  op \nCAMERA_PASSWORD=s3cret\nSMART_DISCOVERY_ENABLED=off\n"
    "MAC_TRACKING_ENABLED=0\nRUST_LOG=camera_detector=trace\nSTATE_PATH=\n")

for t in sorted(os.listdir(CORPUS)):
    print(t, len(os.listdir(os.path.join(CORPUS, t))))
