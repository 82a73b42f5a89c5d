"""peercounts.py — per-address request counters of the lab's Python peers (zoo-peer.py,
farm/onvif.py), written as JSON ({kind: {address: n}}) to the file ZOO_COUNTS names when the
process gets SIGUSR1 (scripts/bench/scale.sh reads them before and after a pass)."""
import collections
import json
import os
import signal


class Counts:
    def __init__(self, *kinds):
        self.by_kind = {k: collections.Counter() for k in kinds}

    def add(self, kind, address):
        self.by_kind[kind][address] += 1

    def write(self):
        path = os.environ.get("ZOO_COUNTS")
        if not path:
            return
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump({k: dict(v) for k, v in self.by_kind.items()}, f)
        os.replace(path + ".tmp", path)

    def on_sigusr1(self, loop):
        loop.add_signal_handler(signal.SIGUSR1, self.write)
