#!/usr/bin/env bash
# test_production.sh - the capture as an administrator sets it up, on real
# panics in QEMU:
#   1. a virtio-blk disk by UUID: the capture initramfs carries exactly the
#      modules that disk needs, and the crash kernel loads them;
#   2. no configuration at all: the dump lands in /var/crash, found by its
#      filesystem's UUID;
#   3. a target by LABEL on a second disk, with keep 2: the oldest complete
#      dump is removed, an incomplete one left by an earlier crash is kept;
#   5. lifeboat estimate's crashkernel= value captures a 4 GiB guest, report and all;
#   6. lifeboat exec reboots into a kernel through kexec;
#   4. a target too small for the dump: the dump is marked incomplete, the
#      kernel log and report are saved, and the dump, whose most needed pages
#      went first, still gives its log to lifeboat and to crash.
source "$(dirname "$0")/lib.sh"

e2e_begin
fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"
uuid=2f0c1d9e-5b1a-4c7e-9d3f-6a8b7c6d5e4f

# 1. virtio-blk by UUID
truncate -s 2G "$work/vda.img" && mkfs.ext4 -q -F -U $uuid "$work/vda.img"
GUEST_MODULES=1 build_guest_initramfs "$work/g1.cpio" "target fs UUID=$uuid /crash"
run_guest "$work/s1.log" "$work/g1.cpio" "crashkernel=160M" \
    -drive "file=$work/vda.img,if=none,id=v,format=raw" -device virtio-blk-pci,drive=v || true
check "virtio-blk: the crash kernel loads the disk's modules from the initramfs" bash -c '
    grep -q "lifeboat: loaded module virtio_blk.ko" "$1" &&
    grep -q "lifeboat: loaded module virtio_pci.ko" "$1" && ! grep -q "cannot load module" "$1"' \
    _ "$work/s1.log"
check "virtio-blk: the target is found by UUID and takes a complete dump" bash -c '
    grep -q "lifeboat: target UUID=$2 is /dev/vda" "$1" && grep -q "lifeboat: capture complete" "$1"' \
    _ "$work/s1.log" $uuid
check "virtio-blk: the dump directory is on the disk" bash -c '
    source "$2"; [ -n "$(dump_dirs "$1" /crash)" ]' _ "$work/vda.img" "$E2E_DIR/lib.sh"
[ -n "${KEEP_SERIAL:-}" ] && cp "$work/s1.log" "$KEEP_SERIAL"
rm -f "$work/vda.img"

# 2. no configuration at all: /var/crash
make_disk "$work/var.img" 2G VARCRASH
GUEST_NO_CONFIG=1 build_guest_initramfs "$work/g2.cpio" ""
run_guest "$work/s2.log" "$work/g2.cpio" "crashkernel=160M lbtest.varcrash=/dev/nvme0n1" \
    -drive "file=$work/var.img,if=none,id=d,format=raw" -device nvme,drive=d,serial=var || true
check "no configuration: load finds /var/crash's filesystem and the capture completes" bash -c '
    grep -q "GUEST: no /etc/lifeboat.conf" "$1" &&
    grep -q "lifeboat: crash kernel loaded" "$1" && grep -q "lifeboat: capture complete" "$1"' \
    _ "$work/s2.log"
check "no configuration: the dump is at the root of the filesystem mounted on /var/crash" bash -c '
    source "$2"; d=$(dump_dirs "$1" / | grep -E "^[0-9]{8}-[0-9]{6}-lbguest$"); [ -n "$d" ] &&
    dump_dirs "$1" "/$d" | grep -qx vmcore' _ "$work/var.img" "$E2E_DIR/lib.sh"
rm -f "$work/var.img"

# 3. LABEL on a second disk, keep 2, with two old dumps and an incomplete one there
make_disk "$work/first.img" 64M OTHER
make_disk "$work/second.img" 2G DUMPS
printf '{\n  "status": "complete"\n}\n' > "$work/complete.json"
for d in 20200101-000000-lbguest 20210101-000000-lbguest 20190101-000000-lbguest.incomplete; do
    debugfs -w -R "mkdir /$d" "$work/second.img" >/dev/null 2>&1
    # what a capture leaves: rotation removes only dumps lifeboat made
    case $d in *.incomplete) ;; *) debugfs -w -R "write $work/complete.json /$d/metadata.json" \
        "$work/second.img" >/dev/null 2>&1 ;; esac
done
build_guest_initramfs "$work/g3.cpio" "target fs LABEL=DUMPS /
keep 2"
run_guest "$work/s3.log" "$work/g3.cpio" "crashkernel=160M" \
    -drive "file=$work/first.img,if=none,id=a,format=raw" -device nvme,drive=a,serial=a \
    -drive "file=$work/second.img,if=none,id=b,format=raw" -device nvme,drive=b,serial=b || true
check "LABEL: the second disk is found by its label" bash -c '
    grep -q "lifeboat: target LABEL=DUMPS is /dev/nvme1n1" "$1" &&
    grep -q "lifeboat: capture complete" "$1"' _ "$work/s3.log"
