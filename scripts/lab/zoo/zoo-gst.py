#!/usr/bin/python3
# zoo-gst.py — every ordinary zoo camera of one namespace, served by GStreamer's gst-rtsp-server
# (Debian: gir1.2-gst-rtsp-server-1.0; run with /usr/bin/python3, where python3-gi lives).
# All RTSP handling (OPTIONS/DESCRIBE/SETUP/PLAY, Basic/Digest, RTP over UDP and TCP) is
# gst-rtsp-server's own; this file only configures one RTSPServer per camera from the zoo's
# ground truth:
#   * bound to the camera's own address and port, its own auth (scheme, realm, credential);
#   * one media factory per path; streams that differ only by query string (Dahua's
#     ?subtype=0/1) are told apart by the query (the mount matcher ignores queries);
#   * DESCRIBE of anything but the camera's exact path?query is 404, as on a real camera;
#     before (auth-first) or after (path-first) the credential check, as the truth says;
#   * the RTSP Server header as the truth says: kept (unknown), removed (vendor sends none) or set;
#   * media are pre-encoded MP4 files played in real time (filesrc, no encoder): nothing runs
#     until a client plays, and each client gets its own pipeline starting at a key frame;
#   * an address pool of the camera's own address, so RTP over UDP leaves from it (and from
#     its own interface and MAC), not from whichever address the namespace routes first.
# Usage: zoo-gst.py ZOO_JSON NAMESPACE MEDIA_DIR   (ZOO_LOG=1: one line per request)
import json
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

LOG = os.environ.get("ZOO_LOG") == "1"
UDP_PORTS = (20000, 20999)  # per camera address, so every camera may use the same range


def launch(media_dir, codec, width, height):
    f = os.path.join(media_dir, f"{codec}-{width}x{height}.mp4")
    if not os.path.exists(f):
        sys.exit(f"zoo-gst: missing media {f} (zoo-up.sh makes it)")
    parse, pay = {"h264": ("h264parse", "rtph264pay"), "h265": ("h265parse", "rtph265pay")}[codec]
    return (f"( filesrc location={f} ! qtdemux ! {parse} ! "
            f"{pay} name=pay0 pt=96 config-interval=-1 )")


class QueryFactory(GstRtspServer.RTSPMediaFactory):
    """One mount point whose streams are told apart by the request's query string."""

    def __init__(self, by_query):
        super().__init__()
        self.by_query = by_query  # query ('' = none) -> launch line

    def do_gen_key(self, url):
        return f"{url.abspath}?{url.query or ''}"

    def do_create_element(self, url):
        line = self.by_query.get(url.query or "")
        return Gst.parse_launch(line) if line else None


class AuthFirst(GstRtspServer.RTSPAuth):
    """Authenticates a DESCRIBE before its path is looked up (401 on any path without
    credentials), like most cameras; plain RTSPAuth looks the path up first (404 leaks which
    paths exist). The user's token grants transport.client-settings, which is checked here only
    to force authentication."""

    def do_check(self, ctx, check):
        if check == GstRtspServer.RTSP_AUTH_CHECK_URL and ctx.method == GstRtsp.RTSPMethod.DESCRIBE:
            check = GstRtspServer.RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS
        return GstRtspServer.RTSPAuth.do_check(self, ctx, check)


def split(path):
    base, _, query = path.partition("?")
    return base, query


def serve(cam, media_dir):
    r = cam["rtsp"]
    server = GstRtspServer.RTSPServer()
    server.set_address(cam["ip"])
    server.set_service(str(r["port"]))
    auth = None
    if r["auth"] in ("basic", "digest"):
        auth = AuthFirst() if r["auth_order"] == "auth-first" else GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        token.set_bool(GstRtspServer.RTSP_TOKEN_TRANSPORT_CLIENT_SETTINGS, True)
        if r["auth"] == "basic":
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(r["user"], r["pass"]), token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        else:
            auth.add_digest(r["user"], r["pass"], token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        if r["realm"]:
            auth.set_realm(r["realm"])
        server.set_auth(auth)
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range(cam["ip"], cam["ip"], UDP_PORTS[0], UDP_PORTS[1], 0)
    groups = {}
    allowed = set()
    for st in cam["streams"]:
        base, query = split(st["path"])
        groups.setdefault(base, {})[query] = launch(media_dir, st["codec"], st["width"],
                                                    st["height"])
        allowed.add((base, query))
    mounts = server.get_mount_points()
    for base, by_query in groups.items():
        f = QueryFactory(by_query)
        f.set_shared(False)
        f.set_address_pool(pool)
        if auth is not None:
            f.add_role_from_structure(Gst.Structure.new_from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))
        mounts.add_factory(base, f)

    header = r["server_header"]

    def on_send(_client, _ctx, msg):
        if header == "unknown":
            return
        msg.remove_header(GstRtsp.RTSPHeaderField.SERVER, -1)
        if header:
            msg.add_header(GstRtsp.RTSPHeaderField.SERVER, header)

    def on_describe(_client, ctx):
        key = (ctx.uri.abspath, ctx.uri.query or "")
        if LOG:
            print(f"{cam['name']} DESCRIBE {key}", flush=True)
        return GstRtsp.RTSPStatusCode.OK if key in allowed else GstRtsp.RTSPStatusCode.NOT_FOUND

    def on_client(_server, client):
        client.connect("send-message", on_send)
        client.connect("pre-describe-request", on_describe)

    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        sys.exit(f"zoo-gst: cannot bind {cam['ip']}:{r['port']} ({cam['name']})")
    return server


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__ or "usage: zoo-gst.py ZOO_JSON NAMESPACE MEDIA_DIR")
    truth = json.load(open(sys.argv[1], encoding="utf-8"))
    ns, media_dir = sys.argv[2], sys.argv[3]
    Gst.init(None)
    cams = [c for c in truth["cameras"]
            if c["ns"] == ns and c["rtsp"]["peer"] == "gst-rtsp-server"]
    servers = [serve(c, media_dir) for c in cams]
    print(f"zoo-gst: {len(servers)} camera(s) in {ns}: "
          + " ".join(f"{c['ip']}:{c['rtsp']['port']}" for c in cams), flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
