#!/usr/bin/env bash
# test_lvm.sh - /var/crash on an LVM logical volume, on a real kernel in QEMU.
#
# The guest (with the host's lvm2 tools; this machine's own kernel has no
# device-mapper) stripes a volume over two whole disks that have no serial (as
# most virtual machines' disks) and mounts it on /var/crash, with no lifeboat
# configuration at all.  load reads the volume's table by ioctl and names the
# disks by their LVM PV UUIDs, recording the volume group's metadata seqno;
# the crash kernel, with no lvm2, finds the PVs by their labels, checks the
# seqno, makes the same mapping again and saves the dump on it.  The next boot
# activates the volume with LVM itself and copies it out for the judges.  On
# the way, an LVM RAID1 volume and a dm-crypt volume are refused at load, by
# name.
#
# Then LVM changes after load, as admins and backup tools change it: the
# volume extended (and its file system grown), snapshotted, or moved to the
# other disk with another volume made on the extents it left.  Each time the
# crash kernel reads the metadata on the PVs, refuses the stale table, says
# why, and the dump goes to the next target (a raw disk); the LVM disks are
# checksummed before the crash and after: the crash kernel wrote nothing there.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
fetch_kernel "$KERNEL_PACKAGE"

truncate -s 512M "$work/pv0.img" "$work/pv1.img"
truncate -s 700M "$work/copy.img"
# no target configured: /var/crash, as a new user has it; -d 1 keeps the pattern's pages
GUEST_MODULES=1 GUEST_LVM=1 build_guest_initramfs "$work/guest.cpio" "dump-level 1"
disks=(-drive "file=$work/pv0.img,if=none,id=pv0,format=raw" -device virtio-blk-pci,drive=pv0
       -drive "file=$work/pv1.img,if=none,id=pv1,format=raw" -device virtio-blk-pci,drive=pv1)
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/serial.log" "$work/guest.cpio" \
    "crashkernel=${CRASHKERNEL:-96M} lbtest.seed=$seed lbtest.lvm=make" "${disks[@]}" || true
log "LVM capture: guest ran ${GUEST_SECONDS:-?} s"

check "the guest striped /var/crash over two disks with LVM" \
    grep -Eq "GUEST: lvm: +crash +striped +2" "$work/serial.log"
pvuuid="PVUUID=[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}"
check "load wrote the volume's table, naming both serial-less disks by PV UUID, and carries dm_mod" bash -c '
    grep -Eq "^dm lbvg-crash 0 [0-9]+ striped 2 128 $2 [0-9]+ $2 [0-9]+" "$1" &&
    [ "$(grep -Ec "^lvm-pv $2 lbvg [0-9]+" "$1")" = 2 ] &&
    grep -q "^module .*/dm-mod.ko" "$1"' _ "$work/serial.log" "$pvuuid"
check "an LVM RAID1 volume is refused at load, by name" bash -c '
    grep -q "the target is on lbvg-mirrored, which is an LVM RAID or mirror volume" "$1" &&
    ! grep -q "GUEST: RAID volume accepted" "$1"' _ "$work/serial.log"
check "a dm-crypt volume is refused at load, by name, with the alternatives" bash -c '
    grep -q "the target is on lbsecret, which is dm-crypt (LUKS): its key is not in the crash kernel" "$1" &&
    grep -q "crash_dm_crypt_keys" "$1" && ! grep -q "GUEST: crypt volume accepted" "$1"' _ "$work/serial.log"
check "the crash kernel found the PVs by their labels and made the volume again, without lvm2" \
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
rm -f "$work/pv0.img" "$work/pv1.img" "$work/copy.img" "$work/saved.vmcore"

# LVM changed after load.  Two small PVs with no serial, the dump's volume and another one
# on the first; a raw disk (with a serial) as the next target.
cat > "$work/before-load.sh" <<'GUEST'
modprobe dm_mod
lvmc pvcreate -q -y /dev/vda /dev/vdb && lvmc vgcreate -q lbvg /dev/vda /dev/vdb &&
    lvmc lvcreate -q -y -Zn -Wn -L 24M -n crash lbvg /dev/vda &&
    lvmc lvcreate -q -y -Zn -Wn -L 8M -n other lbvg /dev/vda && lvmc vgscan -q --mknodes &&
    /sbin/mke2fs -q -t ext4 /dev/mapper/lbvg-crash && mkdir -p /var/crash &&
    mount -t ext4 /dev/mapper/lbvg-crash /var/crash &&
    dd if=/dev/urandom of=/dev/mapper/lbvg-other bs=1M count=8 2>/dev/null ||
    echo "GUEST: LVM setup failed"
GUEST
cat > "$work/after-load.sh" <<'GUEST'
lvmp() { DM_DISABLE_UDEV=1 /sbin/lvm "$@" --config 'global { use_lvmpolld = 0 } activation {
    udev_sync = 0 udev_rules = 0 monitoring = 0 } devices { obtain_device_list_from_udev = 0 }'; }
case "$(cat /etc/lbtest-change)" in
extend) lvmc lvextend -q -L +16M lbvg/crash && /sbin/resize2fs /dev/mapper/lbvg-crash >/dev/null 2>&1 &&
    echo "GUEST: changed: $(lvmc lvs --noheadings -o lv_size --units m lbvg/crash)" ;;
snapshot) modprobe dm_snapshot && lvmc lvcreate -q -y -s -L 8M -n snap lbvg/crash && lvmc vgscan -q --mknodes &&
    echo "GUEST: changed: $(lvmc lvs --noheadings -o lv_name,origin lbvg/snap | tr -s ' ')"
    # a load now (what lifeboat.path does next) refuses the volume, naming why
    /sbin/lifeboat config check >/dev/null 2>/tmp/check.err || echo "GUEST: refused: $(cat /tmp/check.err)" ;;
