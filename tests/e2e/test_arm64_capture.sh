#!/usr/bin/env bash
# test_arm64_capture.sh - the capture on arm64, end to end: Debian's arm64
# cloud kernel (6.1) in qemu-system-aarch64 (TCG, virt) with crashkernel=,
# the static arm64 lifeboat (scripts/build-arm64) loads the crash kernel --
# with kexec_load(2), this kernel having no kexec_file_load -- the guest
# panics, the crash kernel runs lifeboat as /init, which saves the dump on a
# virtio disk and reboots.  On this x86_64 host: the dump is complete, every
# pattern page the guest wrote is intact (libkdumpfile), info names the
# panic, and dmesg.txt is what lifeboat dmesg reads from the dump.  Both
# Debian arm64 cloud kernels (6.1; 6.12 from bookworm-backports), each in the
# crashkernel= the arm64 build's estimate gives for it.
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3
JUDGE="$PY $E2E_DIR/judge.py"
L=$LIFEBOAT_BIN
ROOT=$(cd "$E2E_DIR/../.." && pwd)

"$ROOT/scripts/build-arm64" || die "the arm64 build failed"
# one_kernel PACKAGE: the whole cycle on one arm64 kernel; checks named by its release.
one_kernel() {
    local kdir vmlinuz release root m est seed start d
    fetch_arm64 "$1"
    kdir=$ARM64_KDIR vmlinuz=$ARM64_VMLINUZ release=$ARM64_RELEASE
    aarch64-linux-gnu-gcc -O2 -static -o "$work/pattern" "$E2E_DIR/guest/pattern.c" ||
        die "cannot build the pattern helper for arm64"

    # The guest: the same /init as the x86_64 tests, with arm64 programs, the kernel
    # (for lifeboat load) and its virtio drivers with their modules.dep.
    root=$work/root
    mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,boot}
    cp "$ARM64_BUSYBOX" "$root/bin/busybox"
    cp "$work/pattern" "$root/bin/pattern"
    cp "$ROOT/build-arm64/lifeboat" "$root/sbin/lifeboat"
    cp "$vmlinuz" "$root/boot/"
    cp "$E2E_DIR/guest/init" "$root/init"
    m=lib/modules/$release
    mkdir -p "$root/$m/kernel/drivers"
    cp -r "$kdir/root/$m/kernel/drivers/virtio" "$kdir/root/$m/kernel/drivers/block" "$root/$m/kernel/drivers/"
    cp "$kdir/root/$m/modules.order" "$kdir/root/$m/modules.builtin"* "$root/$m/" 2>/dev/null || true
    find "$root/$m" -name '*.ko.xz' -exec xz -d {} + # busybox's modprobe loads plain modules
    depmod -b "$root" "$release"
    printf 'target fs /dev/vda /crash\ndump-level 23\n' > "$root/etc/lifeboat.conf"
    (cd "$root" && find . | cpio -o -H newc --quiet) > "$work/guest.cpio"
    make_disk "$work/disk.img" 2G LBDUMP

    # The reservation: what the arm64 build's estimate says (run here with user-mode QEMU).
    est=$(qemu-aarch64-static "$ROOT/build-arm64/lifeboat" estimate -k "$vmlinuz" -c "$root/etc/lifeboat.conf" \
        2>/dev/null | sed -n 's/^crashkernel=//p')
    log "arm64: estimate says crashkernel=${est:-?}"
    seed=$((RANDOM * 65536 + RANDOM + 1))
    start=$SECONDS
    timeout -k 10 "${GUEST_TIMEOUT:-900}" qemu-system-aarch64 -M virt -cpu cortex-a57 -m 1024 -smp 2 \
        -nodefaults -display none -no-reboot -serial "file:$work/serial.log" \
        -kernel "$vmlinuz" -initrd "$work/guest.cpio" \
        -append "console=ttyAMA0 panic=1 crashkernel=${CRASHKERNEL:-${est:-256M}} lbtest.seed=$seed" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device virtio-blk-pci,drive=dump ||
        log "QEMU ended with $?"
    log "arm64 guest: boot, load, panic, capture and reboot in $((SECONDS - start)) s"
    tr -d '\r' < "$work/serial.log" > "$work/serial.txt"

    check "$release: load put the crash kernel in with kexec_load(2)" \
        grep -q "lifeboat: loaded with kexec_load(2): this kernel has no kexec_file_load" "$work/serial.txt"
    check "$release: the crash kernel ran lifeboat and saved a complete dump, in crashkernel=${CRASHKERNEL:-$est} (estimate's)" \
        grep -q "lifeboat: complete dump saved" "$work/serial.txt"
    d=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
    fetch_file "$work/disk.img" "$d/vmcore" "$work/vmcore" || true
    fetch_file "$work/disk.img" "$d/dmesg.txt" "$work/dmesg.txt" || true
    check "$release: every pattern page the guest wrote is in the dump, intact (libkdumpfile)" \
        $JUDGE pattern "$work/vmcore" "$work/serial.txt" --expect present
    check "$release: drgn opens the arm64 dump on this x86_64 host and reads the pattern pages" \
        $JUDGE drgn-pattern "$work/vmcore" "$work/serial.txt"
    check "$release: lifeboat info on this x86_64 host names the machine and the panic" bash -c '
        "$1" info "$2" > "$3" && head -n 12 "$3" && grep -q "^machine: *aarch64" "$3" &&
        grep -q "^panic: *Kernel panic - not syncing: sysrq triggered crash" "$3" &&
        grep -Eq "#[0-9]+ +ffff[0-9a-f]+ panic\+0x" "$3"' _ "$L" "$work/vmcore" "$work/info.txt"
    check "$release: dmesg.txt saved by the capture is what lifeboat dmesg reads from the dump" bash -c '
        "$1" dmesg "$2" | cmp - "$3"' _ "$L" "$work/vmcore" "$work/dmesg.txt"
}

top=$work
for package in ${ARM64_PACKAGES:-linux-image-cloud-arm64 linux-image-6.12-cloud-arm64}; do
    work=$top/$package
    mkdir -p "$work"
    one_kernel "$package"
done
e2e_end
