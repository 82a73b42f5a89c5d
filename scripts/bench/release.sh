#!/usr/bin/env bash
# bench/release.sh — the release size figures for docs/performance.md, next to the original
# Python service (~450 MiB installed, 640 MiB RSS): reads sizes.tsv of scripts/release.sh and
# prints Markdown rows (binary and tarball per target and flavour, unpacked size, build time of
# that release.sh run: a few seconds when cargo had it all cached).
# Usage: scripts/bench/release.sh [DIR]      DIR defaults to target/dist/out/<Cargo.toml version>
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
DIR=${1:-${DIST_TARGET_DIR:-$ROOT/target/dist}/out/$VERSION}
[ -f "$DIR/sizes.tsv" ] || { echo "bench-release: no $DIR/sizes.tsv: run scripts/release.sh first" >&2; exit 1; }
python3 - "$DIR" <<'PY'
import csv, os, sys, tarfile
d = sys.argv[1]
MIB = 1024 * 1024
print("| target | binary | tarball | unpacked | build |")
print("|---|---|---|---|---|")
for r in csv.DictReader(open(os.path.join(d, "sizes.tsv")), delimiter="\t"):
    name = [f for f in os.listdir(d) if f.endswith(f"-{r['target']}{'-tls' if r['flavour'] == 'tls' else ''}.tar.gz")][0]
    with tarfile.open(os.path.join(d, name)) as t:
        unpacked = sum(m.size for m in t.getmembers() if m.isfile())
    flav = " + `tls`" if r["flavour"] == "tls" else ""
    print(f"| {r['target']}{flav} | {int(r['binary_bytes']) / MIB:.2f} MiB | {int(r['tarball_bytes']) / MIB:.2f} MiB "
          f"| {unpacked / MIB:.2f} MiB | {int(r['build_s'])} s |")
print("\noriginal Python service: ~450 MiB installed, 640 MiB RSS")
PY
