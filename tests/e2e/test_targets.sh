#!/usr/bin/env bash
# test_targets.sh - the capture's other paths on a real kernel in QEMU:
#  1. the first target never appears, so the next one is used, and that one
#     is a raw block device: the disk itself becomes the ELF dump (a
#     rehearsal before the crash says the same, and writes nothing there);
#  2. a kernel booted without crashkernel=: 'lifeboat load' says what to add;
#  3. one with too little: load warns and status says no.
# Between them: the boot after the raw dump (savecore: first into a /var/crash
# too small for it, which must leave it on the disk; then whole), a raw target
# on a file system refused, and a UUID on two disks refused.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin

fetch_kernel "$KERNEL_PACKAGE"

# 1. fallback to a raw target, named by its identity; the next boot saves the dump
truncate -s 2G "$work/raw.img"
# after load, a rehearsal: the same two targets, the raw device sized and left unwritten
cat > "$work/after-load.sh" <<'GUEST'
. /etc/lbtest/rehearse.sh
# where a dump would begin (its ELF header, its first segments): read whole, and all zeros
echo "GUEST: the raw disk after the rehearsal: $(head -c 8388608 /dev/nvme0n1 | wc -c) bytes read, $(head -c 8388608 /dev/nvme0n1 | tr -d '\000' | wc -c) not zero"
GUEST
GUEST_FILES="$E2E_DIR/guest/rehearse.sh=/etc/lbtest/rehearse.sh $work/after-load.sh=/etc/lbtest-after-load.sh" \
    build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme7n1 /crash
device-timeout 2
target raw /dev/nvme0n1
format elf
dump-level 0"
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=${CRASHKERNEL:-160M} lbtest.seed=$seed" \
    -drive "file=$work/raw.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbraw ||
    true
log "raw target: guest ran ${GUEST_SECONDS:-?} s"
check "a rehearsal: the missing target in the capture's words, the raw device sized, not written" bash -c '
    grep -qa "GUEST: rehearsal exit 0" "$1" &&
    grep -qa "GUEST: rh: lb: target /dev/nvme7n1 did not appear within 2 s" "$1" &&
    grep -Eqa "GUEST: rh: lb: rehearsal: /dev/nvme0n1 is free and would take the dump \([0-9]+ MiB of 2048 MiB\); not written" "$1" &&
    grep -qa "GUEST: rh: lb: rehearsal passed: a crash now would be saved to " "$1" &&
    grep -qa "GUEST: the raw disk after the rehearsal: 8388608 bytes read, 0 not zero" "$1"' _ "$work/serial.log"
check "a missing target is reported and the next one tried" bash -c '
    grep -q "lifeboat: target /dev/nvme7n1 did not appear within 2 s" "$1" &&
    grep -q "lifeboat: trying the next target" "$1"' _ "$work/serial.log"
check "the raw target took a complete dump" \
    grep -q "lifeboat: complete dump written to /dev/nvme0n1" "$work/serial.log"
check "load named the raw disk by its WWID, and the crash kernel found it by that" \
    grep -Eq "lifeboat: target WWID=[^ ]+ is /dev/nvme0n1" "$work/serial.log"
check "the raw disk is an ELF dump holding every pattern page" \
    /usr/bin/python3 "$E2E_DIR/judge.py" pattern "$work/raw.img" "$work/serial.log" --expect present
check "lifeboat info reads the raw disk" bash -c '
    "$1" info "$2" | grep -q "kernel release: $3"' _ "$LIFEBOAT_BIN" "$work/raw.img" "$KERNEL_RELEASE"

# A boot whose /var/crash is too small for the raw dump: savecore's copy cannot be written
# whole, so the disk's dump stays where it is, said at boot, and the copy is removed.
make_disk "$work/small.img" 8M VARCRASH
GUEST_TIMEOUT=300 run_guest "$work/serial2.log" "$work/guest.cpio" \
    "lbtest.varcrash=/dev/nvme1n1 lbtest.savecore=/dev/nvme1n1" \
    -drive "file=$work/raw.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbraw \
    -drive "file=$work/small.img,if=none,id=var,format=raw" -device nvme,drive=var,serial=lbvar || true
check "savecore into a /var/crash too small: the raw dump is kept, not marked saved, and the notice says why" bash -c '
    tr -d "\r" < "$1" > "$1.txt" && set -- "$1.txt" "$2" "$3"
    grep -Eq "lifeboat: the dump stays on /dev/nvme0n1: the copy /var/crash/[0-9]{8}-[0-9]{6}-lbguest[^ ]* (could not be written whole|holds [0-9]+ of the [0-9]+ frames the dump on /dev/nvme0n1 holds)" "$1" &&
    grep -Eq "lifeboat: removed the copy /var/crash/[0-9]{8}-[0-9]{6}-lbguest[^ ]*, which is not the whole dump" "$1" &&
    ! grep -q "GUEST: savecore done" "$1" && ! grep -q "is marked saved" "$1" &&
    grep -q "GUEST: notice: lifeboat: a crash dump is still on its raw target, not saved: " "$1" &&
    [ "$(head -c 7 "$2")" != LBSAVED ] && "$3" info "$2" >/dev/null' _ \
    "$work/serial2.log" "$work/raw.img" "$LIFEBOAT_BIN"