check "keep 2: the oldest complete dump is gone, the newer one and the new one stay" bash -c '
    source "$2"; l=$(dump_dirs "$1" /); echo "$l";
    ! grep -qx 20200101-000000-lbguest <<< "$l" && grep -qx 20210101-000000-lbguest <<< "$l" &&
    [ "$(grep -cE "^2026|^20[2-9][0-9]{5}-" <<< "$l")" -ge 2 ]' _ "$work/second.img" "$E2E_DIR/lib.sh"
check "keep 2: the incomplete dump of an earlier crash is kept and reported" bash -c '
    source "$3"; dump_dirs "$1" / | grep -qx 20190101-000000-lbguest.incomplete &&
    grep -q "an earlier capture left 20190101-000000-lbguest.incomplete: kept" "$2"' _ \
    "$work/second.img" "$work/s3.log" "$E2E_DIR/lib.sh"
rm -f "$work/first.img" "$work/second.img"

# 4. a target too small: 64 MiB, 38 of them taken by a file.  What is left holds
# the log, the report and the dump's first megabytes (its descriptor table
# takes 6, the log ring goes first), never the whole (the kernel image is 33 MiB).
make_disk "$work/small.img" 64M SMALL
head -c 38M /dev/urandom > "$work/filler"
debugfs -w -R "write $work/filler filler" "$work/small.img" >/dev/null 2>&1
rm -f "$work/filler"
build_guest_initramfs "$work/g4.cpio" "target fs LABEL=SMALL /
dump-level 1"
# nokaslr: the log goes first, but a whole window of frames at a time; where KASLR puts the log
# decides how much of its window's other data comes before it, and so whether a cut this early
# holds it.  One layout, every run (the window-granular priority is a limit of the writer).
run_guest "$work/s4.log" "$work/g4.cpio" "crashkernel=160M nokaslr" \
    -drive "file=$work/small.img,if=none,id=s,format=raw" -device nvme,drive=s,serial=s || true
dir=/$(dump_dirs "$work/small.img" / | grep incomplete | head -n1)
for f in vmcore dmesg.txt info.json metadata.json; do
    fetch_file "$work/small.img" "$dir/$f" "$work/small-$f" || true
done
check "full target: the dump is named incomplete, and says so in metadata.json" bash -c '
    [[ "$1" == *.incomplete ]] && grep -q "No space left on device" "$2" &&
    grep -q "\"status\": \"incomplete\"" "$2"' _ "$dir" "$work/small-metadata.json"
check "full target: the kernel log and the triage report were saved first" bash -c '
    grep -q "sysrq: Trigger a crash" "$1" && grep -q "sysrq triggered crash" "$2"' _ \
    "$work/small-dmesg.txt" "$work/small-info.json"
check "full target: lifeboat still reads the log and the panic from the cut dump" bash -c '
    "$1" info "$2" | grep -q "INCOMPLETE" && "$1" dmesg "$2" | grep -q "sysrq: Trigger a crash"' _ \
    "$LIFEBOAT_BIN" "$work/small-vmcore"
if ensure_debuginfo 2>/dev/null; then
    # crash accepts the cut file as a kdump dump marked incomplete.  Whether a whole session
    # starts depends on which pages made it (task structures are anywhere in memory), so only
    # that much is asserted; the log and panic come from lifeboat's check above.
    check "full target: crash takes the cut file as an incomplete kdump dump" bash -c '
        printf "quit\n" > "$3"
        crash -s --zero_excluded "$1" "$2" -i "$3" 2>&1 | tee "$3.out" |
            grep -q "This dumpfile is incomplete" && ! grep -qi "not a supported file format" "$3.out"' \
        _ "$VMLINUX" "$work/small-vmcore" "$work/crash.cmds"
fi

# 6. lifeboat exec: a reboot through kexec
build_guest_initramfs "$work/g6.cpio" ""
GUEST_TIMEOUT=120 run_guest "$work/s6.log" "$work/g6.cpio" "lbtest.exec=1" || true
check "exec: the guest boots again through kexec, with the appended parameter and initramfs" bash -c '
    grep -q "lifeboat: /boot/vmlinuz-.* loaded; syncing and rebooting into it" "$1" &&
    sed -n "/kexec_core: Starting new kernel/,\$p" "$1" > "$1.after" &&
    grep -q "Command line: .*lbtest.exec=1 lbtest.exec=2" "$1.after" &&
    grep -q "lifeboat: capture starting" "$1.after"' _ "$work/s6.log"

# 5. the estimate, tried
printf 'target dir /tmp\n' > "$work/est.conf"
est=$("$LIFEBOAT_BIN" estimate -k "$VMLINUZ" -c "$work/est.conf" | sed -n 's/^crashkernel=//p')
make_disk "$work/est.img" 2G EST
build_guest_initramfs "$work/g5.cpio" "target fs LABEL=EST /"
GUEST_MEM=4096 run_guest "$work/s5.log" "$work/g5.cpio" "crashkernel=$est" \
    -drive "file=$work/est.img,if=none,id=e,format=raw" -device nvme,drive=e,serial=e || true
check "estimate: crashkernel=$est captures a 4 GiB guest, the triage report included" bash -c '
    grep -q "lifeboat: triage report saved" "$1" && grep -q "lifeboat: capture complete" "$1"' _ \
    "$work/s5.log"
rm -f "$work/est.img"

e2e_end
