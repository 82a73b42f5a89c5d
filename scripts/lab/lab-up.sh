#!/usr/bin/env bash
# lab-up.sh — isolated fake "camera LAN" made of network namespaces and real third-party servers.
#
#   lab-sw     : L2 switch (bridge br0) + 10.77.0.1 dead-end "router" (ip_forward=0, no uplink)
#                running dnsmasq for the .lab names/PTRs (every namespace's resolv.conf points at it)
#   lab-det    : detector host 10.77.0.10 — run the detector here: ip netns exec lab-det <cmd>
#   lab-mqtt   : mosquitto broker 10.77.0.2:1883 (anonymous)
#   lab-noise  : 10.77.0.50 non-camera: wsdd (Windows WS-Discovery host) + an HTTP server on tcp/554
#   lab-camK   : 10.77.0.(100+K) cameras (N=6 by default), see the case table below; truth in $RUN/lab.json
#
# Nothing is connected to the machine's real network: the only links are veth pairs between these
# namespaces, and the bridge namespace has no other interface and forwarding off.
# Usage (as root): ./lab-up.sh          re-running first tears the previous lab down (idempotent)
#   N=8 ./lab-up.sh      number of cameras (1-6 are distinct profiles, 7+ generic RTSP-only)
#   NOISE=0              no non-camera host;   LAB_TRACE=1   timestamped xtrace in run/trace.log
#   LAB_INSTALL=1        run ../install-deps.sh first (apt/pip/npm/cargo; quick when all is there)
#   ./lab-up.sh --if-down   do nothing (exit 0) when lab-status.sh says a healthy lab is already up
#   ONVIF_SIM=PATH       onvif-sim binary (default: $ONVIF_SIM_TARGET/release/onvif-sim as built by
#                        install-deps.sh, ONVIF_SIM_TARGET=/var/cache/camera-detector/onvif-sim-target;
#                        falls back to onvif-sim/target/release/onvif-sim for a plain cargo build)
# Status: ./lab-status.sh (exit 0 = up and healthy).  Teardown: ./lab-down.sh
set -euo pipefail
# The daemons started here outlive this script: they must not inherit a lock descriptor a
# caller holds (`flock LOCK cargo test …` would stay locked until the lab went down).
for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null; done

LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
RUN=$LAB/run
N=${N:-6}
NET=${LAB_NET:-10.77.0}            # /24 that exists only inside the namespaces
VENV=$LAB/venv
# camera-detector: install-deps.sh builds onvif-sim with CARGO_TARGET_DIR outside the repo (a fresh
# clone reuses the build); the in-tree target/ of the original lab is only a fallback.
ONVIF_SIM_TARGET=${ONVIF_SIM_TARGET:-/var/cache/camera-detector/onvif-sim-target}
if [ -z "${ONVIF_SIM:-}" ]; then
  ONVIF_SIM=$ONVIF_SIM_TARGET/release/onvif-sim
  [ -x "$ONVIF_SIM" ] || [ ! -x "$LAB/onvif-sim/target/release/onvif-sim" ] || ONVIF_SIM=$LAB/onvif-sim/target/release/onvif-sim
fi
GST_CAM=$LAB/gst-rtsp-cam.py
T0=$(date +%s.%N)

