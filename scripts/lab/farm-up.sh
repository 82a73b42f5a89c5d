#!/usr/bin/env bash
# farm-up.sh — the camera farm (issue 15): N cameras (1..1000, default 50), each with its own
# address and MAC, on a /22 of their own (10.79.0.0/22), apart from the lab (10.77.0.0/24) and
# the zoo (10.78.0.0/24), for scale tests and benches:
#
#   lab-fsw   : bridge br0 + 10.79.0.1 dead-end "router" (ip_forward=0, no uplink, no DNS); one
#               ebtables rule per MAC prefix hands frames for a camera MAC to the cameras' port
#   lab-fdet  : the detector's seat 10.79.0.10 — ip netns exec lab-fdet <cmd>
#   lab-fcams : every camera address on one interface (trunk); the kernel answers no ARP there
#               (arp_ignore=8): farm/farm-arp.py answers each address with its own MAC. One
#               zoo/zoo-peer.py serves every camera's RTSP (one listener per address: a
#               wildcard one would open every port everywhere) and counts requests per camera;
#               farm/onvif.py answers WS-Discovery and ONVIF for the `onvif` profile.
#
# Ground truth: farm-run/farm.json (scripts/lab/farm/generate.py; written last: it marks a farm
# that came up). Media: farm-run/media (scripts/lab/media.sh, copied from the zoo's when there).
# Idle cost: three processes blocked in recv/select. Bring-up: a few seconds for any N.
# A farm over ~400 cameras needs more neighbour entries than Linux's default gc_thresh3 (1024,
# one table for all namespaces): farm-up raises gc_thresh1/2/3 to 1024/4096/8192 when lower and
# farm-down.sh puts the old values back (saved in /run/camera-detector-farm.gc_thresh).
# Usage (as root): FARM_N=250 ./farm-up.sh        re-running tears the old farm down first
#                  ./farm-up.sh --if-down         nothing to do when farm-status.sh says it is up
#   FARM_LOG=1   the peers log one line per request (farm-run/logs)
# Status: ./farm-status.sh [-q].  Teardown: ./farm-down.sh.  Requests counted so far:
#   kill -USR1 <zoo-peer pid> writes farm-run/counts.json (scripts/bench/scale.sh does it).
set -euo pipefail
# The daemons started here outlive this script: they must not inherit a lock descriptor.
for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null; done

LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
FARM=$LAB/farm
RUN=${FARM_RUN:-$LAB/farm-run}
MEDIA=$RUN/media
N=${FARM_N:-50}
PY=/usr/bin/python3
T0=$EPOCHREALTIME
TRUNK_MAC=02:79:00:00:00:02
GC_SAVED=/run/camera-detector-farm.gc_thresh   # the values before farm-up raised them
BR_MAC=02:79:00:00:00:01

