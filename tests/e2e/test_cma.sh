#!/usr/bin/env bash
# test_cma.sh - crashkernel=SIZE,cma (src/admin/crashkernel.c): the pinned Linux 7.x
# (KERNEL_7X_PACKAGE in lib.sh) booted with the split that 'lifeboat estimate'
# gives with 'reservation cma', the ,cma word first; estimate in the guest must
# give that same split, load and status show both parts, the crash kernel gets
# the CMA range as RAM, the capture completes and the dump verifies, without
# the CMA range in it.  Then Debian's 6.12, which has no crashkernel=,cma,
# booted with the same form: it keeps the plain part, and estimate keeps the
# plain reservation and says why.
source "$(dirname "$0")/lib.sh"

e2e_begin
PLAIN=72M CMA=16M # what estimate says for the 7.x cloud kernel and this capture (checked below)

start=$SECONDS
fetch_kernel "$KERNEL_7X_PACKAGE"
rel7=$KERNEL_RELEASE
make_disk "$work/disk.img" 2G LBDUMP
# the guest's own estimate before load, as the package's postinst would run it
cat > "$work/before-load.sh" <<'EOF'
/sbin/lifeboat estimate 2>&1 | sed 's/^/GUEST: estimate: /'
EOF
GUEST_KERNEL_AT=modules GUEST_FILES="$work/before-load.sh=/etc/lbtest-before-load.sh
$KERNEL_ROOT/$(kernel_modules_dir)/config=/usr/lib/modules/$rel7/config" \
    build_guest_initramfs "$work/guest.cpio" "target fs LABEL=LBDUMP /crash
reservation cma"
# panic_to_crash_kernel LOG OUT: the milliseconds from the panic on the console to the crash
# kernel's first line (its "Linux version"), watched from here as the guest runs.
panic_to_crash_kernel() {
    local t0= i
    for i in $(seq 1 3000); do
        [ -z "$t0" ] && grep -aq "Kernel panic - not syncing" "$1" 2>/dev/null && t0=$(date +%s%N)
        if [ -n "$t0" ] && [ "$(grep -ac "Linux version" "$1")" -ge 2 ]; then
            echo $((($(date +%s%N) - t0) / 1000000)) > "$2"
            return
        fi
        sleep 0.1
    done
}
rm -f "$work/serial.log"
panic_to_crash_kernel "$work/serial.log" "$work/panic-ms" &
watcher=$!
t=$SECONDS
run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=$CMA,cma crashkernel=$PLAIN" \
    -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
    true
kill $watcher 2>/dev/null || true
wait $watcher 2>/dev/null || true
log "Linux $rel7 with crashkernel=$CMA,cma crashkernel=$PLAIN: the guest ran $((SECONDS - t)) s," \
    "$(cat "$work/panic-ms" 2>/dev/null || echo ?) ms from the panic to the crash kernel"

check "$rel7: the kernel reserved both parts" bash -c '
    grep -aq "crashkernel reserved: .* (${1%M} MB)" "$3" &&
    grep -aq "crashkernel CMA reserved: ${2%M} MB in 1 ranges" "$3"' _ "$PLAIN" "$CMA" "$work/serial.log"
check "$rel7: estimate in the guest decided from its kallsyms and config, and gives this split" bash -c '
    grep -aq "GUEST: estimate: crashkernel=,cma: yes (/proc/kallsyms has crashk_cma_cnt and CONFIG_CMA=y in /usr/lib/modules/$1/config)" "$4" &&
    grep -aq "GUEST: estimate: caveats (kdump.rst): the CMA range is left out of the dump" "$4" &&
    [ "$(grep -a "GUEST: estimate: crashkernel=[0-9]" "$4" | tail -n 1 | tr -d "\r")" = "GUEST: estimate: crashkernel=$3,cma crashkernel=$2" ]' \
    _ "$rel7" "$PLAIN" "$CMA" "$work/serial.log"
check "$rel7: load placed the crash kernel in the plain part and counts the CMA part" grep -aq \
    "lifeboat: crash kernel loaded: /usr/lib/modules/$rel7/vmlinuz, initramfs [0-9]* KiB, ${PLAIN%M} MiB reserved + ${CMA%M} MiB from CMA (crashkernel=,cma)" \
    "$work/serial.log"
check "$rel7: status shows both parts, the capture fitting, and says yes" bash -c '
    grep -aq "^reservation: ${1%M} MiB at 0x[0-9a-f]*-0x[0-9a-f]* (plain: the crash kernel and its initramfs) + ${2%M} MiB from CMA (the running system.s until a crash)" "$3" &&
    grep -aq "^reservation: the capture fits: it needs $(( ${1%M} + ${2%M} )) MiB of the $(( ${1%M} + ${2%M} ))" "$3" &&
    grep -aq "^crash capture: yes" "$3"' _ "$PLAIN" "$CMA" "$work/serial.log"
