#!/usr/bin/env python3
"""redact_judge.py - judges a redacted dump against the memory it was made of.

  redact_judge.py MEMORY.elf REDACTED.elf MARKER...

MEMORY.elf is QEMU's copy of the guest's memory (dump-guest-memory), taken
while the crash kernel ran; REDACTED.elf the capture's redacted dump converted
to ELF ('lifeboat convert -f elf').  Passes when:
  - each marker is in the memory where an unredacted dump would have it: in a
    frame the redacted dump keeps, or inside a redacted range (an erased page
    is all zeros, and -d 1 leaves it out): the test can see every marker;
  - no marker's bytes appear anywhere in REDACTED.elf;
  - every frame the redacted dump keeps equals the memory's, byte for byte,
    outside the ranges the dump's LIFEBOAT redaction note lists.
A frame of REDACTED.elf that is all zeros counts as left out: the ELF a
kdump-compressed dump converts to holds the frames -d left out as zeros.
A marker "aes256:KEY" (KEY 32 characters) stands for the bytes 32 to 63 of
KEY's AES-256 key schedule, the second round key pair, which the kernel's
crypto_aes_ctx holds as the standard expansion's bytes: what a key schedule
left in the dump would show, though the key's own bytes were gone.
A marker "fscrypt:KEY" stands for what a kernel keeps of an fscrypt v2 raw key
KEY (which it wipes once it has derived the rest): the HKDF's HMAC-SHA512 key,
the PRK (HMAC-SHA512 of KEY under a zero salt), as its inner state (SHA-512's
words, little-endian, after the block PRK ^ ipad), in the HMAC transform's
context before Linux 6.16, in the master key's secret since.
"""
import hashlib
import hmac
import mmap
import struct
import sys

PAGE = 4096
ZERO = bytes(PAGE)
NOTE_RANGES = 0x4C425202


