#!/usr/bin/env bash
# test_rehearse.sh - 'lifeboat test --rehearse': the capture without a crash,
# on Debian's 6.1 in QEMU.  After load, the guest rehearses three times:
# with its target (a file system by label) as it is - passing, and saying
# where a crash would go, in how long, how big, with how much room, and the
# crash kernel's CPUs and reservation; with that file system filled up -
# failing with the words the capture would say; and once more whole.  Nothing
# of the rehearsals stays on the target, and 'status' shows the last one.
# Then the guest really crashes: the capture's dump against the size
# predicted from struct pages just before (estimate), within 20%; and the
# same, without the rehearsals, on 6.12 and the pinned 7.x.  (LVM changed after load is rehearsed in
# test_lvm.sh; SFTP and HTTPS drop boxes in test_credentials.sh.)
source "$(dirname "$0")/lib.sh"

e2e_begin
fetch_kernel linux-image-cloud-amd64
make_disk "$work/disk.img" 256M LBDUMP
cat > "$work/after-load.sh" <<'GUEST'
rehearse() { # rehearse N: one rehearsal, its words and exit status on the console
    /sbin/lifeboat test --rehearse > /tmp/r$1.out 2>&1
    echo "GUEST: rehearsal $1 exit $?"
    sed "s/^/GUEST: r$1: /" /tmp/r$1.out
    mkdir -p /mnt && mount -t ext4 LABEL=LBDUMP /mnt 2>/dev/null || mount -t ext4 /dev/nvme0n1 /mnt
    echo "GUEST: after r$1: $(ls -A /mnt/crash 2>/dev/null | tr '\n' ' ')"
    umount /mnt
}
rehearse 1
mount -t ext4 /dev/nvme0n1 /mnt && dd if=/dev/zero of=/mnt/fill bs=1M 2>/dev/null; sync; umount /mnt
rehearse 2
mount -t ext4 /dev/nvme0n1 /mnt && rm -f /mnt/fill && sync && umount /mnt
settle() { dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; }
settle
rehearse 3
/sbin/lifeboat status 2>&1 | grep "last rehearsal" | sed 's/^/GUEST: status: /'
# The rehearsal's own output (compressed: incompressible), written and then deleted, sits in
# pages freed onto the per-CPU lists, which are not marked free until drained: a crash this
# very second would keep them (makedumpfile's would too) and be bigger than any crash later.
# A 64 MiB buffer touched takes those pages back, as the machine's work would (settle, which
# also ran before the third rehearsal for what the second and the filling left).
settle
# The size a crash now would have, predicted from struct pages the moment before the crash
# (the prediction's own child has exited; what it freed is as small as settle's).
/sbin/lifeboat estimate > /tmp/estimate.out 2>&1
sed 's/^/GUEST: estimate: /' /tmp/estimate.out
sed 's/^/GUEST: prediction: /' /var/lib/lifeboat/prediction
/sbin/lifeboat status 2>&1 | grep "^dump size" | sed 's/^/GUEST: status: /'
GUEST
GUEST_FILES="$work/after-load.sh=/etc/lbtest-after-load.sh" \
    build_guest_initramfs "$work/guest.cpio" "target fs LABEL=LBDUMP /crash"
run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=192M" \
    -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
    true
tr -d '\r' < "$work/serial.log" > "$work/serial.txt"
log "guest ran ${GUEST_SECONDS:-?} s"
grep -a "GUEST: r[0-9]: lifeboat: rehearsal \|GUEST: rehearsal [0-9] exit" "$work/serial.txt" >&2 || true

check "a rehearsal on a working target passes and says where, how long, how big, how much room" \
    bash -c 'grep -q "GUEST: rehearsal 1 exit 0" "$1" &&
    grep -Eq "GUEST: r1: lifeboat: rehearsal passed: a crash now would be saved to LABEL=LBDUMP /crash in about [0-9]+ s, [0-9]+ MiB \(free there: [0-9]+ MiB\); the crash kernel gets [0-9]+ CPUs? in 192 MiB \(estimate [0-9]+ MiB; 1 CPU if the panic is on a CPU other than the boot CPU\)" "$1"' \
    _ "$work/serial.txt"
check "the rehearsal ran the capture's own steps: log, report, metadata, a live dump, then removed it" \
    bash -c 'grep -q "GUEST: r1: lifeboat: kernel log saved" "$1" &&
    grep -q "GUEST: r1: lifeboat: triage report saved" "$1" &&
    grep -q "GUEST: r1: lifeboat: rehearsal: a complete dump written in .*/crash/.rehearsal-[0-9-]*-lbguest, and removed" "$1" &&
    grep -q "GUEST: after r1: $" "$1"' _ "$work/serial.txt"
check "a rehearsal on a full target fails, with the words the capture would say" bash -c '
    grep -q "GUEST: rehearsal 2 exit 1" "$1" &&
    grep -Eq "GUEST: r2: lifeboat: .*(No space left on device|incomplete)" "$1" &&
    grep -q "GUEST: r2: lifeboat: rehearsal failed: a crash now would not be saved whole" "$1" &&
    grep -q "GUEST: after r2: $" "$1"' _ "$work/serial.txt"
