#!/usr/bin/env python3
"""check_pattern.py - proves an ELF dump holds the test guest's memory.

The guest's pattern helper printed, for each page it filled, the seed, the
page's index and its physical frame number.  This reads those lines from
the serial log, computes each page's expected bytes the same way the helper
did, and compares them with the bytes the dump holds at that frame.  It reads
the ELF itself (not through lifeboat), so it is an independent judge.

Exit 0 only if every reported page is found intact.
"""
import argparse
import re
import struct
import sys

PAGE = 4096
MASK = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def expected_page(seed, index):
    return struct.pack("<512Q", *(splitmix64(seed ^ (index << 32) ^ j) for j in range(512)))


def load_segments(f):
    ehdr = f.read(64)
    if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2:
        sys.exit("not an ELF64 file")
    phoff, = struct.unpack_from("<Q", ehdr, 32)
    phnum, = struct.unpack_from("<H", ehdr, 56)
    segs = []
    for i in range(phnum):
        f.seek(phoff + i * 56)
        p_type, _, p_offset, _, p_paddr, p_filesz, _, _ = struct.unpack("<IIQQQQQQ", f.read(56))
        if p_type == 1:
            segs.append((p_paddr, p_offset, p_filesz))
    return segs


def read_frame(f, segs, pfn):
    phys = pfn * PAGE
    for paddr, offset, filesz in segs:
        if paddr <= phys and phys + PAGE <= paddr + filesz:
            f.seek(offset + phys - paddr)
            return f.read(PAGE)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("serial_log")
    ap.add_argument("--seed", type=lambda s: int(s, 0), help="override the seed (negative test)")
    args = ap.parse_args()

    pages = {}
    with open(args.serial_log, errors="replace") as log:
        for m in re.finditer(r"PATTERN seed=(0x[0-9a-f]+) index=(\d+) pfn=(0x[0-9a-f]+)", log.read()):
            pages[int(m.group(2))] = (int(m.group(1), 16), int(m.group(3), 16))
    if not pages:
        sys.exit("no PATTERN lines in the serial log")
    with open(args.dump, "rb") as f:
        segs = load_segments(f)
        bad = []
        for index, (seed, pfn) in sorted(pages.items()):
            if args.seed is not None:
                seed = args.seed
            got = read_frame(f, segs, pfn)
            if got != expected_page(seed, index):
                bad.append((index, pfn, "missing" if got is None else "differs"))
    for index, pfn, why in bad[:10]:
        print(f"page {index} at pfn {pfn:#x}: {why}")
    print(f"{len(pages) - len(bad)} of {len(pages)} pattern pages found intact")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