die() { echo "lab-up: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (ip netns)"

if [ "${1:-}" = --if-down ] && "$LAB/lab-status.sh" --quiet; then
  echo "lab-up: lab already up and healthy ($RUN/lab.json), nothing to do"; exit 0; fi
# camera-detector: a lab that was up and broke is rebuilt; why goes to $LAB/rebuilds.log (kept
# across rebuilds, unlike run/; scripts/test.sh prints it at the end) and to stderr.
if [ "${1:-}" = --if-down ] && [ -s "$RUN/lab.json" ]; then
  why=$("$LAB/lab-status.sh" 2>&1 | head -1)
  dead=$(printf '%s\n' "$why" | sed -n 's/.*DOWN: \([^ ]*\) (pid.*/\1/p')
  { echo "$(date -u +%FT%TZ) rebuilding the lab: $why"
    [ -z "$dead" ] || tail -n 8 "$RUN/logs/$dead.log" 2>/dev/null | sed 's/^/    /'
  } | tee -a "$LAB/rebuilds.log" >&2
fi

# camera-detector: the install list lives in one place, scripts/install-deps.sh (idempotent)
if [ "${LAB_INSTALL:-0}" = 1 ]; then
  LAB=$LAB ONVIF_SIM_TARGET=$ONVIF_SIM_TARGET "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/install-deps.sh"
fi

# ---- preflight -------------------------------------------------------------------------------
for c in ip nc ffmpeg avahi-daemon mosquitto lighttpd wsdd dnsmasq unshare setsid; do
  command -v "$c" >/dev/null || die "missing command $c (scripts/install-deps.sh or LAB_INSTALL=1 installs it)"; done
/usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer","1.0")' 2>/dev/null \
  || die "missing gir1.2-gst-rtsp-server-1.0 / python3-gi for /usr/bin/python3"
[ -x "$ONVIF_SIM" ] || die "missing $ONVIF_SIM (scripts/install-deps.sh builds it)"
"$VENV/bin/python" -c 'import ipycam' 2>/dev/null || die "missing ipycam in $VENV (scripts/install-deps.sh)"
[ "$N" -lt 6 ] || { command -v node >/dev/null && [ -d "$LAB/node/node_modules/rtsp-streaming-server" ]; } \
  || die "missing node or npm rtsp-streaming-server in $LAB/node (scripts/install-deps.sh)"

# ---- idempotence: remove any previous lab ---------------------------------------------------
"$LAB/lab-down.sh" --quiet || true
rm -rf "$RUN"; mkdir -p "$RUN"
if [ "${LAB_TRACE:-0}" = 1 ]; then   # timestamped xtrace into $RUN/trace.log
  exec 5> "$RUN/trace.log"; BASH_XTRACEFD=5; PS4='+ ${EPOCHREALTIME} '; set -x; fi
: > "$RUN/pids"; : > "$RUN/netns"

# ---- topology ---------------------------------------------------------------------------------
mkns() {       # namespace + /etc/netns/NS/resolv.conf (ip netns exec bind-mounts it over /etc/resolv.conf)
  ip netns add "$1"; echo "$1" >> "$RUN/netns"; ip -n "$1" link set lo up
  mkdir -p "/etc/netns/$1"; printf 'nameserver %s\nsearch lab\n' "$NET.1" > "/etc/netns/$1/resolv.conf"
}
mkns lab-sw
ip netns exec lab-sw sysctl -qw net.ipv4.ip_forward=0
ip -n lab-sw link add br0 type bridge
# no IGMP snooping (no querier here), no STP delay: multicast floods like a dumb switch
ip -n lab-sw link set br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
ip -n lab-sw link set br0 address 02:00:00:00:00:01
ip -n lab-sw addr add "$NET.1/24" dev br0
ip -n lab-sw link set br0 up

# host NS IP MAC : namespace with eth0 (MAC set) plugged into br0
host() {
  local ns=$1 ip=$2 mac=$3 port="sw-${1#lab-}"
  mkns "$ns"
  ip -n lab-sw link add "$port" type veth peer name eth0 netns "$ns"   # never touches the root ns
  ip -n lab-sw link set "$port" master br0 up
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$NET.1" dev eth0      # dead end: lab-sw does not forward
  ip -n "$ns" route add 224.0.0.0/4 dev eth0               # explicit multicast route
}

# start NAME NS CMD... : run CMD inside NS, own session, log to $RUN/logs/NAME.log, record PID
mkdir -p "$RUN/logs"
start() {
  local name=$1 ns=$2; shift 2
  setsid ip netns exec "$ns" "$@" > "$RUN/logs/$name.log" 2>&1 < /dev/null &
  echo "$! $name $ns" >> "$RUN/pids"
}
wait_tcp() {   # wait_tcp NS IP PORT [secs] — probed from inside NS itself (keeps lab-det's ARP cache clean)
  local i
  for ((i = 0; i < ${4:-20} * 10; i++)); do
    ip netns exec "$1" nc -z -w 1 "$2" "$3" 2>/dev/null && return 0; sleep 0.1; done
  die "timeout waiting for $2:$3 in $1 (see $RUN/logs)"
}
wait_log() {   # wait_log FILE REGEX [secs]
  local i
  for ((i = 0; i < ${3:-20} * 10; i++)); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  die "timeout waiting for /$2/ in $1"
}

avahi() {      # avahi NAME NS HOSTNAME SERVICE_XML... : per-namespace avahi-daemon, no D-Bus
  local name=$1 ns=$2 hn=$3; shift 3
  local d="$RUN/$name"; mkdir -p "$d/services"
  "$LAB/avahi-conf.sh" "$hn" > "$d/avahi-daemon.conf"
  local i=0; for x in "$@"; do i=$((i+1)); printf '%s\n' "$x" > "$d/services/s$i.service"; done
  # private mount ns: tmpfs /run (pid file) and our service dir over /etc/avahi/services
  start "$name" "$ns" unshare -m --propagation private sh -c \
    "mount -t tmpfs tmpfs /run && mkdir /run/avahi-daemon && mount --bind '$d/services' /etc/avahi/services && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f '$d/avahi-daemon.conf'"
}
svc() {        # svc NAME TYPE PORT [TXT...] -> avahi service-group XML
  local n=$1 t=$2 p=$3; shift 3
  printf '<?xml version="1.0" standalone="no"?>\n<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n<service-group><name>%s</name><service><type>%s</type><port>%s</port>' "$n" "$t" "$p"
  for x in "$@"; do printf '<txt-record>%s</txt-record>' "$x"; done
  printf '</service></service-group>\n'
}

# ---- LAN DNS on the dead-end router: lab names + PTR, everything else REFUSED at once -----------
# (without it, lookups go to the machine's resolver via the dead-end default route and hang ~10 s)
{ echo "$NET.1 router.lab router"; echo "$NET.2 mqtt.lab mqtt"; echo "$NET.10 detector.lab detector"
  echo "$NET.50 nas-noise.lab nas-noise"
  for ((k = 1; k <= N; k++)); do echo "$NET.$((100 + k)) cam$k.lab cam$k"; done; } > "$RUN/hosts"
start dnsmasq lab-sw dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$RUN/hosts" \
  --listen-address="$NET.1" --bind-interfaces --domain=lab --local=/lab/ --bogus-priv --user=root \
  --pid-file="$RUN/dnsmasq.pid" --log-facility=-

host lab-det  "$NET.10" 02:de:7e:c7:00:10         # locally-administered MAC for the detector
host lab-mqtt "$NET.2"  02:00:00:00:00:02

# ---- MQTT broker ----------------------------------------------------------------------------
mkdir -p "$RUN/mqtt"
printf 'listener 1883 0.0.0.0\nallow_anonymous true\npersistence false\nlog_dest stdout\n' > "$RUN/mqtt/mosquitto.conf"
start mosquitto lab-mqtt mosquitto -c "$RUN/mqtt/mosquitto.conf"

# ---- noise host: a Windows-ish WS-Discovery responder and a non-RTSP service on tcp/554 -----
if [ "${NOISE:-1}" = 1 ]; then
  host lab-noise "$NET.50" 00:11:32:00:00:50      # Synology OUI, not a camera
  mkdir -p "$RUN/noise/www"; echo "not a camera" > "$RUN/noise/www/index.html"
  # explicit /usr/bin/python3: wsdd's "#!/usr/bin/env python3" would pick up pyenv's python on this
  # machine, under which its asyncio loop stalled (no Probe replies, tcp/5357 accepting only after ~10 s)
  start noise-wsdd lab-noise /usr/bin/python3 /usr/sbin/wsdd -i eth0 -4 -n NAS-NOISE -s -v
  start noise-http554 lab-noise /usr/bin/python3 -m http.server 554 --bind 0.0.0.0 -d "$RUN/noise/www"
fi

# ---- cameras ----------------------------------------------------------------------------------
json="["
addcam() {   # addcam JSON_OBJECT
  [ "$json" = "[" ] && json="$json$1" || json="$json,$1"
}

[ -f "$LAB/testsrc-320x240.mp4" ] || ffmpeg -hide_banner -loglevel error -y -f lavfi \
  -i testsrc=size=320x240:rate=5 -t 20 -c:v libx264 -pix_fmt yuv420p -g 10 "$LAB/testsrc-320x240.mp4"

for ((k = 1; k <= N; k++)); do
  ns=lab-cam$k; ip=$NET.$((100 + k)); d=$RUN/cam$k; mkdir -p "$d"
  case $k in
  1) # Hikvision-like: ipycam (ONVIF + WS-Discovery + WS-Security, own RTSP :8554 without auth)
     #                 + gst-rtsp-server :554 /Streaming/Channels/10x with Digest
     host "$ns" "$ip" 44:19:b6:00:00:01
     cat > "$d/ipycam.json" <<EOF
{"name": "HikSim-Cam1", "manufacturer": "IPyCam", "model": "DS-2CD-SIM", "serial_number": "HIK-0001",
 "local_ip": "$ip", "onvif_port": 80, "rtsp_port": 8554, "go2rtc_api_port": 1984,
 "username": "onvif", "password": "Onvif!Hik1",
 "main_width": 320, "main_height": 240, "main_fps": 5, "main_bitrate": "256K", "main_stream_name": "live_main",
 "sub_width": 160, "sub_height": 120, "sub_fps": 5, "sub_bitrate": "128K", "sub_stream_name": "live_sub",
 "hw_accel": "cpu", "show_timestamp": false}