# the crash kernel's memory map: its plain part and, apart from it, the CMA range as RAM
# kdump.rst's DMA caveat: the kernel waits (CMA_DMA_TIMEOUT_SEC, 10 s) before it starts the
# crash kernel, so DMA into the CMA range set up before the crash can end
check "$rel7: the kernel waited 10 s for DMA into the CMA range before starting the crash kernel" \
    bash -c 'ms=$(cat "$1"); echo "$ms ms"; [ "$ms" -ge 10000 ]' _ "$work/panic-ms"
check "$rel7: the crash kernel was given the ${CMA} CMA range as RAM" /usr/bin/python3 -c '
import re, sys
log = open(sys.argv[1], errors="replace").read()
crash = log[log.index("Kernel panic - not syncing"):]
ram = [(int(a, 16), int(b, 16)) for a, b in
       re.findall(r"BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]\s+System RAM", crash)]
sizes = [b + 1 - a for a, b in ram]
print([hex(s) for s in sizes])
assert int(sys.argv[2][:-1]) << 20 in sizes, sizes' "$work/serial.log" "$CMA"
check "$rel7: the capture completed" grep -aq "lifeboat: capture complete" "$work/serial.log"
check "$rel7: the dump left out the plain and the CMA part (1024 MiB guest)" bash -c '
    mib=$(grep -ao "lifeboat: vmcore: [0-9]* MiB in" "$1" | tail -n 1 | grep -o "[0-9]* MiB" | grep -o "[0-9]*")
    echo "$mib MiB scanned"; [ -n "$mib" ] && [ "$mib" -le $((1024 - ${2%M} - ${3%M})) ] && [ "$mib" -gt 800 ]' \
    _ "$work/serial.log" "$PLAIN" "$CMA"
dir=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
fetch_file "$work/disk.img" "$dir/vmcore" "$work/vmcore" || true
fetch_file "$work/disk.img" "$dir/metadata.json" "$work/metadata.json" || true
check "$rel7: the dump verifies, every frame read back, and its metadata says complete" bash -c '
    "$1" verify "$2" && grep -q "\"status\": \"complete\"" "$3"' _ "$LIFEBOAT_BIN" "$work/vmcore" \
    "$work/metadata.json"
check "$rel7: the dump names the panic" bash -c '
    "$1" info "$2" | grep -q "panic: *Kernel panic - not syncing: sysrq triggered crash"' _ \
    "$LIFEBOAT_BIN" "$work/vmcore"
rm -f "$work/disk.img" "$work/vmcore"
[ $failures -eq 0 ] || { log "serial log tail:"; tail -n 30 "$work/serial.log" >&2; }
log "Linux $rel7: $((SECONDS - start)) s"

# Debian's 6.12 has no crashkernel=,cma (no CONFIG_CMA, no crashk_cma_cnt): the same form
# keeps its plain part, and estimate keeps the plain reservation, saying why.  No crash.
start=$SECONDS
fetch_kernel linux-image-6.12-cloud-amd64
cat > "$work/before-load.sh" <<'EOF'
/sbin/lifeboat estimate --cma 2>&1 | sed 's/^/GUEST: estimate: /'
/sbin/lifeboat status | sed 's/^/GUEST: status: /'
poweroff -f
EOF
GUEST_FILES="$work/before-load.sh=/etc/lbtest-before-load.sh
$KERNEL_ROOT/boot/config-$KERNEL_RELEASE=/boot/config-$KERNEL_RELEASE" \
    build_guest_initramfs "$work/guest.cpio" "target dir /tmp
reservation cma"
run_guest "$work/serial-612.log" "$work/guest.cpio" "crashkernel=$CMA,cma crashkernel=80M" || true
check "$KERNEL_RELEASE: the ,cma word first, the kernel still reserved the plain part" bash -c '
    grep -aq "crashkernel reserved: .* (80 MB)" "$1" && ! grep -aq "unrecognized char" "$1" &&
    grep -aq "GUEST: status: reservation: 80 MiB at" "$1"' _ "$work/serial-612.log"
check "$KERNEL_RELEASE: status says the ,cma part was asked and not reserved" grep -aq \
    "GUEST: status: reservation: crashkernel=${CMA},cma was asked, but the kernel reserved no CMA for it" \
    "$work/serial-612.log"
check "$KERNEL_RELEASE: estimate --cma keeps the plain reservation and says why" bash -c '
    grep -aq "GUEST: estimate: crashkernel=,cma: no, the plain reservation stays: /boot/config-$1 has no CONFIG_CMA=y" "$2" &&
    grep -a "GUEST: estimate: crashkernel=" "$2" | tail -n 1 | tr -d "\r" | grep -Eq "^GUEST: estimate: crashkernel=[0-9]+M$"' \
    _ "$KERNEL_RELEASE" "$work/serial-612.log"
log "Linux $KERNEL_RELEASE: $((SECONDS - start)) s"

e2e_end
