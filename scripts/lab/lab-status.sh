#!/usr/bin/env bash
# lab-status.sh — is a lab from lab-up.sh up and healthy?  Cheap (no packets sent): checks that
#   * run/lab.json exists (lab-up.sh writes it last, after every readiness probe passed),
#   * every namespace listed in run/netns exists,
#   * every PID in run/pids is alive and still inside the namespace it was started in.
# Exit 0 = up and healthy, 1 = not up (or broken: run lab-up.sh again, it tears down first).
# Usage: ./lab-status.sh [--quiet|-q]     (as root: ip netns identify needs it)
# The vendor zoo's zoo-status.sh runs this with LAB_RUN (state dir), LAB_TRUTH (truth file name)
# and LAB_NAME (message prefix) of its own.
set -uo pipefail
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
RUN=${LAB_RUN:-$LAB/run}
TRUTH=${LAB_TRUTH:-lab.json}
NAME=${LAB_NAME:-lab-status}
Q=0; case "${1:-}" in --quiet|-q) Q=1 ;; esac
bad() { [ $Q = 1 ] || echo "$NAME: DOWN: $*"; exit 1; }

[ -s "$RUN/$TRUTH" ] || bad "no $RUN/$TRUTH"
[ -s "$RUN/netns" ] || bad "no $RUN/netns"
[ -s "$RUN/pids" ] || bad "no $RUN/pids"
have=" $(ip netns list 2>/dev/null | awk '{print $1}' | tr '\n' ' ') "
nns=0
while read -r ns; do
  [ -n "$ns" ] || continue
  [[ $have == *" $ns "* ]] || bad "namespace $ns missing"
  nns=$((nns + 1))
done < "$RUN/netns"
np=0
while read -r pid name ns; do
  [ -n "${pid:-}" ] || continue
  # a zombie is dead too (orphans are reaped by PID 1 only every ~2 s on this machine)
  { [ -d "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; } \
    || bad "$name (pid $pid) is not running (log: $RUN/logs/$name.log)"
  [ "$(ip netns identify "$pid" 2>/dev/null)" = "$ns" ] || bad "pid $pid ($name) is not in $ns"
  np=$((np + 1))
done < "$RUN/pids"
[ $Q = 1 ] || echo "$NAME: UP: $nns namespaces, $np processes alive, ground truth $RUN/$TRUTH"
exit 0
