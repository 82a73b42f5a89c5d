#!/usr/bin/python3
"""farm-arp.py — answers ARP for the camera farm: each camera address with its own MAC.

The farm's cameras are addresses on one interface (farm-up.sh), whose kernel is told never to
answer ARP (arp_ignore=8); this process answers instead, one raw AF_PACKET socket, stdlib
only: a request for a camera's address gets a reply from that camera's MAC (Ethernet source
and ARP sender), so the detector's ARP sweep and its kernel see one MAC per camera, as on a
real site. The bridge rewrites frames sent to a camera MAC to the interface's own MAC
(farm-up.sh's ebtables rule), so they arrive as the interface's own. Idle: blocked in recv.

Usage: farm-arp.py FARM_JSON IFACE      (as root, inside the cameras' namespace)
"""
import json
import socket
import struct
import sys

ETH_P_ARP = 0x0806


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    truth = json.load(open(sys.argv[1], encoding="utf-8"))
    macs = {socket.inet_aton(c["ip"]): mac_bytes(c["mac"]) for c in truth["cameras"]}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((sys.argv[2], ETH_P_ARP))
    print(f"farm-arp: answering for {len(macs)} addresses on {sys.argv[2]}", flush=True)
    answered = 0
    while True:
        frame = s.recv(2048)
        if len(frame) < 42:
            continue
        htype, ptype, hlen, plen, op = struct.unpack_from(">HHBBH", frame, 14)
        if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1):
            continue
        sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
        mac = macs.get(tpa)
        if mac is None or spa == tpa:
            continue
        reply = (sha + mac + struct.pack(">H", ETH_P_ARP)
                 + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 2) + mac + tpa + sha + spa)
        s.send(reply)
        answered += 1


if __name__ == "__main__":
    main()
