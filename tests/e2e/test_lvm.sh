#!/usr/bin/env bash
# test_lvm.sh - /var/crash on an LVM logical volume, on a real kernel in QEMU.
#
# The guest (with the host's lvm2 tools; this machine's own kernel has no
# device-mapper) stripes a volume over two disks and mounts it on /var/crash,
# with no lifeboat configuration at all.  load reads the volume's table by
# ioctl and names the disks by serial; the crash kernel, with no lvm2, makes
# the same mapping again and saves the dump on it.  The next boot activates
# the volume with LVM itself and copies it out for the judges.  On the way,
# an LVM RAID1 volume and a dm-crypt volume are refused at load, by name.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
fetch_kernel "$KERNEL_PACKAGE"

truncate -s 512M "$work/pv0.img" "$work/pv1.img"
truncate -s 700M "$work/copy.img"
# no target configured: /var/crash, as a new user has it; -d 1 keeps the pattern's pages
GUEST_MODULES=1 GUEST_LVM=1 build_guest_initramfs "$work/guest.cpio" "dump-level 1"
disks=(-drive "file=$work/pv0.img,if=none,id=pv0,format=raw" -device virtio-blk-pci,drive=pv0,serial=lbpv0
       -drive "file=$work/pv1.img,if=none,id=pv1,format=raw" -device virtio-blk-pci,drive=pv1,serial=lbpv1)
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/serial.log" "$work/guest.cpio" \
    "crashkernel=${CRASHKERNEL:-96M} lbtest.seed=$seed lbtest.lvm=make" "${disks[@]}" || true
log "LVM capture: guest ran ${GUEST_SECONDS:-?} s"

check "the guest striped /var/crash over two disks with LVM" \
    grep -Eq "GUEST: lvm: +crash +striped +2" "$work/serial.log"
check "load wrote the volume's table, naming both disks by serial, and carries dm_mod" bash -c '
    grep -Eq "^dm lbvg-crash 0 [0-9]+ striped 2 128 SERIAL=lbpv0 [0-9]+ SERIAL=lbpv1 [0-9]+" "$1" &&
    grep -q "^module .*/dm-mod.ko" "$1"' _ "$work/serial.log"
check "an LVM RAID1 volume is refused at load, by name" bash -c '
    grep -q "the target is on lbvg-mirrored, which is an LVM RAID or mirror volume" "$1" &&
    ! grep -q "GUEST: RAID volume accepted" "$1"' _ "$work/serial.log"
check "a dm-crypt volume is refused at load, by name, with the alternatives" bash -c '
    grep -q "the target is on lbsecret, which is dm-crypt (LUKS): its key is not in the crash kernel" "$1" &&
    grep -q "crash_dm_crypt_keys" "$1" && ! grep -q "GUEST: crypt volume accepted" "$1"' _ "$work/serial.log"
check "the crash kernel made the volume again, without lvm2" \
    grep -Eq "lifeboat: set up lbvg-crash \([0-9]+:0\) from 1 table line" "$work/serial.log"
check "the capture saved a complete dump on the volume" \
    grep -q "lifeboat: complete dump saved in " "$work/serial.log"

GUEST_TIMEOUT=300 run_guest "$work/serial2.log" "$work/guest.cpio" "lbtest.lvm=copy" "${disks[@]}" \
    -drive "file=$work/copy.img,if=virtio,format=raw" || true
check "LVM reads the volume the crash kernel wrote, and the dump holds every pattern page" bash -c '
    source "$5"; grep -q "GUEST: volume copied" "$1" &&
    d=$(dump_dirs "$2" / | grep -E "^[0-9]{8}-[0-9]{6}-lbguest$") && [ -n "$d" ] &&
    fetch_file "$2" "/$d/vmcore" "$3" &&
    /usr/bin/python3 "$4/judge.py" pattern "$3" "$6" --expect present' _ \
    "$work/serial2.log" "$work/copy.img" "$work/saved.vmcore" "$E2E_DIR" "$E2E_DIR/lib.sh" \
    "$work/serial.log"
check "lifeboat verify: the dump is whole and matches the checksum taken at capture" bash -c '
    source "$4"; d=$(dump_dirs "$2" / | grep -E "^[0-9]{8}-[0-9]{6}-lbguest$") &&
    mkdir -p "$3/dump" && fetch_file "$2" "/$d/metadata.json" "$3/dump/metadata.json" &&
    cp "$3/saved.vmcore" "$3/dump/vmcore" && "$1" verify "$3/dump/vmcore" > "$3/verify.out"; rc=$?
    cat "$3/verify.out"; [ $rc = 0 ] && grep -q "checksum: matches" "$3/verify.out"' _ \
    "$LIFEBOAT_BIN" "$work/copy.img" "$work" "$E2E_DIR/lib.sh"
check "lifeboat verify: a flipped byte in the header, in page data, and a cut file are each corrupt" bash -c '
    cd "$2/dump" && cp vmcore good && size=$(stat -c %s good) &&
    printf "\xff" | dd of=vmcore bs=1 seek=3 conv=notrunc 2>/dev/null &&
    { "$1" verify vmcore; [ $? = 1 ]; } && cp good vmcore &&
    printf "\x5a\xa5" | dd of=vmcore bs=1 seek=$((size - 5000)) conv=notrunc 2>/dev/null &&
    { "$1" verify vmcore; [ $? = 1 ]; } && head -c $((size * 2 / 3)) good > vmcore &&
    { "$1" verify vmcore; [ $? = 1 ]; }' _ "$LIFEBOAT_BIN" "$work"
check "lifeboat info on that dump names the sysrq panic" bash -c '
    "$1" info "$2" > "$3" 2>&1; head -n 12 "$3"; grep -q "^panic: .*sysrq triggered crash" "$3"' _ \
    "$LIFEBOAT_BIN" "$work/saved.vmcore" "$work/info.txt"
e2e_end
