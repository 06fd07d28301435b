#!/usr/bin/python3
"""judge.py - independent checks of dumps, for the end-to-end tests.

It reads kdump-compressed headers and bitmaps itself, and page contents
through libkdumpfile (python3-libkdumpfile): nothing of lifeboat's own
reading code is trusted to judge lifeboat's output.

  judge.py bitmaps A B            the two kdump files save exactly the same frames
  judge.py same SOURCE DUMP       every frame DUMP saves equals SOURCE's frame
  judge.py pattern DUMP LOG --expect present|absent [--seed N]
                                  the guest's pattern pages are (not) in DUMP
"""
import argparse
import re
import struct
import sys

import kdumpfile

PAGE = 4096
MASK = (1 << 64) - 1


def kdump_bitmaps(path):
    with open(path, "rb") as f:
        h = f.read(464)
        if h[:8] != b"KDUMP   ":
            sys.exit(f"{path}: not kdump-compressed")
        block, sub_blocks, bitmap_blocks, max_mapnr = struct.unpack_from("<iiII", h, 428)
        f.seek(block)
        sub = f.read(104)
        max_mapnr = struct.unpack_from("<Q", sub, 96)[0] or max_mapnr
        half = bitmap_blocks // 2 * block
        f.seek((1 + sub_blocks) * block)
        return max_mapnr, f.read(half), f.read(half)


def frames(bitmap, n):
    return [i for i in range(n) if bitmap[i >> 3] >> (i & 7) & 1]


