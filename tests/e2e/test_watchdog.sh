#!/usr/bin/env bash
# test_watchdog.sh - a hardware watchdog the crashed kernel left running
# (QEMU's i6300esb, armed for 10 s on Debian's 6.12 cloud kernel) keeps
# counting through the crash.  The capture takes longer than that (its disk
# is throttled to 1 MiB/s).  lifeboat load carries the watchdog's driver in
# the capture initramfs, so the capture is not reset half-way and completes.
# Control: the same crash with a capture initramfs made without the driver
# (on this host, where no watchdog runs) is reset before the capture ends.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-6.12-cloud-amd64}
e2e_begin
fetch_kernel "$KERNEL_PACKAGE"
slow="throttling.bps-write=1048576"

make_disk "$work/d.img" 2G DUMPS
GUEST_MODULES=1 GUEST_WATCHDOG_MODULES=1 build_guest_initramfs "$work/g.cpio" "target fs LABEL=DUMPS /"
run_guest "$work/s1.log" "$work/g.cpio" "crashkernel=160M lbtest.watchdog=10" -device i6300esb \
    -drive "file=$work/d.img,if=none,id=d,format=raw,$slow" -device nvme,drive=d,serial=d || true
log "with the driver: guest ran ${GUEST_SECONDS:-?} s"
check "the watchdog was armed in the first kernel, and the capture loaded its driver" bash -c '
    grep -q "GUEST: watchdog0 is active" "$1" &&
    grep -q "lifeboat: loaded module i6300esb" "$1"' _ "$work/s1.log"
check "the capture outlives the watchdog's 10 s and completes" bash -c '
    grep -Eq "lifeboat: capture complete after ([1-9][0-9]|[0-9]{3,})\." "$1"' _ "$work/s1.log"

printf 'target fs LABEL=DUMPS /\n' > "$work/bare.conf"
"$LIFEBOAT_BIN" initramfs -c "$work/bare.conf" -o "$work/bare.img" >/dev/null 2>&1
make_disk "$work/d.img" 2G DUMPS
GUEST_MODULES=1 GUEST_WATCHDOG_MODULES=1 GUEST_CRASH_INITRD="$work/bare.img" \
    build_guest_initramfs "$work/g2.cpio" "target fs LABEL=DUMPS /"
run_guest "$work/s2.log" "$work/g2.cpio" "crashkernel=160M lbtest.watchdog=10" -device i6300esb \
    -drive "file=$work/d.img,if=none,id=d,format=raw,$slow" -device nvme,drive=d,serial=d || true
log "without the driver: guest ran ${GUEST_SECONDS:-?} s"
check "control: without the driver in the capture, the watchdog resets the machine mid-capture" bash -c '
    grep -q "lifeboat: capture starting" "$1" && ! grep -q "lifeboat: capture complete" "$1"' _ \
    "$work/s2.log"
rm -f "$work/d.img"
e2e_end
