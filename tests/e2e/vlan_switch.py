#!/usr/bin/env python3
"""vlan_switch.py --nic LOCAL:PEER... --tap VID=NAME... - the switch of
tests/e2e/test_topologies.sh: QEMU guests' NICs on one side (QEMU's
"-netdev socket,udp=": each UDP datagram one Ethernet frame), tap devices of
the server side on the other, one per VLAN (VID 0: untagged frames).

A frame from a NIC goes to the tap of its VLAN, the 802.1Q tag taken off
(the tap is the server's VLAN interface: this machine's kernel may have no
8021q, and the test must not need it); a frame from a tap goes tagged with
its VLAN to every NIC, as a hub would (a bond's backup slave drops it).  A
frame of a VLAN with no tap is dropped: a guest that does not tag reaches
nothing there.  Runs until killed; counts what it passed in --stats FILE.
"""
import argparse
import fcntl
import os
import select
import socket
import struct
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def untag(frame):
    """(vid, frame without its tag); vid 0 for an untagged frame."""
    if len(frame) >= 18 and frame[12:14] == b"\x81\x00":
        vid = struct.unpack("!H", frame[14:16])[0] & 0xFFF
        return vid, frame[:12] + frame[16:]
    return 0, frame


def tag(vid, frame):
    if vid == 0:
        return frame
    return frame[:12] + struct.pack("!HH", 0x8100, vid) + frame[12:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nic", action="append", default=[], help="LOCALPORT:QEMUPORT on 127.0.0.1")
    ap.add_argument("--tap", action="append", default=[], help="VID=TAPNAME")
    ap.add_argument("--stats")
    args = ap.parse_args()
    nics = []
    for spec in args.nic:
        local, peer = (int(p) for p in spec.split(":"))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", local))
        nics.append((s, ("127.0.0.1", peer)))
    taps = {}
    for spec in args.tap:
        vid, name = spec.split("=")
        taps[int(vid)] = open_tap(name)
    by_fd = {fd: vid for vid, fd in taps.items()}
    counts = {}
    poller = select.poll()
    for s, _ in nics:
        poller.register(s.fileno(), select.POLLIN)
    for fd in taps.values():
        poller.register(fd, select.POLLIN)
    sock_by_fd = {s.fileno(): s for s, _ in nics}
    written = 0.0
    while True:
        for fd, _ in poller.poll(1000):
            if fd in sock_by_fd:
                frame = sock_by_fd[fd].recv(65536)
                vid, plain = untag(frame)
                key = "nic%d-vid%d" % ([s.fileno() for s, _ in nics].index(fd), vid)
                counts[key] = counts.get(key, 0) + 1
                if vid in taps:
                    os.write(taps[vid], plain)
            else:
                frame = os.read(fd, 65536)
                tagged = tag(by_fd[fd], frame)
                for s, peer in nics:
                    s.sendto(tagged, peer)
        if args.stats and time.monotonic() - written >= 1:
            written = time.monotonic()
            with open(args.stats + ".tmp", "w") as f:
                f.write("".join("%s %d\n" % kv for kv in sorted(counts.items())))
            os.rename(args.stats + ".tmp", args.stats)


if __name__ == "__main__":
    main()