def loads(m):
    """{frame: file offset} of the whole frames an ELF core's PT_LOADs hold, and its notes."""
    phoff, = struct.unpack_from("<Q", m, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", m, 0x36)
    if phnum == 0xFFFF:  # PN_XNUM: the count is in section 0's sh_info
        shoff, = struct.unpack_from("<Q", m, 0x28)
        phnum, = struct.unpack_from("<I", m, shoff + 0x2C)
    frames, notes = {}, []
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz, _ = struct.unpack_from("<IIQQQQQ", m, phoff + i * phentsize)
        if p_type == 4:
            notes.append(bytes(m[off:off + filesz]))
        if p_type != 1:
            continue
        first = (paddr + PAGE - 1) // PAGE
        for f in range(first, (paddr + filesz) // PAGE):
            frames[f] = off + f * PAGE - paddr
    return frames, notes


def ranges_of(notes):
    out = []
    for buf in notes:
        at = 0
        while at + 12 <= len(buf):
            namesz, descsz, typ = struct.unpack_from("<III", buf, at)
            name = buf[at + 12:at + 12 + namesz].rstrip(b"\0")
            desc_at = at + 12 + (namesz + 3) // 4 * 4
            if name == b"LIFEBOAT" and typ == NOTE_RANGES:
                d = buf[desc_at:desc_at + descsz]
                out += [struct.unpack_from("<QQ", d, j) for j in range(0, len(d) - 15, 16)]
            if namesz == 0 and descsz == 0:
                break
            at = desc_at + (descsz + 3) // 4 * 4
    return sorted(out)


def erased_in(ranges, frame):
    """The byte offsets of frame inside redacted ranges, as a bytearray mask."""
    mask = bytearray(PAGE)
    lo, hi = frame * PAGE, (frame + 1) * PAGE
    for start, length in ranges:
        a, b = max(start, lo), min(start + length, hi)
        if a < b:
            mask[a - lo:b - lo] = b"\1" * (b - a)
    return mask


def inside(ranges, phys, n):
    return any(s <= phys and phys + n <= s + l for s, l in ranges)


def sbox():
    """AES's S-box: the multiplicative inverse in GF(2^8), then the affine map."""
    def mul(a, b):
        r = 0
        while b:
            if b & 1:
                r ^= a
            a = ((a << 1) ^ 0x11B) if a & 0x80 else a << 1
            b >>= 1
        return r
    box = []
    for x in range(256):
        inv = next((y for y in range(1, 256) if mul(x, y) == 1), 0) if x else 0
        rot = lambda v, n: ((v << n) | (v >> (8 - n))) & 0xFF
        box.append(inv ^ rot(inv, 1) ^ rot(inv, 2) ^ rot(inv, 3) ^ rot(inv, 4) ^ 0x63)
    return box


def aes256_round_keys(key):
    """The AES-256 key expansion's 240 bytes (60 words), in the standard byte order."""
    box, rcon = sbox(), [1, 2, 4, 8, 16, 32, 64]
    w = [list(key[4 * i:4 * i + 4]) for i in range(8)]
    for i in range(8, 60):
        t = list(w[i - 1])
        if i % 8 == 0:
            t = [box[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon[i // 8 - 1]
        elif i % 8 == 4:
            t = [box[b] for b in t]
        w.append([a ^ b for a, b in zip(w[i - 8], t)])
    return bytes(b for word in w for b in word)


def sha512_constants():
    """SHA-512's round constants (the cube roots of the first 80 primes) and initial state."""
    primes, n = [], 2
    while len(primes) < 80:
        primes += [n] if all(n % p for p in primes) else []
        n += 1

    def root(p, k, bits):  # the fractional part of p's k-th root, its first 64 bits
        x, r = p << (64 * k), int(round(p ** (1 / k) * 2 ** 64))
        while r ** k > x:
            r -= 1
        while (r + 1) ** k <= x:
            r += 1
        return r & (2 ** 64 - 1)
    return [root(p, 3, 64) for p in primes], [root(p, 2, 64) for p in primes[:8]]


def sha512_block(h, block):
    """SHA-512's compression of one 128-byte block into the state h."""
    k, mask = SHA512_K, 2 ** 64 - 1

    def rotr(x, n):
        return ((x >> n) | (x << (64 - n))) & mask
    w = list(struct.unpack(">16Q", block))
    for i in range(16, 80):
        s0 = rotr(w[i - 15], 1) ^ rotr(w[i - 15], 8) ^ (w[i - 15] >> 7)
        s1 = rotr(w[i - 2], 19) ^ rotr(w[i - 2], 61) ^ (w[i - 2] >> 6)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & mask)
    a, b, c, d, e, f, g, hh = h
    for i in range(80):
        t1 = (hh + (rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)) + ((e & f) ^ (~e & g)) + k[i] +
              w[i]) & mask
        t2 = ((rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))) & mask
        hh, g, f, e, d, c, b, a = g, f, e, (d + t1) & mask, c, b, a, (t1 + t2) & mask
    return [(x + y) & mask for x, y in zip(h, [a, b, c, d, e, f, g, hh])]


SHA512_K, SHA512_IV = sha512_constants()
_abc = b"abc\x80" + bytes(108) + (24).to_bytes(16, "big")  # (checked against hashlib's)
assert struct.pack(">8Q", *sha512_block(SHA512_IV, _abc)) == hashlib.sha512(b"abc").digest()


def fscrypt_hkdf_state(key):
    prk = hmac.new(bytes(64), key, hashlib.sha512).digest()
    return struct.pack("<8Q", *sha512_block(SHA512_IV, bytes(b ^ 0x36 for b in prk.ljust(128, b"\0"))))


def marker(text):
    if text.startswith("fscrypt:"):
        return fscrypt_hkdf_state(text[len("fscrypt:"):].encode())
    if text.startswith("aes256:"):
        key = text[len("aes256:"):].encode()
        assert len(key) == 32, text
        return aes256_round_keys(key)[32:64]
    return text.encode()


def main():
    mem_path, red_path = sys.argv[1], sys.argv[2]
    markers = [marker(m) for m in sys.argv[3:]]
    with open(mem_path, "rb") as f1, open(red_path, "rb") as f2:
        mem = mmap.mmap(f1.fileno(), 0, access=mmap.ACCESS_READ)
        red = mmap.mmap(f2.fileno(), 0, access=mmap.ACCESS_READ)
        mem_frames, _ = loads(mem)
        red_frames, notes = loads(red)
        red_frames = {f: o for f, o in red_frames.items() if red[o:o + PAGE] != ZERO}
        ranges = ranges_of(notes)
        assert ranges, "the redacted dump lists no redacted range"
        by_offset = sorted((off, fr) for fr, off in mem_frames.items())
        offsets = [o for o, _ in by_offset]
        import bisect
        bad = 0
        for text, mk in zip(sys.argv[3:], markers):
            seen, at = [], mem.find(mk)
            while at >= 0:
                i = bisect.bisect_right(offsets, at) - 1
                if i >= 0 and at + len(mk) <= by_offset[i][0] + PAGE:
                    fr = by_offset[i][1]
                    phys = fr * PAGE + at - by_offset[i][0]
                    where = "erased" if inside(ranges, phys, len(mk)) else \
                        "kept" if fr in red_frames else "filtered"
                    seen.append((hex(phys), where))
                at = mem.find(mk, at + 1)
            visible = [s for s in seen if s[1] != "filtered"]
            print(f"{mk.decode(errors='replace') if mk.isascii() else mk.hex()}: in memory at {seen[:8]}")
            if not visible:
                print(f"  FAIL: nowhere an unredacted -d 31 dump would hold it")
                bad += 1
            at = red.find(mk)
            if at >= 0:
                print(f"  FAIL: in the redacted dump at file offset {at:#x}")
                bad += 1
            # a leak left in a kept frame outside the ranges shows as 'kept' above
            bad += sum(1 for s in seen if s[1] == "kept")
        differ = 0
        for fr, off in red_frames.items():
            if fr not in mem_frames:
                continue
            a, b = red[off:off + PAGE], mem[mem_frames[fr]:mem_frames[fr] + PAGE]
            if a == b:
                continue
            mask = erased_in(ranges, fr)
            if any(x != y and not m for x, y, m in zip(a, b, mask)):
                differ += 1
                if differ <= 5:
                    print(f"  FAIL: frame {fr:#x} differs outside the redacted ranges")
        total = sum(l for _, l in ranges)
        print(f"{len(red_frames)} frames kept, {differ} differ outside {len(ranges)} ranges "
              f"({total} bytes)")
        sys.exit(1 if bad or differ else 0)


main()