EOF
     (cd "$d" && start cam1-ipycam "$ns" "$VENV/bin/python" -m ipycam --config "$d/ipycam.json" \
        --source "$LAB/testsrc-320x240.mp4" --hw cpu --log-level WARNING)
     start cam1-rtsp "$ns" /usr/bin/python3 "$GST_CAM" --port 554 --auth digest --user admin --password 'Hik12345!' \
        --mount /Streaming/Channels/101:h264:640x360:10 --mount /Streaming/Channels/102:h264:320x180:5
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"44:19:b6:00:00:01\",\"oui_vendor\":\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",
 \"onvif\":{\"impl\":\"ipycam 1.3.0\",\"xaddr\":\"http://$ip:80/onvif/device_service\",\"auth\":\"ws-security\",\"user\":\"onvif\",\"pass\":\"Onvif!Hik1\",
   \"manufacturer\":\"IPyCam\",\"model\":\"DS-2CD-SIM\",\"serial\":\"HIK-0001\",\"stream_uris\":[\"rtsp://$ip:8554/live_main\",\"rtsp://$ip:8554/live_sub\"],
   \"quirks\":[\"ProbeMatch without ProbeMatches wrapper\",\"unescaped space in name scope\",\"GetSystemDateAndTime needs auth (HTTP 401)\"]},
 \"rtsp\":[{\"impl\":\"ipycam native\",\"port\":8554,\"path\":\"/live_main\",\"auth\":\"none\",\"codec\":\"h264\",\"transports\":[\"tcp\"],\"quirks\":[\"UDP: SETUP/PLAY answer 200 but no RTP ever arrives\",\"stream name = last path segment only\"]},
          {\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/Streaming/Channels/101\",\"auth\":\"digest\",\"user\":\"admin\",\"pass\":\"Hik12345!\",\"codec\":\"h264\"},
          {\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/Streaming/Channels/102\",\"auth\":\"digest\",\"user\":\"admin\",\"pass\":\"Hik12345!\",\"codec\":\"h264\"}],
 \"mdns\":null}"
     ;;
  2) # Dahua-like: onvif-server crate (WS-Discovery + WS-Security) + gst-rtsp-server Digest + PCMU audio
     host "$ns" "$ip" 3c:ef:8c:00:00:02
     start cam2-onvif "$ns" env HOST="$ip" PORT=80 ONVIF_USER=admin ONVIF_PASS='Dahua#2024' MANUFACTURER=Dahua MODEL=IPC-HFW-SIM \
        SERIAL=DH-0002 FIRMWARE=2.800.0 HWID=1.00 UUID=3fa1c0de-0000-4000-8000-3cef8c000002 \
        MAIN_URI="rtsp://$ip:554/cam/realmonitor?channel=1&subtype=0" SUB_URI="rtsp://$ip:554/cam/realmonitor?channel=1&subtype=1" \
        "$ONVIF_SIM"
     start cam2-rtsp "$ns" /usr/bin/python3 "$GST_CAM" --port 554 --auth digest --user admin --password 'Dahua#2024' --audio \
        --mount /cam/realmonitor:h264:640x360:10
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"3c:ef:8c:00:00:02\",\"oui_vendor\":\"Zhejiang Dahua Technology Co., Ltd.\",
 \"onvif\":{\"impl\":\"onvif-server 0.1.1 (crates.io)\",\"xaddr\":\"http://$ip:80/onvif/device_service\",\"auth\":\"ws-security\",\"user\":\"admin\",\"pass\":\"Dahua#2024\",
   \"manufacturer\":\"Dahua\",\"model\":\"IPC-HFW-SIM\",\"serial\":\"DH-0002\",
   \"stream_uris\":[\"rtsp://$ip:554/cam/realmonitor?channel=1&subtype=0\",\"rtsp://$ip:554/cam/realmonitor?channel=1&subtype=1\"],
   \"quirks\":[\"auth failure is HTTP 500 + env:Sender fault\",\"no <?xml?> declaration in replies\"]},
 \"rtsp\":[{\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/cam/realmonitor?channel=1&subtype=0\",\"auth\":\"digest\",\"user\":\"admin\",\"pass\":\"Dahua#2024\",\"codec\":\"h264+pcmu\"}],
 \"mdns\":null}"
     ;;
  3) # Axis-like: HTTP Digest (lighttpd mod_auth) in front of onvif-server (no WS-Security), RTSP Digest, mDNS
     host "$ns" "$ip" 00:40:8c:00:00:03
     realm=AXIS_00408C000003
     printf 'root:%s:%s\n' "$realm" "$(printf 'root:%s:%s' "$realm" 'Axis!pass' | md5sum | cut -d' ' -f1)" > "$d/htdigest"
     mkdir -p "$d/www"; echo '<html>AXIS</html>' > "$d/www/index.html"
     cat > "$d/lighttpd.conf" <<EOF
