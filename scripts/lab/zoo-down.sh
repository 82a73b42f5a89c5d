#!/usr/bin/env bash
# zoo-down.sh — stop what zoo-up.sh started (by PID, from zoo-run/pids) and delete its namespaces:
# lab-down.sh on the zoo's own state (zoo-run/). Only touches PIDs listed in zoo-run/pids that
# still live in the namespace recorded next to them, leftover processes inside the zoo's own
# namespaces, and the namespaces in zoo-run/netns (fallback: the lab-z* names zoo-up.sh uses);
# never the lab's own namespaces. Safe to run any number of times; media in zoo-run/media stay.
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LAB_RUN=${ZOO_RUN:-$LAB/zoo-run} LAB_TRUTH=zoo.json LAB_NAME=zoo-down \
  LAB_NS_RE='^lab-z(sw|det|cams|onvif|mdns)$' exec "$LAB/lab-down.sh" "$@"