rm -f "$work/small.img"

# The next boot: savecore copies the dump into /var/crash and marks the disk saved; a
# second savecore finds nothing; a raw target on a disk with a file system is refused.
make_disk "$work/var.img" 2G VARCRASH
GUEST_TIMEOUT=300 run_guest "$work/serial3.log" "$work/guest.cpio" \
    "lbtest.varcrash=/dev/nvme1n1 lbtest.savecore=/dev/nvme1n1" \
    -drive "file=$work/raw.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbraw \
    -drive "file=$work/var.img,if=none,id=var,format=raw" -device nvme,drive=var,serial=lbvar || true
check "savecore: the raw disk's dump is saved in /var/crash, every pattern page intact" bash -c '
    source "$5"; grep -q "GUEST: savecore done" "$1" &&
    d=$(dump_dirs "$2" / | grep -E "^[0-9]{8}-[0-9]{6}-lbguest$") && [ -n "$d" ] &&
    fetch_file "$2" "/$d/vmcore" "$3" &&
    /usr/bin/python3 "$4/judge.py" pattern "$3" "$6" --expect present' _ \
    "$work/serial3.log" "$work/var.img" "$work/saved.vmcore" "$E2E_DIR" "$E2E_DIR/lib.sh" \
    "$work/serial.log"
check "savecore: the raw disk is marked saved, and a second savecore finds nothing to do" bash -c '
    [ "$(head -c 7 "$2")" = LBSAVED ] && grep -q "GUEST: savecore again done" "$1" &&
    [ "$(grep -c "holds a dump: saving it" "$1")" = 1 ]' _ "$work/serial3.log" "$work/raw.img"
check "the boot after a raw dump: the notice names it once, list and status show it" bash -c '
    tr -d "\r" < "$1" > "$1.txt" && set -- "$1.txt" "$2"
    grep -Eq "GUEST: notice: lifeboat: the previous boot crashed at .*: Kernel panic - not syncing: sysrq triggered crash; complete dump in /var/crash/[0-9]{8}-[0-9]{6}-lbguest" "$1" &&
    ! grep -q "GUEST: notice again:" "$1" &&
    grep -Eq "GUEST: list: .* lbguest  $2  .* MiB  complete" "$1" &&
    grep -Eq "GUEST: list:   /var/crash/[0-9]{8}-[0-9]{6}-lbguest$" "$1" &&
    grep -q "GUEST: status: last crash: the previous boot crashed at" "$1"' _ "$work/serial3.log" "$KERNEL_RELEASE"
check "a raw target on a disk that holds a file system is refused, naming what it holds" bash -c '
    grep -q "holds an ext4 file system" "$1" && grep -q "GUEST: foreign raw target refused" "$1"' \
    _ "$work/serial3.log"
rm -f "$work/var.img" "$work/saved.vmcore"

# Two disks with one file system UUID (a cloned disk, RAID1 members): which one the
# crash kernel would find first is chance, so load refuses the target.
make_disk "$work/a.img" 64M CLONE
cp --sparse=always "$work/a.img" "$work/b.img"
uuid=$(blkid -s UUID -o value "$work/a.img")
build_guest_initramfs "$work/g4.cpio" "target fs UUID=$uuid /"
GUEST_TIMEOUT=120 run_guest "$work/serial4.log" "$work/g4.cpio" "crashkernel=160M" \
    -drive "file=$work/a.img,if=none,id=a,format=raw" -device nvme,drive=a,serial=a \
    -drive "file=$work/b.img,if=none,id=b,format=raw" -device nvme,drive=b,serial=b || true
check "a UUID on two disks is refused at load, not taken first-match" bash -c '
    grep -q "UUID=$2 is on more than one device" "$1" && grep -q "GUEST: LOAD-FAILED" "$1"' _ \
    "$work/serial4.log" "$uuid"
rm -f "$work/a.img" "$work/b.img"

# 2. no reservation
GUEST_TIMEOUT=120 run_guest "$work/serial2.log" "$work/guest.cpio" "" || true
check "without crashkernel=, load fails and says what to add" bash -c '
    grep -q "no memory is reserved for a crash kernel: add crashkernel=" "$1" &&
    grep -q "GUEST: LOAD-FAILED" "$1"' _ "$work/serial2.log"

# 3. a reservation that loads but cannot run the capture (the kernel only checks that the
# images fit): load warns, status says no
build_guest_initramfs "$work/g5.cpio" "target dir /tmp"
GUEST_TIMEOUT=180 run_guest "$work/serial5.log" "$work/g5.cpio" "crashkernel=56M" || true
check "a reservation below the estimate: load warns, status says no and why" bash -c '
    grep -q "lifeboat: warning: 56 MiB reserved, but the capture needs crashkernel=" "$1" &&
    grep -q "reservation: too small: the capture needs crashkernel=" "$1" &&
    grep -q "crash capture: no" "$1"' _ "$work/serial5.log"

e2e_end
