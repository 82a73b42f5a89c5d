#!/usr/bin/env bash
# lab-down.sh — stop what lab-up.sh started (by PID, from its pidfile) and delete its namespaces.
# Only touches: PIDs listed in $RUN/pids that still live in the lab namespace recorded next to them,
# leftover processes *inside* the lab's own namespaces (e.g. ffmpeg children of ipycam), and the
# namespaces listed in $RUN/netns (fallback: the fixed lab-* names this script family uses).
# Safe to run any number of times.
# The vendor zoo's zoo-down.sh runs this with LAB_RUN (state dir), LAB_TRUTH (truth file name),
# LAB_NS_RE (its fallback namespace names) and LAB_NAME (message prefix) of its own.
set -uo pipefail
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
RUN=${LAB_RUN:-$LAB/run}
TRUTH=${LAB_TRUTH:-lab.json}
NAME=${LAB_NAME:-lab-down}
NS_RE=${LAB_NS_RE:-'^lab-(sw|det|mqtt|noise|cam[0-9]+)$'}
Q=0; [ "${1:-}" = --quiet ] && Q=1
say() { [ $Q = 1 ] || echo "$NAME: $*"; }
[ "$(id -u)" = 0 ] || { echo "$NAME: must run as root" >&2; exit 1; }

# namespaces that belong to the lab
if [ -s "$RUN/netns" ]; then
  mapfile -t NSS < "$RUN/netns"
else
  mapfile -t NSS < <(ip netns list | awk '{print $1}' | grep -E "$NS_RE")
fi

# camera-detector: a zombie counts as dead. PID 1 on this machine (not an init) reaps orphans only
# every ~2 s, so waiting for /proc/PID to vanish made every teardown wait that long.
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
term_wait() {   # term_wait PID... : SIGTERM, wait up to 3 s, then SIGKILL
  local p i left
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for ((i = 0; i < 30; i++)); do
    left=0; for p in "$@"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0; sleep 0.1
  done
  for p in "$@"; do alive "$p" && { say "SIGKILL $p"; kill -KILL "$p" 2>/dev/null; }; done
  sleep 0.2
}

# 1) PIDs from the pidfile, each only if it is still inside the namespace it was started in
pids=()
if [ -f "$RUN/pids" ]; then
  while read -r pid name ns; do
    [ -n "${pid:-}" ] && alive "$pid" || continue
    if [ "$(ip netns identify "$pid" 2>/dev/null)" = "$ns" ]; then pids+=("$pid"); say "stop $name ($pid)"
    else say "skip $name ($pid): no longer in $ns (PID reused?)"; fi
  done < "$RUN/pids"
fi
[ ${#pids[@]} -gt 0 ] && term_wait "${pids[@]}"

# 2) anything still running inside the lab's own namespaces (children such as ffmpeg)
for ns in "${NSS[@]}"; do
  ip netns list | awk '{print $1}' | grep -qx "$ns" || continue
  mapfile -t rest < <(ip netns pids "$ns" 2>/dev/null)
  [ ${#rest[@]} -gt 0 ] && { say "stray in $ns: ${rest[*]}"; term_wait "${rest[@]}"; }
done

# 3) delete namespaces (veths and the bridge go with them) and their /etc/netns/NS/resolv.conf
for ns in "${NSS[@]}"; do
  rm -f "/etc/netns/$ns/resolv.conf"; rmdir "/etc/netns/$ns" 2>/dev/null
  ip netns list | awk '{print $1}' | grep -qx "$ns" || continue
  ip netns del "$ns" && say "deleted netns $ns"
done
rmdir /etc/netns 2>/dev/null
# camera-detector: lab.json goes too, so a leftover ground-truth file never looks like a running lab
# (logs and per-camera configs stay in run/ for post-mortems; lab-up.sh wipes run/ anyway)
rm -f "$RUN/pids" "$RUN/netns" "$RUN/$TRUTH"
exit 0