server.modules = ("mod_auth", "mod_authn_file", "mod_proxy")
server.document-root = "$d/www"
server.bind = "0.0.0.0"
server.port = 80
server.tag = "lighttpd"
server.errorlog = "$d/lighttpd-error.log"
auth.backend = "htdigest"
auth.backend.htdigest.userfile = "$d/htdigest"
auth.require = ( "/onvif/" => ( "method" => "digest", "realm" => "$realm", "require" => "valid-user" ) )
proxy.server = ( "/onvif/" => ( ( "host" => "127.0.0.1", "port" => 8080 ) ) )
EOF
     start cam3-onvif "$ns" env HOST="$ip" PORT=80 BIND=127.0.0.1:8080 MANUFACTURER=AXIS MODEL=M3045-SIM SERIAL=00408C000003 \
        FIRMWARE=10.12.0 HWID=7A1 MAIN_URI="rtsp://$ip:554/axis-media/media.amp?videocodec=h264" \
        SUB_URI="rtsp://$ip:554/axis-media/media.amp?videocodec=h264&resolution=320x180" "$ONVIF_SIM"
     start cam3-httpd "$ns" lighttpd -D -f "$d/lighttpd.conf"
     start cam3-rtsp "$ns" /usr/bin/python3 "$GST_CAM" --port 554 --auth digest --user root --password 'Axis!pass' \
        --mount /axis-media/media.amp:h264:640x360:10
     avahi cam3-avahi "$ns" axis-00408c000003 \
        "$(svc 'AXIS M3045 - 00408C000003' _rtsp._tcp 554 'path=/axis-media/media.amp')" \
        "$(svc 'AXIS M3045 - 00408C000003' _axis-video._tcp 80 'macaddress=00408C000003')"
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"00:40:8c:00:00:03\",\"oui_vendor\":\"AXIS COMMUNICATIONS AB\",
 \"onvif\":{\"impl\":\"lighttpd 1.4.69 mod_auth digest -> onvif-server 0.1.1\",\"xaddr\":\"http://$ip:80/onvif/device_service\",\"auth\":\"http-digest\",\"realm\":\"$realm\",\"user\":\"root\",\"pass\":\"Axis!pass\",
   \"manufacturer\":\"AXIS\",\"model\":\"M3045-SIM\",\"serial\":\"00408C000003\",
   \"stream_uris\":[\"rtsp://$ip:554/axis-media/media.amp?videocodec=h264\",\"rtsp://$ip:554/axis-media/media.amp?videocodec=h264&resolution=320x180\"],
   \"quirks\":[\"WS-Discovery EndpointReference UUID is random per start\",\"every ONVIF call incl. GetSystemDateAndTime needs HTTP Digest\"]},
 \"rtsp\":[{\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/axis-media/media.amp\",\"auth\":\"digest\",\"user\":\"root\",\"pass\":\"Axis!pass\",\"codec\":\"h264\"}],
 \"mdns\":{\"impl\":\"avahi-daemon 0.8\",\"host\":\"axis-00408c000003.local\",\"services\":[\"_rtsp._tcp:554 path=/axis-media/media.amp\",\"_axis-video._tcp:80\"]}}"
     ;;
  4) # Reolink-like: RTSP only (Basic auth), no ONVIF, no mDNS -> only a port scan finds it
     host "$ns" "$ip" ec:71:db:00:00:04
     start cam4-rtsp "$ns" /usr/bin/python3 "$GST_CAM" --port 554 --auth basic --user admin --password reolink123 \
        --mount /h264Preview_01_main:h264:640x360:10 --mount /h264Preview_01_sub:h264:320x180:5
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"ec:71:db:00:00:04\",\"oui_vendor\":\"Reolink Innovation Limited\",\"onvif\":null,
 \"rtsp\":[{\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/h264Preview_01_main\",\"auth\":\"basic\",\"user\":\"admin\",\"pass\":\"reolink123\",\"codec\":\"h264\"},
          {\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/h264Preview_01_sub\",\"auth\":\"basic\",\"user\":\"admin\",\"pass\":\"reolink123\",\"codec\":\"h264\"}],
 \"mdns\":null}"
     ;;
  5) # Amcrest-like: open RTSP on 8554 (no auth), H.265 + H.264, advertised via mDNS _rtsp._tcp
     host "$ns" "$ip" 9c:8e:cd:00:00:05
     start cam5-rtsp "$ns" /usr/bin/python3 "$GST_CAM" --port 8554 --auth none \
        --mount /stream1:h265:640x360:10 --mount /stream2:h264:320x180:5
     avahi cam5-avahi "$ns" amcrest-cam5 "$(svc 'Amcrest cam5' _rtsp._tcp 8554 'path=/stream1')"
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"9c:8e:cd:00:00:05\",\"oui_vendor\":\"Amcrest Technologies\",\"onvif\":null,
 \"rtsp\":[{\"impl\":\"gst-rtsp-server\",\"port\":8554,\"path\":\"/stream1\",\"auth\":\"none\",\"codec\":\"h265\"},
          {\"impl\":\"gst-rtsp-server\",\"port\":8554,\"path\":\"/stream2\",\"auth\":\"none\",\"codec\":\"h264\"}],
 \"mdns\":{\"impl\":\"avahi-daemon 0.8\",\"host\":\"amcrest-cam5.local\",\"services\":[\"_rtsp._tcp:8554 path=/stream1\"]}}"
     ;;
  6) # quirky RTSP implementation: npm rtsp-streaming-server (Node), Basic auth, UDP only, fed by ffmpeg
     host "$ns" "$ip" 48:ea:63:00:00:06
     cat > "$d/rss.js" <<'JS'