die() { echo "farm-up: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (ip netns)"
if [ "${1:-}" = --if-down ] && "$LAB/farm-status.sh" -q; then
  echo "farm-up: farm already up ($RUN/farm.json), nothing to do"; exit 0; fi
for c in ip ebtables nc arping ffmpeg gst-launch-1.0 setsid; do
  command -v "$c" >/dev/null || die "missing command $c (scripts/install-deps.sh installs it)"; done

# ---- idempotence: remove any previous farm (media stay) -------------------------------------------
"$LAB/farm-down.sh" --quiet || true
mkdir -p "$RUN" "$MEDIA"
find "$RUN" -mindepth 1 -maxdepth 1 ! -name media -exec rm -rf {} +
mkdir -p "$RUN/logs"
: > "$RUN/pids"; : > "$RUN/netns"
TRUTH=$RUN/truth.json          # becomes farm.json once everything answered
$PY "$FARM/generate.py" "$N" "$TRUTH" || die "generate.py $N failed"

for f in "$LAB"/zoo-run/media/h264-*.rtp; do [ -s "$f" ] && cp -n "$f" "$MEDIA/"; done
"$LAB/media.sh" "$MEDIA" > "$RUN/logs/media.log" 2>&1 || die "could not make the media (see $RUN/logs/media.log)"

# ---- the neighbour table (one for all namespaces) -----------------------------------------------
g=(net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 net.ipv4.neigh.default.gc_thresh3)
if [ "$(sysctl -n "${g[2]}")" -lt 8192 ]; then
  [ -s "$GC_SAVED" ] || sysctl -n "${g[@]}" | tr '\n' ' ' > "$GC_SAVED"
  sysctl -qw "${g[0]}=1024" "${g[1]}=4096" "${g[2]}=8192"
fi

# ---- topology -----------------------------------------------------------------------------------
mkns() {   # namespace + resolv.conf pointing at the dead end (lookups fail at once, never hang)
  ip netns add "$1"; echo "$1" >> "$RUN/netns"; ip -n "$1" link set lo up
  mkdir -p "/etc/netns/$1"; printf 'nameserver 10.79.0.1\n' > "/etc/netns/$1/resolv.conf"
}
mkns lab-fsw
ip netns exec lab-fsw sysctl -qw net.ipv4.ip_forward=0
ip -n lab-fsw link add br0 type bridge
ip -n lab-fsw link set br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
ip -n lab-fsw link set br0 address "$BR_MAC"
ip -n lab-fsw addr add 10.79.0.1/22 dev br0
ip -n lab-fsw link set br0 up

read -r DET_IP DET_MAC < <($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["detector"]; print(d["ip"], d["mac"])' "$TRUTH")
mkns lab-fdet
ip -n lab-fsw link add sw-fdet type veth peer name eth0 netns lab-fdet
ip -n lab-fsw link set sw-fdet master br0 up
ip -n lab-fdet link set eth0 address "$DET_MAC"
ip -n lab-fdet addr add "$DET_IP/22" dev eth0
ip -n lab-fdet link set eth0 up
ip -n lab-fdet route add default via 10.79.0.1 dev eth0   # so a routed /16 leads to the dead end
ip -n lab-fdet route add 224.0.0.0/4 dev eth0

mkns lab-fcams
ip -n lab-fsw link add sw-fcams type veth peer name trunk netns lab-fcams
ip -n lab-fsw link set sw-fcams master br0 up
ip -n lab-fcams link set trunk address "$TRUNK_MAC"
for s in all.arp_ignore=8 default.arp_ignore=8 all.rp_filter=0 default.rp_filter=0; do
  ip netns exec lab-fcams sysctl -qw "net.ipv4.conf.$s"; done
ip netns exec lab-fcams sysctl -qw net.ipv4.conf.trunk.arp_ignore=8 net.core.somaxconn=8192
$PY - "$TRUTH" > "$RUN/cams.batch" <<'EOF'
import json, sys
for i, c in enumerate(json.load(open(sys.argv[1]))["cameras"]):
    print(f"addr add {c['ip']}/22 dev trunk" + ("" if i == 0 else " noprefixroute"))
EOF
ip -n lab-fcams -batch "$RUN/cams.batch"
ip -n lab-fcams link set trunk up
ip -n lab-fcams route add 224.0.0.0/4 dev trunk
# The cameras never ask ARP themselves (their replies would teach the detector the trunk's MAC).
ip -n lab-fcams neigh replace 10.79.0.1 lladdr "$BR_MAC" dev trunk nud permanent
ip -n lab-fcams neigh replace "$DET_IP" lladdr "$DET_MAC" dev trunk nud permanent
# Frames for a camera MAC go to the trunk, rewritten to its own MAC (one rule per prefix: the
# 4th byte of every camera MAC is 0x79).
while read -r prefix; do
  ip netns exec lab-fsw ebtables -t nat -A PREROUTING -d "$prefix:79:00:00/ff:ff:ff:ff:00:00" \
    -j dnat --to-destination "$TRUNK_MAC" --dnat-target ACCEPT
done < <($PY -c 'import json,sys; print("\n".join(sorted({c["mac"][:8] for c in json.load(open(sys.argv[1]))["cameras"]})))' "$TRUTH")

# ---- processes ----------------------------------------------------------------------------------
start() {   # start NAME NS CMD... : in NS, own session, log to $RUN/logs/NAME.log, PID recorded
  local name=$1 ns=$2; shift 2
  setsid ip netns exec "$ns" "$@" > "$RUN/logs/$name.log" 2>&1 < /dev/null &
  echo "$! $name $ns" >> "$RUN/pids"
}
start farm-arp lab-fcams $PY "$FARM/farm-arp.py" "$TRUTH" trunk
ulimit -n 16384   # a listener per camera, and the connections of a scan
start farm-peer lab-fcams env ZOO_LOG="${FARM_LOG:-0}" ZOO_COUNTS="$RUN/counts.json" \
  $PY "$LAB/zoo/zoo-peer.py" "$TRUTH" lab-fcams "$MEDIA"
ONVIF=0
if $PY -c 'import json,sys; sys.exit(0 if any(c["onvif"] for c in json.load(open(sys.argv[1]))["cameras"]) else 1)' "$TRUTH"; then
  ONVIF=1
  start farm-onvif lab-fcams env ZOO_COUNTS="$RUN/onvif-counts.json" $PY "$FARM/onvif.py" "$TRUTH" trunk
fi

# ---- readiness: every listener, and ARP + TCP to the first and last camera from the detector's
# seat (its neighbour cache is flushed afterwards) ---------------------------------------------
for ((i = 0; i < 200; i++)); do
  grep -q 'listener' "$RUN/logs/farm-peer.log" 2>/dev/null && grep -q 'answering' "$RUN/logs/farm-arp.log" 2>/dev/null \
    && { [ $ONVIF = 0 ] || grep -q 'listener' "$RUN/logs/farm-onvif.log" 2>/dev/null; } && break
  sleep 0.05; done
[ "$i" -lt 200 ] || die "the farm's peers did not start (see $RUN/logs)"
while read -r ip mac port; do
  got=$(ip netns exec lab-fdet arping -c 1 -w 2 -I eth0 "$ip" 2>/dev/null | grep -oiE '([0-9a-f]{2}:){5}[0-9a-f]{2}' | head -1 || true)
  [ "${got,,}" = "$mac" ] || die "ARP for $ip answered '${got:-nothing}', want $mac (see $RUN/logs/farm-arp.log)"
  ip netns exec lab-fdet nc -z -w 2 "$ip" "$port" || die "no RTSP at $ip:$port from lab-fdet"
done < <($PY -c 'import json,sys; c=json.load(open(sys.argv[1]))["cameras"]
for x in {0: c[0], 1: c[-1]}.values(): print(x["ip"], x["mac"], x["rtsp"]["port"])' "$TRUTH")
ip -n lab-fdet neigh flush all

mv "$TRUTH" "$RUN/farm.json"
printf 'farm-up: %d cameras up in %.1fs; ground truth %s\n' \
  "$N" "$(awk "BEGIN{print $EPOCHREALTIME - $T0}")" "$RUN/farm.json"
echo "farm-up: run the detector with:  ip netns exec lab-fdet <detector>"
