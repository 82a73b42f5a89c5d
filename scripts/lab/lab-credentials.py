#!/usr/bin/env python3
"""Prints every distinct camera credential of the lab's ground truth as `user:pass,...`
(RTSP logins then the ONVIF one, per camera, in lab.json order), for CAMERA_CREDENTIALS.
--rotate: rotated by half, so that no camera's own pair comes first (what the benches use).
Usage: lab-credentials.py [--rotate] [path/to/lab.json]"""
import json
import os
import sys

args = [a for a in sys.argv[1:] if a != "--rotate"]
path = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "run", "lab.json")
lab = json.load(open(path))
pairs = []
for cam in lab["cameras"]:
    for r in (cam.get("rtsp") or []) + [cam.get("onvif") or {}]:
        if r.get("user") and (r["user"], r["pass"]) not in pairs:
            pairs.append((r["user"], r["pass"]))
if "--rotate" in sys.argv[1:]:
    pairs = pairs[len(pairs) // 2:] + pairs[:len(pairs) // 2]
print(",".join(f"{u}:{p}" for u, p in pairs))