// npm rtsp-streaming-server 2.1.0: publishers ANNOUNCE/RECORD on 5554, players on 554 (Basic auth)
const RtspServer = require(process.env.RSS_MODULE).default;
const s = new RtspServer({ serverPort: 5554, clientPort: 554, rtpPortStart: 20000, rtpPortCount: 1000,
  clientServerHooks: { authentication: async (u, p) => u === process.env.RSS_USER && p === process.env.RSS_PASS } });
s.start().then(() => console.log('rtsp-streaming-server up')).catch(e => { console.error(e); process.exit(1); });
JS
     start cam6-rtsp "$ns" env RSS_MODULE="$LAB/node/node_modules/rtsp-streaming-server" RSS_USER=admin RSS_PASS=unv-654321 \
        node "$d/rss.js"
     wait_tcp "$ns" 127.0.0.1 5554
     start cam6-feed "$ns" ffmpeg -nostdin -v error -re -f lavfi -i testsrc=size=320x240:rate=5 -c:v libx264 -preset ultrafast \
        -tune zerolatency -g 10 -f rtsp "rtsp://127.0.0.1:5554/media/video1"
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"48:ea:63:00:00:06\",\"oui_vendor\":\"Zhejiang Uniview Technologies Co., Ltd.\",\"onvif\":null,
 \"rtsp\":[{\"impl\":\"npm rtsp-streaming-server 2.1.0\",\"port\":554,\"path\":\"/media/video1\",\"auth\":\"basic\",\"user\":\"admin\",\"pass\":\"unv-654321\",\"codec\":\"h264\",
   \"transports\":[\"udp\"],\"quirks\":[\"TCP interleaved SETUP -> 461 Unsupported Transport\",\"OPTIONS reply lacks Public: (sends 'OPTIONS: DESCRIBE SETUP PLAY STOP')\",\"publisher port 5554 open too\"]}],
 \"mdns\":null}"
     ;;
  *) # extra generic cameras: RTSP Basic auth, distinct creds/paths, cycling real camera OUIs
     ouis=(bc:ad:28 24:52:6a 00:09:18 e4:30:22 c4:2f:90); o=${ouis[$(( (k - 7) % 5 ))]}
     mac=$(printf '%s:00:00:%02x' "$o" "$k")
     host "$ns" "$ip" "$mac"
     start "cam$k-rtsp" "$ns" /usr/bin/python3 "$GST_CAM" --port 554 --auth basic --user "user$k" --password "pass$k" \
        --mount "/live/ch$k:h264:320x180:5"
     addcam "{\"ns\":\"$ns\",\"ip\":\"$ip\",\"mac\":\"$mac\",\"onvif\":null,
 \"rtsp\":[{\"impl\":\"gst-rtsp-server\",\"port\":554,\"path\":\"/live/ch$k\",\"auth\":\"basic\",\"user\":\"user$k\",\"pass\":\"pass$k\",\"codec\":\"h264\"}],\"mdns\":null}"
     ;;
  esac
