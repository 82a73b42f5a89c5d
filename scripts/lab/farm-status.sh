#!/usr/bin/env bash
# farm-status.sh — is a farm from farm-up.sh up and healthy? Cheap (no packets sent): lab-status.sh's
# checks on the farm's own state (farm-run/): farm.json exists (farm-up.sh writes it last, after the
# readiness probes passed), every namespace in farm-run/netns exists, every PID in farm-run/pids is
# alive inside the namespace it was started in. Prints the farm's size unless -q.
# Exit 0 = up and healthy, 1 = not up (or broken: run farm-up.sh again, it tears down first).
# Usage: ./farm-status.sh [--quiet|-q]     (as root: ip netns identify needs it)
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LAB_RUN=${FARM_RUN:-$LAB/farm-run} LAB_TRUTH=farm.json LAB_NAME=farm-status "$LAB/lab-status.sh" "$@" || exit 1
case "${1:-}" in --quiet|-q) ;; *)
  /usr/bin/python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print("farm-status:", t["n"], "cameras on", t["subnet"])' \
    "${FARM_RUN:-$LAB/farm-run}/farm.json" ;; esac
exit 0