check "status shows the last rehearsal" \
    grep -Eq "GUEST: status: last rehearsal: [0-9-]+ [0-9:]+ UTC: passed: a crash now would be saved" \
    "$work/serial.txt"
# the real crash after: its dump against the prediction
d=$(dump_dirs "$work/disk.img" /crash | grep -v '^\.' | head -n1)
fetch_file "$work/disk.img" "/crash/$d/vmcore" "$work/vmcore" || true
# The prediction made just before the crash (estimate, from struct pages and a sample of kept
# pages) against the dump the crash kernel then wrote.  (A live dump and a crash dump of the same
# moment agree within 3%: a 'save --live' just before a crash, 31.2 vs 30.5 MB.)
check "estimate predicts the dump's size from struct pages, says how, and status holds the target against it" bash -c '
    grep -Eq "GUEST: estimate: dump size at -d 31: about [0-9]+ MiB \([0-9]+ frames kept of [0-9]+; ratio measured on [0-9]+ sampled pages" "$1" &&
    grep -Eq "GUEST: r3: lifeboat: rehearsal passed: .*; from struct pages a crash dump now: about [0-9]+ MiB" "$1" &&
    grep -Eq "GUEST: status: dump size: about [0-9]+ MiB .*, predicted by estimate at [0-9-]+ [0-9:]+ UTC" "$1" &&
    grep -Eq "GUEST: status: dump size: target 1, .*: [0-9]+ MiB free when the rehearsal of .* ran, room for it" "$1"' \
    _ "$work/serial.txt"
# within_20 SERIAL VMCORE KERNEL: the prediction the guest recorded last against the dump saved.
within_20() {
    local predicted actual
    predicted=$(grep -a "GUEST: prediction: bytes " "$1" | tail -n1 | sed -E "s/.*bytes ([0-9]+).*/\1/")
    actual=$(stat -c %s "$2" 2>/dev/null || echo 0)
    log "size: kernel $3: predicted ${predicted:-?} bytes, the capture wrote $actual bytes" \
        "(error $(( (${predicted:-0} - actual) * 1000 / (actual > 0 ? actual : 1) )) per mille)"
    check "$3: the capture's dump is within 20% of the size predicted just before the crash" \
        bash -c '[ -n "$1" ] && [ "$2" -gt 0 ] &&
            [ $(($1 * 100)) -ge $(($2 * 80)) ] && [ $(($1 * 100)) -le $(($2 * 120)) ]' \
        _ "$predicted" "$actual"
}
within_20 "$work/serial.txt" "$work/vmcore" "$KERNEL_RELEASE"

# The same on the newer kernels, without the rehearsals: load (which predicts), settle, a last
# prediction, the crash.  (SIZE_KERNELS="PACKAGE..." chooses; "" skips.)
cat > "$work/predict-then-crash.sh" <<'GUEST'
dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
/sbin/lifeboat estimate --plain > /tmp/estimate.out 2>&1
sed 's/^/GUEST: estimate: /' /tmp/estimate.out
sed 's/^/GUEST: prediction: /' /var/lib/lifeboat/prediction
GUEST
for pkg in ${SIZE_KERNELS-linux-image-6.12-cloud-amd64 $KERNEL_7X_PACKAGE}; do
    fetch_kernel "$pkg"
    case "$pkg" in linux-image-7.*) export GUEST_KERNEL_AT=modules ;; *) unset GUEST_KERNEL_AT ;; esac
    make_disk "$work/disk.img" 256M LBDUMP
    GUEST_FILES="$work/predict-then-crash.sh=/etc/lbtest-after-load.sh" \
        build_guest_initramfs "$work/guest.cpio" "target fs LABEL=LBDUMP /crash"
    for boot in 1 2; do
        run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=192M" \
            -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
            true
        tr -d '\r' < "$work/serial.log" > "$work/serial.txt"
        log "$KERNEL_RELEASE: guest ran ${GUEST_SECONDS:-?} s"
        # a kernel that died before its /init ran (once, 7.3.4 in its early boot under emulation,
        # 7 s in) judged nothing of lifeboat's: it is booted once more, and said
        grep -aq "GUEST: release" "$work/serial.txt" && break
        log "$KERNEL_RELEASE: the kernel died before the guest's /init ran: booted once more"
        tail -n 5 "$work/serial.txt" >&2
    done
    grep -a "GUEST: estimate: dump size" "$work/serial.txt" >&2 || true
    d=$(dump_dirs "$work/disk.img" /crash | grep -v '^\.' | head -n1 || true)
    rm -f "$work/vmcore"
    fetch_file "$work/disk.img" "/crash/$d/vmcore" "$work/vmcore" ||
        { log "$KERNEL_RELEASE: no dump saved; the console's end:"; tail -n 25 "$work/serial.txt" >&2; }
    within_20 "$work/serial.txt" "$work/vmcore" "$KERNEL_RELEASE"
done
e2e_end