done
json="$json]"

# ---- readiness ----------------------------------------------------------------------------------
wait_tcp lab-sw "$NET.1" 53
wait_tcp lab-mqtt "$NET.2" 1883
# (wsdd's own HTTP port 5357 only starts accepting ~10 s after start; its UDP responder is what matters)
[ "${NOISE:-1}" = 1 ] && { wait_tcp lab-noise "$NET.50" 554; wait_log "$RUN/logs/noise-wsdd.log" 'joined multicast group'; }
for ((k = 1; k <= N; k++)); do
  ip=$NET.$((100 + k)); ns=lab-cam$k
  case $k in
    1) wait_tcp $ns "$ip" 554; wait_tcp $ns "$ip" 80 30; wait_tcp $ns "$ip" 8554 30 ;;
    2|3) wait_tcp $ns "$ip" 554; wait_tcp $ns "$ip" 80 ;;
    5) wait_tcp $ns "$ip" 8554 ;;
    6) wait_tcp $ns "$ip" 554
       for ((i = 0; i < 100; i++)); do   # DESCRIBE until the ffmpeg feed has ANNOUNCEd the mount
         printf 'DESCRIBE rtsp://%s:554/media/video1 RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic %s\r\n\r\n' "$ip" \
           "$(printf admin:unv-654321 | base64)" | ip netns exec $ns nc -w 1 "$ip" 554 2>/dev/null | grep -q '200 OK' && break
         sleep 0.1; done
       [ "$i" -lt 100 ] || die "cam6 feed never published (see $RUN/logs/cam6-*.log)" ;;
    *) wait_tcp $ns "$ip" 554 ;;
  esac
