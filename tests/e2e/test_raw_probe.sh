#!/usr/bin/env bash
# test_raw_probe.sh - a raw target that holds someone else's data is refused by
# 'config check' (as by load), by what util-linux's libblkid recognises
# (lifeboat-blkid), before lifeboat's own LBSAVED and dump headers are looked
# at.  No guest: image files, each first a raw target whose dump was saved
# (LBSAVED at its start), then given away with the real tools:
#   - mkfs.f2fs, make-bcache, mkfs.nilfs2, mkfs.minix, mkswap, mkfs.ext4: each
#     refused, naming the type libblkid found;
#   - an MD 1.0 member (its superblock at the end, checksummed as mdadm writes
#     it: this host has no md driver for mdadm --create), LBSAVED still at
#     its start: refused as linux_raid_member;
#   - after wipefs -a, and on zeros, nothing is found: the refusal is then
#     the identity's (a plain file has none), not the contents';
#   - without lifeboat-blkid, config check says so and uses its own list.
source "$(dirname "$0")/lib.sh"
e2e_begin
L=$LIFEBOAT_BIN
H=${LIFEBOAT_BLKID:-$REPO_DIR/build-net/lifeboat-blkid}
[ -x "$H" ] || die "no $H: scripts/build makes it (in build-net/)"

# image NAME SIZE: a file once a raw target, its dump saved ('LBSAVED' at byte 0).
image() {
    rm -f "$work/$1"
    truncate -s "$2" "$work/$1"
    printf 'LBSAVED\0' | dd of="$work/$1" conv=notrunc status=none
    printf 'target raw %s\n' "$work/$1" > "$work/$1.conf"
}
# refused NAME TYPE: config check refuses it, naming TYPE as libblkid's finding.
refused() {
    ! LIFEBOAT_BLKID="$3" "$1" config check -c "$2.conf" > "$2.out" 2>&1 &&
        grep -q "raw target $2 holds .*TYPE=$4.*(libblkid)" "$2.out" ||
        { cat "$2.out"; return 1; }
}

image f2fs 64M && mkfs.f2fs -q -f "$work/f2fs" >/dev/null
check "an f2fs file system (mkfs.f2fs) is refused: TYPE=f2fs" refused "$L" "$work/f2fs" "$H" f2fs
image bcache 64M && make-bcache -B "$work/bcache" >/dev/null
check "a bcache backing device (make-bcache) is refused: TYPE=bcache" refused "$L" "$work/bcache" "$H" bcache
image nilfs 160M && mkfs.nilfs2 -q -f "$work/nilfs" >/dev/null
check "a nilfs2 file system (mkfs.nilfs2, unknown to lifeboat's own list) is refused: TYPE=nilfs2" \
    refused "$L" "$work/nilfs" "$H" nilfs2
image minix 64M && mkfs.minix "$work/minix" >/dev/null
check "a minix file system (mkfs.minix, unknown to lifeboat's own list) is refused: TYPE=minix" \
    refused "$L" "$work/minix" "$H" minix
image swap 64M && mkswap -q "$work/swap" >/dev/null
check "swap space (mkswap) is refused: TYPE=swap" refused "$L" "$work/swap" "$H" swap
image ext4 64M && mkfs.ext4 -q -F "$work/ext4"
check "an ext4 file system (mkfs.ext4) is refused: TYPE=ext4" refused "$L" "$work/ext4" "$H" ext4

# An MD 1.0 superblock, as mdadm writes it: 8 KiB from the end, 4 KiB-aligned, its checksum the
# 32-bit words summed with the carries folded in.  Byte 0 keeps lifeboat's LBSAVED.
image md10 64M
python3 - "$work/md10" <<'PY'
import struct, sys
path = sys.argv[1]
size = 64 << 20
at = (size - 8192) & ~4095
sb = bytearray(256 + 2 * 2)
struct.pack_into("<IIII", sb, 0, 0xa92b4efc, 1, 0, 0)
sb[16:32] = bytes(range(1, 17))                     # set_uuid
sb[32:40] = b"lbtest:0"                             # set_name
struct.pack_into("<QiiQii", sb, 64, 1700000000, 1, 0, (size >> 9) - 64, 0, 2)
struct.pack_into("<QQQQ", sb, 128, 0, (size >> 9) - 64, at >> 9, 0)  # data offset, size, super offset
struct.pack_into("<I", sb, 160, 0)                  # dev_number
sb[168:184] = bytes(range(17, 33))                  # device_uuid
struct.pack_into("<I", sb, 220, 2)                  # max_dev
struct.pack_into("<HH", sb, 256, 0, 1)              # dev_roles
total = sum(struct.unpack_from("<%dI" % (len(sb) // 4), sb))
struct.pack_into("<I", sb, 216, ((total & 0xffffffff) + (total >> 32)) & 0xffffffff)
with open(path, "r+b") as f:
    f.seek(at)
    f.write(sb)
PY
check "an MD 1.0 member (superblock at the end, LBSAVED still at byte 0) is refused: linux_raid_member" \
    refused "$L" "$work/md10" "$H" linux_raid_member
check "... LBSAVED was still there: lifeboat's own check alone would have called it free before" \
    bash -c '[ "$(head -c 7 "$1")" = LBSAVED ]' _ "$work/md10"

# free: what the probe accepts goes on to the identity check (a plain file has none)
free() {
    LIFEBOAT_BLKID="$3" "$1" config check -c "$2.conf" > "$2.out" 2>&1
    grep -q "has no stable identity" "$2.out" && ! grep -q " holds " "$2.out" || { cat "$2.out"; return 1; }
}
wipefs -q -a "$work/f2fs"
check "after wipefs -a the f2fs image holds nothing libblkid or lifeboat knows (only its identity is missing)" \
    free "$L" "$work/f2fs" "$H"
image zero 64M && dd if=/dev/zero of="$work/zero" bs=8 count=1 conv=notrunc status=none
check "a zeroed partition is accepted by the probe (only its identity is missing)" free "$L" "$work/zero" "$H"
check "without lifeboat-blkid, config check says so and refuses by its own list (f2fs)" bash -c '
    image() { :; }; mkfs.f2fs -q -f "$2" >/dev/null &&
    ! LIFEBOAT_BLKID=/nonexistent/lifeboat-blkid "$1" config check -c "$2.conf" > "$2.out" 2>&1 &&
    grep -q "libblkid.s probe (/nonexistent/lifeboat-blkid) is not installed" "$2.out" &&
    grep -q "holds an f2fs file system" "$2.out"' _ "$L" "$work/f2fs"
e2e_end