move) modprobe dm_mirror && lvmp pvmove -q -i 0 -n crash /dev/vda /dev/vdb &&
    lvmc lvcreate -q -y -Zn -Wn -L 24M -n newcomer lbvg /dev/vda && lvmc vgscan -q --mknodes &&
    dd if=/dev/urandom of=/dev/mapper/lbvg-newcomer bs=1M count=24 2>/dev/null &&
    echo "GUEST: changed: $(lvmc lvs --noheadings -o lv_name,devices lbvg/crash | tr -s ' ')" ;;
esac
# a rehearsal now says what the crash kernel will: the volume refused, the raw disk taking it
/sbin/lifeboat test --rehearse > /tmp/rehearsal.out 2>&1
echo "GUEST: rehearsal exit $?"
sed 's/^/GUEST: rh: /' /tmp/rehearsal.out
# what the LVM disks hold now, the file system on them put away: the crash must not change it
umount /var/crash; sync; echo 3 > /proc/sys/vm/drop_caches
echo "GUEST: sums $(md5sum < /dev/vda | cut -c1-32) $(md5sum < /dev/vdb | cut -c1-32)"
GUEST
for change in ${LVM_CHANGES:-extend snapshot move}; do
    rm -f "$work/pv0.img" "$work/pv1.img" "$work/raw.img"
    truncate -s 64M "$work/pv0.img" "$work/pv1.img"
    truncate -s 128M "$work/raw.img"
    printf '%s\n' "$change" > "$work/change"
    GUEST_MODULES=1 GUEST_LVM=1 GUEST_FILES="$work/before-load.sh=/etc/lbtest-before-load.sh \
$work/after-load.sh=/etc/lbtest-after-load.sh $work/change=/etc/lbtest-change" \
        build_guest_initramfs "$work/stale.cpio" "target path /var/crash
target raw SERIAL=lbraw
device-timeout 3"
    run_guest "$work/stale-$change.log" "$work/stale.cpio" "crashkernel=${CRASHKERNEL:-96M}" \
        -drive "file=$work/pv0.img,if=none,id=pv0,format=raw" -device virtio-blk-pci,drive=pv0 \
        -drive "file=$work/pv1.img,if=none,id=pv1,format=raw" -device virtio-blk-pci,drive=pv1 \
        -drive "file=$work/raw.img,if=none,id=raw,format=raw" -device virtio-blk-pci,drive=raw,serial=lbraw ||
        true
    log "LVM $change after load: guest ran ${GUEST_SECONDS:-?} s"
    check "LVM $change after load: the crash kernel refuses the stale table and says why" bash -c '
        tr -d "\r" < "$1" > "$1.txt" && set -- "$1.txt"
        grep -q "GUEST: changed: " "$1" &&
        grep -Eq "lifeboat: LVM physical volume PVUUID=[^ ]+: the LVM metadata of volume group lbvg changed after load \(seqno [0-9]+ then, group lbvg [0-9]+ now" "$1" &&
        grep -q "lifeboat: lbvg-crash is not set up: the LVM metadata under it changed after load" "$1" &&
        ! grep -q "lifeboat: set up lbvg-crash" "$1"' _ "$work/stale-$change.log"
    check "LVM $change after load: a rehearsal says it as the crash kernel does, and that the raw disk takes the dump" bash -c '
        grep -q "GUEST: rehearsal exit 0" "$1" &&
        grep -Eq "GUEST: rh: lifeboat: LVM physical volume PVUUID=[^ ]+: the LVM metadata of volume group lbvg changed after load" "$1" &&
        # the target refused: on the volume not set up, or (a snapshot holds the same file
        # system) its UUID on two devices, as the crash kernel would say on that system
        grep -Eq "GUEST: rh: lifeboat: (target UUID=[^ ]* is on lbvg-crash, which the crash kernel would not set up|UUID=[^ ]* is on more than one device: an ambiguous target is not used)" "$1" &&
        grep -q "GUEST: rh: lifeboat: rehearsal passed: a crash now would be saved to SERIAL=lbraw (raw) (after 1 target that would fail)" "$1"' \
        _ "$work/stale-$change.log.txt"
    [ "$change" = snapshot ] && check "a volume with snapshots is refused at load, by name" \
        grep -aq "GUEST: refused: .*the target is on lbvg-crash, which is an LVM volume with snapshots" \
        "$work/stale-$change.log"
    check "LVM $change after load: the next target, a raw disk, takes the whole dump" bash -c '
        grep -q "lifeboat: trying the next target" "$1" &&
        grep -q "lifeboat: complete dump written to /dev/vd" "$1" &&
        "$2" verify "$3" >/dev/null' _ "$work/stale-$change.log" "$LIFEBOAT_BIN" "$work/raw.img"
    check "LVM $change after load: the LVM disks (volumes, snapshot, the newcomer) are untouched" bash -c '
        sums=$(grep -a "GUEST: sums " "$1" | tr -d "\r" | tail -n1 | cut -d" " -f3-) && [ -n "$sums" ] &&
        [ "$sums" = "$(md5sum < "$2" | cut -c1-32) $(md5sum < "$3" | cut -c1-32)" ]' _ \
        "$work/stale-$change.log" "$work/pv0.img" "$work/pv1.img"
done
rm -f "$work/pv0.img" "$work/pv1.img" "$work/raw.img"
e2e_end
