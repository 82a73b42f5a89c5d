#!/usr/bin/env bash
# lab-owned.sh — the lab hosts that tests own (tests/it/support/ownhost.rs: owned cameras and
# brokers, namespaces lab-t<tag>-<pid><n> on the lab bridge), listed with their owner's state.
# A test killed before its cleanup ran (nextest timeout, SIGKILL) leaves its host behind; the
# next test that makes one removes it, and so does `sweep` here.
#   ./lab-owned.sh          list: namespace, address, MAC, owner pid, alive|DEAD, processes
#   ./lab-owned.sh sweep    remove the hosts whose owner is dead (processes, switch port,
#                           namespace, marker); never a host whose owner still runs
# Only namespaces with a marker in $MARKERS are considered. Root only (ip netns).
set -uo pipefail
MARKERS=/run/camera-detector-lab-owned
SWITCH_NS=lab-sw
[ "$(id -u)" = 0 ] || { echo "lab-owned: must run as root" >&2; exit 1; }

alive() {   # alive "PID START": the owner process still runs (same start time, not a zombie)
  local pid=${1%% *} start=${1#* } stat rest
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  [ "$1" != Z ] && [ "${20}" = "$start" ]
}

remove() {  # remove NS: the steps of ownhost.rs `remove`
  local ns=$1 i
  ip -n "$SWITCH_NS" link del "sw-${ns#lab-}" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    mapfile -t p < <(ip netns pids "$ns" 2>/dev/null)
    [ ${#p[@]} -eq 0 ] && break
    kill -KILL "${p[@]}" 2>/dev/null; sleep 0.06
  done
  ip netns list | awk '{print $1}' | grep -qx "$ns" && ip netns del "$ns"
  rm -f "$MARKERS/$ns"
}

[ -d "$MARKERS" ] || { echo "lab-owned: no owned hosts"; exit 0; }
n=0
for m in "$MARKERS"/lab-t*; do
  [ -e "$m" ] || continue
  ns=${m##*/}; owner=$(head -n 1 "$m"); n=$((n + 1))
  if alive "$owner"; then state=alive; else state=DEAD; fi
  if [ "${1:-}" = sweep ]; then
    [ $state = DEAD ] && { remove "$ns"; echo "lab-owned: removed $ns (owner ${owner%% *} gone)"; }
    continue
  fi
  addr=$(ip -n "$ns" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}')
  mac=$(ip -n "$ns" -o link show dev eth0 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  procs=$(ip netns pids "$ns" 2>/dev/null | wc -l)
  printf '%-16s %-16s %-18s owner %-8s %-5s %s process(es)\n' "$ns" "${addr:--}" "${mac:--}" \
    "${owner%% *}" "$state" "$procs"
done
[ $n -gt 0 ] || echo "lab-owned: no owned hosts"
exit 0
