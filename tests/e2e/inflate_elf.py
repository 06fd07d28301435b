#!/usr/bin/env python3
"""inflate_elf.py SRC DST N - an ELF dump N times the size of SRC, cheaply.

Writes DST with SRC's notes and N copies of SRC's PT_LOADs, copy k shifted up
by k times the highest physical address, all pointing at the same file data
(ELF allows that), so DST describes N times the memory while taking little
more disk than SRC.  Used to show that lifeboat's memory use does not grow
with the size of the dump.
"""
import shutil
import struct
import sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, "rb") as f:
    eh = bytearray(f.read(64))
    phoff, = struct.unpack_from("<Q", eh, 32)
    phnum, = struct.unpack_from("<H", eh, 56)
    f.seek(phoff)
    phdrs = [struct.unpack("<IIQQQQQQ", f.read(56)) for _ in range(phnum)]
loads = [p for p in phdrs if p[0] == 1 and p[3] < 0xffffffff80000000]
notes = [p for p in phdrs if p[0] == 4]
top = max(p[4] + p[6] for p in loads)
top = (top + (1 << 30) - 1) & ~((1 << 30) - 1)
out = list(notes)
for k in range(n):
    for p in loads:
        out.append((1, p[1], p[2], 0, p[4] + k * top, p[5], p[6], p[7]))
shutil.copyfile(src, dst)
with open(dst, "r+b") as f:
    end = f.seek(0, 2)
    struct.pack_into("<Q", eh, 32, end)
    struct.pack_into("<H", eh, 56, len(out))
    f.seek(0)
    f.write(eh)
    f.seek(end)
    for p in out:
        f.write(struct.pack("<IIQQQQQQ", *p))
