#!/usr/bin/env bash
# zoo-up.sh — the vendor zoo: ~40 simulated cameras of ~40 brands, generated from public data
# (scripts/lab/zoo/generate.py -> zoo/zoo.json), on a bridge and subnet of their own, apart from
# the lab's 10.77.0.0/24 (whose exact inventory other tests assert):
#
#   lab-zsw    : bridge br0 + 10.78.0.1 dead-end "router" (ip_forward=0, no uplink, no DNS)
#   lab-zdet   : the detector's seat 10.78.0.10 — ip netns exec lab-zdet <cmd>
#   lab-zcams  : every camera announced by nothing but its open port: one macvlan interface per
#                camera (own address, own MAC from its brand's OUI) on one veth into br0;
#                ARP answered per interface (arp_ignore=1, arp_announce=2) and one routing table
#                per source address, so each camera talks from its own interface and MAC.
#                One gst-rtsp-server process (zoo/zoo-gst.py) serves the ordinary cameras, one
#                zoo/zoo-peer.py the quirky ones ("200 on any path", no sprop, MJPEG) and HTTP.
#   lab-zonvif : the camera announced only by WS-Discovery/ONVIF GetStreamUri (onvif-sim) on an
#                RTSP port no brand states
#   lab-zmdns  : the camera announced only by mDNS _rtsp._tcp (avahi-daemon) on such a port
#
# Ground truth: zoo-run/zoo.json (a copy of zoo/zoo.json, written last: it marks a zoo that came
# up). Media are pre-encoded once into zoo-run/media (kept across re-runs): nothing encodes
# unless a client plays, and even then only files are replayed.
# Usage (as root): ./zoo-up.sh            re-running tears the old zoo down first (idempotent)
#                  ./zoo-up.sh --if-down  nothing to do (exit 0) when zoo-status.sh says it is up
#   ONVIF_SIM=PATH   onvif-sim binary (default as lab-up.sh: built by scripts/install-deps.sh)
#   ZOO_LOG=1        the zoo's RTSP/HTTP peers log one line per request (zoo-run/logs)
# Status: ./zoo-status.sh [-q].  Teardown: ./zoo-down.sh
set -euo pipefail
# The daemons started here outlive this script: they must not inherit a lock descriptor a
# caller holds (`flock LOCK cargo test …` would stay locked until the lab went down).
for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null; done

LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
ZOO=$LAB/zoo
RUN=${ZOO_RUN:-$LAB/zoo-run}
MEDIA=$RUN/media
NET=10.78.0
ONVIF_SIM_TARGET=${ONVIF_SIM_TARGET:-/var/cache/camera-detector/onvif-sim-target}
ONVIF_SIM=${ONVIF_SIM:-$ONVIF_SIM_TARGET/release/onvif-sim}
PY=/usr/bin/python3   # Debian's: python3-gi lives there (not pyenv's python on PATH)
T0=$EPOCHREALTIME

