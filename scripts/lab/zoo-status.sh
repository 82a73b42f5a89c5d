#!/usr/bin/env bash
# zoo-status.sh — is a zoo from zoo-up.sh up and healthy? Cheap (no packets sent): lab-status.sh's
# checks on the zoo's own state (zoo-run/): zoo.json exists (zoo-up.sh writes it last, after every
# readiness probe passed), every namespace in zoo-run/netns exists, every PID in zoo-run/pids is
# alive inside the namespace it was started in.
# Exit 0 = up and healthy, 1 = not up (or broken: run zoo-up.sh again, it tears down first).
# Usage: ./zoo-status.sh [--quiet|-q]     (as root: ip netns identify needs it)
LAB=${LAB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LAB_RUN=${ZOO_RUN:-$LAB/zoo-run} LAB_TRUTH=zoo.json LAB_NAME=zoo-status exec "$LAB/lab-status.sh" "$@"
