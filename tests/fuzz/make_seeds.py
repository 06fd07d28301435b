#!/usr/bin/env python3
"""make_seeds.py DIR - writes small seed inputs for the fuzzers.

A minimal ELF vmcore (notes with two NT_PRSTATUS and VMCOREINFO, two small
PT_LOADs) so the fuzzer starts from a valid dump, and a few configurations.
"""
import os
import struct
import sys


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def vmcore():
    prstatus = bytearray(336)
    struct.pack_into("<I", prstatus, 32, 42)
    struct.pack_into("<Q", prstatus, 112 + 16 * 8, 0xFFFFFFFF81000000)
    info = b"OSRELEASE=6.1.0-seed\nPAGESIZE=4096\nCRASHTIME=1700000000\n"
    notes = note("CORE", 1, bytes(prstatus)) * 2 + note("VMCOREINFO", 0, info)
    segs = [(0x1000, 0x2000), (0x100000, 0x1000)]
    phnum = 1 + len(segs)
    data_at = 64 + 56 * phnum + len(notes)
    hdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 4, 0, 64 + 56 * phnum, 0, 0, len(notes), len(notes), 0)
    body = b""
    at = data_at
    for paddr, size in segs:
        ph += struct.pack("<IIQQQQQQ", 1, 7, at, 0xFFFF888000000000 + paddr, paddr, size, size, 0)
        body += bytes((i * 7 + 1) & 0xFF for i in range(size))
        at += size
    return hdr + ph + notes + body