def saved_frames(path):
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == b"KDUMP   ":
        n, _, b2 = kdump_bitmaps(path)
        return frames(b2, n)
    with open(path, "rb") as f:  # ELF: every frame of every PT_LOAD
        eh = f.read(64)
        phoff, shoff = struct.unpack_from("<QQ", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        if phnum == 0xFFFF:  # PN_XNUM: the count is in section header 0's sh_info
            f.seek(shoff + 44)
            phnum, = struct.unpack("<I", f.read(4))
        out = set()
        for i in range(phnum):
            f.seek(phoff + 56 * i)
            p_type, _, _, _, paddr, filesz, _, _ = struct.unpack("<IIQQQQQQ", f.read(56))
            if p_type == 1:
                out.update(range(paddr // PAGE, (paddr + filesz) // PAGE))
        return sorted(out)


def read_page(dump, pfn):
    try:
        return dump.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * PAGE, PAGE)
    except kdumpfile.exceptions.NoDataException:
        return None


def cmd_bitmaps(a, b):
    na, a1, a2 = kdump_bitmaps(a)
    nb, b1, b2 = kdump_bitmaps(b)
    fa, fb = set(frames(a2, na)), set(frames(b2, nb))
    print(f"{a}: {len(fa)} frames saved; {b}: {len(fb)}; only in the first: {len(fa - fb)}, "
          f"only in the second: {len(fb - fa)}")
    if set(frames(a1, na)) != set(frames(b1, nb)):
        print("the 1st bitmaps (memory present) differ")
        return 1
    return 0 if fa == fb else 1


def cmd_same(source, dump):
    src, out = kdumpfile.kdumpfile(source), kdumpfile.kdumpfile(dump)
    bad = checked = 0
    for pfn in saved_frames(dump):
        got, want = read_page(out, pfn), read_page(src, pfn)
        checked += 1
        if got != want:
            bad += 1
            if bad <= 5:
                print(f"frame {pfn:#x} differs from the source")
    print(f"{checked - bad} of {checked} saved frames are identical to the source")
    return 1 if bad or checked == 0 else 0


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def cmd_pattern(dump, log, expect, seed_override):
    pages = {}
    with open(log, errors="replace") as f:
        for m in re.finditer(r"PATTERN seed=(0x[0-9a-f]+) index=(\d+) pfn=(0x[0-9a-f]+)", f.read()):
            pages[int(m.group(2))] = (int(m.group(1), 16), int(m.group(3), 16))
    if not pages:
        sys.exit("no PATTERN lines in the serial log")
    d = kdumpfile.kdumpfile(dump)
    # "Not in the dump" is asked of the format itself: libkdumpfile 0.5.1 reads the frame just
    # below any ELF PT_LOAD as zeros (it takes a segment starting one page on as "close"), so
    # for ELF the program headers say which frames the file holds.
    held = set(saved_frames(dump))
    intact = absent = missing = 0
    for index, (seed, pfn) in pages.items():
        seed = seed_override if seed_override is not None else seed
        want = struct.pack("<512Q", *(splitmix64(seed ^ (index << 32) ^ j) for j in range(512)))
        got = read_page(d, pfn)
        intact += got == want
        absent += got is None or got == bytes(PAGE)
        missing += got is None or (got == bytes(PAGE) and pfn not in held)
    print(f"{len(pages)} pattern pages: {intact} intact, {absent} not in the dump "
          f"({missing} of them in no part of the file: not read as zeros)")
    wanted = {"present": intact, "absent": absent, "missing": missing}[expect]
    return 0 if wanted == len(pages) else 1


def cmd_bytes(path, log, limit=4):
    """How many of the guest's pattern pages appear, as bytes, anywhere in a file: an
    encrypted dump must hold none (the file is not read as a dump: it may be anything)."""
    import mmap
    found = []
    with open(log, errors="replace") as f:
        for m in re.finditer(r"PATTERN seed=(0x[0-9a-f]+) index=(\d+) pfn=(0x[0-9a-f]+)", f.read()):
            found.append((int(m.group(1), 16), int(m.group(2))))
    if not found:
        sys.exit("no PATTERN lines in the serial log")
    seen = 0
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mem:
        for seed, index in found[:limit]:
            head = struct.pack("<4Q", *(splitmix64(seed ^ (index << 32) ^ j) for j in range(4)))
            seen += mem.find(head) >= 0
    print(f"{seen} of {min(limit, len(found))} pattern pages found as bytes in {path}")
    return seen


def cmd_drgn_pattern(dump, log, limit=8):
    """drgn (its own reader of kdump files) reads the guest's pattern pages by physical
    address: an independent judge, and one that knows arm64 dumps on any host."""
    import drgn
    pages = []
    with open(log, errors="replace") as f:
        for m in re.finditer(r"PATTERN seed=(0x[0-9a-f]+) index=(\d+) pfn=(0x[0-9a-f]+)", f.read()):
            pages.append((int(m.group(1), 16), int(m.group(2)), int(m.group(3), 16)))
    if not pages:
        sys.exit("no PATTERN lines in the serial log")
    prog = drgn.Program()
    prog.set_core_dump(dump)
    good = 0
    for seed, index, pfn in pages[:limit]:
        want = struct.pack("<512Q", *(splitmix64(seed ^ (index << 32) ^ j) for j in range(512)))
        good += prog.read(pfn * PAGE, PAGE, True) == want
    print(f"drgn ({prog.platform.arch.name}): {good} of {min(limit, len(pages))} pattern pages intact")
    return 0 if good == min(limit, len(pages)) else 1


def cmd_in_order(records, console):
    """Every line of console appears in records, in the same order (a console shows
    only the records above its log level)."""
    lb = open(records, errors="replace").read().splitlines()
    con = open(console, errors="replace").read().splitlines()
    i = 0
    for line in lb:
        if i < len(con) and line == con[i]:
            i += 1
    print(f"{i} of {len(con)} console lines found in order in {len(lb)} records")
    return 0 if i == len(con) and con else 1


def cmd_frames(a, b):
    fa, fb = set(saved_frames(a)), set(saved_frames(b))
    print(f"{a}: {len(fa)} frames; {b}: {len(fb)}; only in the first: {len(fa - fb)}, "
          f"only in the second: {len(fb - fa)}")
    return 0 if fa == fb else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("bitmaps"); p.add_argument("a"); p.add_argument("b")
    p = sub.add_parser("same"); p.add_argument("source"); p.add_argument("dump")
    p = sub.add_parser("pattern"); p.add_argument("dump"); p.add_argument("log")
    p.add_argument("--expect", choices=["present", "absent", "missing"], required=True)
    p.add_argument("--seed", type=lambda s: int(s, 0))
    p = sub.add_parser("frames"); p.add_argument("a"); p.add_argument("b")
    p = sub.add_parser("in-order"); p.add_argument("records"); p.add_argument("console")
    p = sub.add_parser("drgn-pattern"); p.add_argument("dump"); p.add_argument("log")
    p = sub.add_parser("bytes"); p.add_argument("file"); p.add_argument("log")
    p.add_argument("--expect", choices=["present", "absent"], required=True)
    a = ap.parse_args()
    if a.cmd == "drgn-pattern":
        return cmd_drgn_pattern(a.dump, a.log)
    if a.cmd == "in-order":
        return cmd_in_order(a.records, a.console)
    if a.cmd == "bytes":
        seen = cmd_bytes(a.file, a.log)
        return 0 if (seen == 0) == (a.expect == "absent") else 1
    if a.cmd == "bitmaps":
        return cmd_bitmaps(a.a, a.b)
    if a.cmd == "same":
        return cmd_same(a.source, a.dump)
    if a.cmd == "frames":
        return cmd_frames(a.a, a.b)
    return cmd_pattern(a.dump, a.log, a.expect, a.seed)


if __name__ == "__main__":
    sys.exit(main())
