#!/usr/bin/env bash
# farm-down.sh — stop what farm-up.sh started (by PID, from farm-run/pids) and delete its namespaces:
# lab-down.sh on the farm's own state (farm-run/), never the lab's or the zoo's namespaces; then
# the neighbour-table limits farm-up.sh raised go back to what they were. Safe to run any number
# of times; media in farm-run/media stay.
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LAB_RUN=${FARM_RUN:-$LAB/farm-run} LAB_TRUTH=farm.json LAB_NAME=farm-down \
  LAB_NS_RE='^lab-f(sw|det|cams)$' "$LAB/lab-down.sh" "$@"
rc=$?
GC_SAVED=/run/camera-detector-farm.gc_thresh
if [ -s "$GC_SAVED" ]; then
  read -r t1 t2 t3 < "$GC_SAVED"
  sysctl -qw "net.ipv4.neigh.default.gc_thresh1=$t1" "net.ipv4.neigh.default.gc_thresh2=$t2" \
    "net.ipv4.neigh.default.gc_thresh3=$t3" && rm -f "$GC_SAVED"
fi
exit $rc