def triage_memory():
    """A small kernel memory for fuzz_triage: page tables mapping the kernel
    image to physical 0, and a printk ring with two records."""
    mem = bytearray(256 << 10)
    K = 0xFFFFFFFF80000000
    # 4-level tables at 0x1000 (PGD), 0x5000 (PUD), 0x6000 (PMD): K -> phys 0 as a 2 MiB page
    struct.pack_into("<Q", mem, 0x1000 + 511 * 8, 0x5000 | 3)
    struct.pack_into("<Q", mem, 0x5000 + 510 * 8, 0x6000 | 3)
    struct.pack_into("<Q", mem, 0x6000, 0x0 | 0x83)
    # prb at 0x2000 points at a ringbuffer at 0x2100: 4 descriptors, 256-byte text ring
    struct.pack_into("<Q", mem, 0x2000, K + 0x2100)
    rb = 0x2100
    struct.pack_into("<I", mem, rb + 0, 2)                # desc_ring.count_bits
    struct.pack_into("<Q", mem, rb + 8, K + 0x2200)       # descs
    struct.pack_into("<Q", mem, rb + 16, K + 0x2300)      # infos
    struct.pack_into("<Q", mem, rb + 24, 1)               # head_id
    struct.pack_into("<Q", mem, rb + 32, 0)               # tail_id
    struct.pack_into("<I", mem, rb + 48, 8)               # text_data_ring.size_bits
    struct.pack_into("<Q", mem, rb + 56, K + 0x2800)      # data
    for i, text in enumerate((b"hello", b"Kernel panic - not syncing: fuzz")):
        begin = i * 64
        struct.pack_into("<Q", mem, 0x2200 + 24 * i, (2 << 62) | i)      # finalized, id i
        struct.pack_into("<QQ", mem, 0x2200 + 24 * i + 8, begin, begin + 8 + len(text) + 7 & ~7)
        struct.pack_into("<QQH", mem, 0x2300 + 88 * i, i, 1000 * i, len(text))
        struct.pack_into("<Q", mem, 0x2800 + begin, i)
        mem[0x2800 + begin + 8: 0x2800 + begin + 8 + len(text)] = text
    return bytes(mem)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "elf_source"), exist_ok=True)
    os.makedirs(os.path.join(out, "config"), exist_ok=True)
    os.makedirs(os.path.join(out, "flattened"), exist_ok=True)
    os.makedirs(os.path.join(out, "triage"), exist_ok=True)
    os.makedirs(os.path.join(out, "dump_files"), exist_ok=True)
    # metadata.json then info.json, as a capture writes them (the target splits its input in two)
    meta = ('{\n  "status": "complete",\n  "hostname": "web\\u0001",\n  "kernel_release": "6.1.0",\n'
            '  "crash_time": "2026-01-01T00:00:00Z",\n  "dump_file": "vmcore",\n'
            '  "signature": "0011223344556677",\n  "signature_reason": "BUG: \\u003c N",\n'
            '  "signature_frames": ["a", "b\\"c"],\n'
            '  "dump_xxh64": "0123456789abcdef"\n}\n')
    info = ('{\n  "panic": "Kernel panic - not syncing: \\"x\\" \\\\",\n  "cause": "Oops: 0x1",\n'
            '  "panic_cpu": 0,\n  "stack": [\n    {"address": "0x1", "symbol": "panic+0x1"},\n'
            '    {"address": "0x2", "symbol": null},\n    {"address": "0x3", "symbol": "f.cold+0x2"}\n'
            '  ]\n}\n')
    with open(os.path.join(out, "dump_files", "pair"), "w") as f:
        half = max(len(meta), len(info))
        f.write(meta.ljust(half, " ") + info.ljust(half, " "))
    with open(os.path.join(out, "triage", "memory"), "wb") as f:
        f.write(triage_memory())
    # a flattened stream: header, two records, end
    flat = b"makedumpfile".ljust(16, b"\0") + (1).to_bytes(8, "big") + (1).to_bytes(8, "big")
    flat = flat.ljust(4096, b"\0")
    for off, data in ((0, b"KDUMP   " + bytes(56)), (8192, b"page" * 1024)):
        flat += off.to_bytes(8, "big") + len(data).to_bytes(8, "big") + data
    flat += b"\xff" * 16
    with open(os.path.join(out, "flattened", "stream"), "wb") as f:
        f.write(flat)
    with open(os.path.join(out, "elf_source", "vmcore"), "wb") as f:
        f.write(vmcore())
    # the same core as a flattened stream (read in place through its records), its first
    # page written twice: the later copy counts
    core = vmcore()
    flat = b"makedumpfile".ljust(16, b"\0") + (1).to_bytes(8, "big") + (1).to_bytes(8, "big")
    flat = flat.ljust(4096, b"\0")
    for off, data in ((0, bytes(64)), (4096, core[4096:]), (0, core[:4096])):
        flat += off.to_bytes(8, "big") + len(data).to_bytes(8, "big") + data
    flat += b"\xff" * 16
    with open(os.path.join(out, "elf_source", "flattened_vmcore"), "wb") as f:
        f.write(flat)
    confs = {
        "full": "target fs /dev/nvme0n1 /crash\ntarget raw /dev/sdb\ntarget dir /var/crash\n"
                "final-action poweroff\ndevice-timeout 5\nhostname a\ncmdline-append quiet\n",
        "cmdline": "BOOT_IMAGE=/vmlinuz root=UUID=1 ro crashkernel=256M foo=\"a b\" -- single\n",
        "network": "target ssh://dump@[fd00::2]:2222/srv/crash address fd00::2 host-key "
                   "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJ1\n"
                   "target nfs://filer/export/crash address 192.0.2.7\n"
                   "interface 52:54:00:12:34:56 mtu 1500 address 10.0.2.15/24 address fd00::15/64\n"
                   "route 192.0.2.7/32 via 10.0.2.2 dev 52:54:00:12:34:56\n"
                   "route default dev 52:54:00:12:34:56\nnetwork-timeout 9\n"
                   "ssh-identity /etc/lifeboat/id\nknown-hosts /root/kh\n",
        "links": "network-link bond bond0 mode active-backup slaves 52:54:00:00:00:01,"
                 "52:54:00:00:00:02\nnetwork-link vlan bond0.10 id 10 on bond0\n"
                 "network-link bridge br0 ports 52:54:00:00:00:03\n"
                 "interface bond0.10 mtu 1500 address 192.168.10.2/24 address fd10::2/64\n"
                 "route fd00::7/128 via fe80::1 dev bond0.10\n",
        "ipv6": "interface 52:54:00:12:34:56 mtu 1500 address 10.0.2.15/24 fallback "
                "fd00::5054:ff:fe12:3456/64 slaac\ninterface 52:54:00:12:34:57 dhcp6\n",
    }
    # a DHCP OFFER: BOOTREPLY, Ethernet, xid 1, the client's MAC, the cookie, options
    offer = bytearray(236)
    offer[0:4] = bytes([2, 1, 6, 0])
    offer[4:8] = (1).to_bytes(4, "little")
    offer[16:20] = bytes([10, 0, 2, 15])
    offer[28:34] = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])
    offer += bytes([99, 130, 83, 99, 53, 1, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2,
                    54, 4, 10, 0, 2, 2, 0, 255])
    os.makedirs(os.path.join(out, "dhcp"), exist_ok=True)
    with open(os.path.join(out, "dhcp", "offer"), "wb") as f:
        f.write(offer)
    # DHCPv6 (fuzz_dhcp6): an Advertise and a Rapid Commit Reply for xid a1b2c3 to the client
    # of that MAC (DUID-LL), its IA_NA (IAID: the MAC's last four bytes) with one address
    def opt6(code, data):
        return code.to_bytes(2, "big") + len(data).to_bytes(2, "big") + data

    mac = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])
    ids = opt6(1, bytes([0, 3, 0, 1]) + mac) + opt6(2, bytes([0, 3, 0, 1, 2, 0, 0, 0, 0, 7]))
    iaaddr = opt6(5, bytes.fromhex("fd000002000000000000000000000" + "1a5") +
                  (1800).to_bytes(4, "big") + (3600).to_bytes(4, "big") + opt6(13, b"\0\0ok"))
    ia = opt6(3, mac[2:] + bytes(8) + iaaddr + opt6(13, b"\0\0"))
    os.makedirs(os.path.join(out, "dhcp6"), exist_ok=True)
    for name, msg in {"advertise": b"\x02\xa1\xb2\xc3" + ids + ia + opt6(7, b"\xff"),
                      "reply": b"\x07\xa1\xb2\xc3" + ids + opt6(14, b"") + ia}.items():
        with open(os.path.join(out, "dhcp6", name), "wb") as f:
            f.write(msg)
    for name, text in confs.items():
        with open(os.path.join(out, "config", name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