done
[ "$N" -ge 3 ] && wait_log "$RUN/logs/cam3-avahi.log" 'Service .*_axis-video|successfully established'
[ "$N" -ge 5 ] && wait_log "$RUN/logs/cam5-avahi.log" 'successfully established'

cat > "$RUN/lab.json" <<EOF
{"subnet":"$NET.0/24","gateway":"$NET.1","dns":{"server":"$NET.1","domain":"lab","impl":"dnsmasq (no upstream)"},
 "detector":{"ns":"lab-det","ip":"$NET.10","mac":"02:de:7e:c7:00:10"},
 "mqtt":{"ns":"lab-mqtt","host":"$NET.2","port":1883},
 "noise":$( [ "${NOISE:-1}" = 1 ] && echo "{\"ns\":\"lab-noise\",\"ip\":\"$NET.50\",\"mac\":\"00:11:32:00:00:50\",\"what\":\"wsdd (WS-Discovery pub:Computer, not a camera) + HTTP on tcp/554\"}" || echo null ),
 "cameras":$json}
EOF
"$VENV/bin/python" -c "import json,sys; json.load(open('$RUN/lab.json'))" || die "bad lab.json"

# start the detector with an empty neighbour cache (readiness probes never left their own namespace,
# but Hello/announce multicast may have created entries)
ip -n lab-det neigh flush all
T1=$(date +%s.%N)
printf 'lab-up: %d camera(s) + broker%s up in %.1fs; ground truth %s; pids %s\n' "$N" \
  "$( [ "${NOISE:-1}" = 1 ] && echo ' + noise host')" "$(awk "BEGIN{print $T1 - $T0}")" "$RUN/lab.json" "$RUN/pids"
echo "lab-up: run the detector with:  ip netns exec lab-det <detector> (MQTT at $NET.2:1883)"