die() { echo "zoo-up: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (ip netns)"
if [ "${1:-}" = --if-down ] && "$LAB/zoo-status.sh" -q; then
  echo "zoo-up: zoo already up ($RUN/zoo.json), nothing to do"; exit 0; fi

# ---- preflight ----------------------------------------------------------------------------------
for c in ip nc ffmpeg gst-launch-1.0 avahi-daemon unshare setsid; do
  command -v "$c" >/dev/null || die "missing command $c (scripts/install-deps.sh installs it)"; done
$PY -c 'import gi; gi.require_version("GstRtspServer","1.0")' 2>/dev/null \
  || die "missing gir1.2-gst-rtsp-server-1.0 / python3-gi for $PY"
[ -x "$ONVIF_SIM" ] || die "missing $ONVIF_SIM (scripts/install-deps.sh builds it)"
[ -s "$ZOO/zoo.json" ] || die "missing $ZOO/zoo.json (scripts/lab/zoo/generate.py writes it)"

# ---- idempotence: remove any previous zoo (media stay) ------------------------------------------
"$LAB/zoo-down.sh" --quiet || true
mkdir -p "$RUN" "$MEDIA"
find "$RUN" -mindepth 1 -maxdepth 1 ! -name media -exec rm -rf {} +
mkdir -p "$RUN/logs"
: > "$RUN/pids"; : > "$RUN/netns"
TRUTH=$RUN/truth.json          # becomes zoo.json once everything answered
cp "$ZOO/zoo.json" "$TRUTH"

# ---- media: pre-encoded once, then only replayed (scripts/lab/media.sh) ----------------------------
"$LAB/media.sh" "$MEDIA" || die "could not make the media in $MEDIA"

# ---- topology -----------------------------------------------------------------------------------
mkns() {   # namespace + resolv.conf pointing at the dead end (lookups fail at once, never hang)
  ip netns add "$1"; echo "$1" >> "$RUN/netns"; ip -n "$1" link set lo up
  mkdir -p "/etc/netns/$1"; printf 'nameserver %s\n' "$NET.1" > "/etc/netns/$1/resolv.conf"
}
mkns lab-zsw
ip netns exec lab-zsw sysctl -qw net.ipv4.ip_forward=0
ip -n lab-zsw link add br0 type bridge
ip -n lab-zsw link set br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
ip -n lab-zsw link set br0 address 02:00:00:00:78:01
ip -n lab-zsw addr add "$NET.1/24" dev br0
ip -n lab-zsw link set br0 up

host() {   # host NS IP MAC : a namespace whose eth0 (MAC set) is plugged into br0
  local ns=$1 ip=$2 mac=$3 port="sw-${1#lab-z}"
  mkns "$ns"
  ip -n lab-zsw link add "$port" type veth peer name eth0 netns "$ns"
  ip -n lab-zsw link set "$port" master br0 up
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$NET.1" dev eth0
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
}
q() { $PY - "$TRUTH" "$@"; }   # q 'python expression over t (the truth)' -> lines

read -r DET_IP DET_MAC < <(q <<<'import json,sys; t=json.load(open(sys.argv[1])); print(t["detector"]["ip"], t["detector"]["mac"])')
host lab-zdet "$DET_IP" "$DET_MAC"

# lab-zcams: many cameras, one namespace
mkns lab-zcams
for s in all.arp_ignore=1 default.arp_ignore=1 all.arp_announce=2 default.arp_announce=2 \
         all.rp_filter=0 default.rp_filter=0; do
  ip netns exec lab-zcams sysctl -qw "net.ipv4.conf.$s"; done
ip -n lab-zsw link add sw-cams type veth peer name trunk netns lab-zcams
ip -n lab-zsw link set sw-cams master br0 up
ip -n lab-zcams link set trunk up
n=0
while read -r ip mac; do
  o=${ip##*.}; i=z$o
  ip -n lab-zcams link add "$i" link trunk address "$mac" type macvlan mode bridge
  ip -n lab-zcams addr add "$ip/24" dev "$i" noprefixroute
  ip -n lab-zcams link set "$i" up
  ip -n lab-zcams route add "$NET.0/24" dev "$i" src "$ip" table "$o"
  ip -n lab-zcams rule add from "$ip" table "$o" pref $((1000 + o))
  n=$((n + 1))
done < <(q <<<'import json,sys; t=json.load(open(sys.argv[1]))
for c in t["cameras"]:
    if c["ns"] == "lab-zcams": print(c["ip"], c["mac"])')
[ "$n" -gt 0 ] || die "no lab-zcams camera in the truth"

read -r ONVIF_IP ONVIF_MAC MDNS_IP MDNS_MAC < <(q <<<'import json,sys; t=json.load(open(sys.argv[1]))
o=[c for c in t["cameras"] if c["ns"]=="lab-zonvif"][0]; m=[c for c in t["cameras"] if c["ns"]=="lab-zmdns"][0]
print(o["ip"], o["mac"], m["ip"], m["mac"])')
host lab-zonvif "$ONVIF_IP" "$ONVIF_MAC"
host lab-zmdns "$MDNS_IP" "$MDNS_MAC"

# ---- processes ----------------------------------------------------------------------------------
start() {   # start NAME NS CMD... : in NS, own session, log to $RUN/logs/NAME.log, PID recorded
  local name=$1 ns=$2; shift 2
  setsid ip netns exec "$ns" "$@" > "$RUN/logs/$name.log" 2>&1 < /dev/null &
  echo "$! $name $ns" >> "$RUN/pids"
}
export ZOO_LOG=${ZOO_LOG:-0}
start zcams-gst lab-zcams $PY "$ZOO/zoo-gst.py" "$TRUTH" lab-zcams "$MEDIA"
start zcams-peer lab-zcams $PY "$ZOO/zoo-peer.py" "$TRUTH" lab-zcams "$MEDIA"
start zonvif-gst lab-zonvif $PY "$ZOO/zoo-gst.py" "$TRUTH" lab-zonvif "$MEDIA"
start zmdns-gst lab-zmdns $PY "$ZOO/zoo-gst.py" "$TRUTH" lab-zmdns "$MEDIA"

# the ONVIF camera: WS-Discovery + device/media services; GetStreamUri names the RTSP port
mapfile -t OV < <(q <<<'import json,sys; t=json.load(open(sys.argv[1]))
c=[c for c in t["cameras"] if c["ns"]=="lab-zonvif"][0]; o=c["onvif"]; s=c["streams"]
for v in (o["user"], o["pass"], o["manufacturer"], o["model"], o["serial"], o["uuid"], s[0]["url"],
          s[-1]["url"], "%dx%d" % (s[0]["width"], s[0]["height"]), "%dx%d" % (s[-1]["width"], s[-1]["height"])): print(v)')
start zonvif-onvif lab-zonvif env HOST="$ONVIF_IP" PORT=80 ONVIF_USER="${OV[0]}" ONVIF_PASS="${OV[1]}" \
  MANUFACTURER="${OV[2]}" MODEL="${OV[3]}" SERIAL="${OV[4]}" FIRMWARE=1.0.0 HWID=zoo UUID="${OV[5]}" \
  MAIN_URI="${OV[6]}" SUB_URI="${OV[7]}" MAIN_WxH="${OV[8]}" SUB_WxH="${OV[9]}" "$ONVIF_SIM"

# the mDNS camera: avahi-daemon of its own (private mount ns: its /run and service directory)
mapfile -t MD < <(q <<<'import json,sys; t=json.load(open(sys.argv[1]))
c=[c for c in t["cameras"] if c["ns"]=="lab-zmdns"][0]; m=c["mdns"]
print(m["host"].removesuffix(".local")); print(m["service"]); print(m["port"]); print(c["brand"] + " " + c["name"])
print("\n".join(m["txt"]))')
d=$RUN/zmdns-avahi; mkdir -p "$d/services"
"$LAB/avahi-conf.sh" "${MD[0]}" > "$d/avahi-daemon.conf"
{ printf '<?xml version="1.0" standalone="no"?>\n<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n'
  printf '<service-group><name>%s</name><service><type>%s</type><port>%s</port>' "${MD[3]}" "${MD[1]}" "${MD[2]}"
  for x in "${MD[@]:4}"; do printf '<txt-record>%s</txt-record>' "$x"; done
  printf '</service></service-group>\n'; } > "$d/services/rtsp.service"
start zmdns-avahi lab-zmdns unshare -m --propagation private sh -c \
  "mount -t tmpfs tmpfs /run && mkdir /run/avahi-daemon && mount --bind '$d/services' /etc/avahi/services && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f '$d/avahi-daemon.conf'"

# ---- readiness (probed from inside each camera's own namespace: the detector's ARP cache stays
# empty) ----------------------------------------------------------------------------------------
wait_tcp() {   # wait_tcp NS IP PORT
  local i
  for ((i = 0; i < 200; i++)); do ip netns exec "$1" nc -z -w 1 "$2" "$3" 2>/dev/null && return 0; sleep 0.05; done
  die "timeout waiting for $2:$3 in $1 (see $RUN/logs)"
}
while read -r ns ip port; do wait_tcp "$ns" "$ip" "$port"; done < <(q <<<'import json,sys; t=json.load(open(sys.argv[1]))
for c in t["cameras"]:
    print(c["ns"], c["ip"], c["rtsp"]["port"])
    if c["http"]: print(c["ns"], c["ip"], c["http"]["port"])
    if c["onvif"]: print(c["ns"], c["ip"], c["onvif"]["port"])')
for ((i = 0; i < 200; i++)); do
  grep -q 'successfully established' "$RUN/logs/zmdns-avahi.log" 2>/dev/null && break; sleep 0.05; done
[ "$i" -lt 200 ] || die "avahi in lab-zmdns never established its service (see $RUN/logs/zmdns-avahi.log)"

total=$(q <<<'import json,sys; print(len(json.load(open(sys.argv[1]))["cameras"]))')
ip -n lab-zdet neigh flush all
mv "$TRUTH" "$RUN/zoo.json"
printf 'zoo-up: %d cameras (%d in lab-zcams) up in %.1fs; ground truth %s\n' \
  "$total" "$n" "$(awk "BEGIN{print $EPOCHREALTIME - $T0}")" "$RUN/zoo.json"
echo "zoo-up: run the detector with:  ip netns exec lab-zdet <detector>"
