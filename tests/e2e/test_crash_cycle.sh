#!/usr/bin/env bash
# test_crash_cycle.sh - the whole chain on a real Debian kernel in QEMU:
# boot, fill pages with a known pattern, 'lifeboat load', panic with sysrq,
# capture onto an NVMe disk, reboot; then read the disk on the host (without
# mounting it) and prove the dump is the guest's memory.
#
# Environment: KERNEL_PACKAGE (default linux-image-cloud-amd64), CRASHKERNEL
# (default 160M), GUEST_MEM in MiB (default 1024).  log_buf_len=1M puts the
# printk ring in the direct map, so reading it walks the page tables.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
CRASHKERNEL=${CRASHKERNEL:-160M}
e2e_begin

fetch_kernel "$KERNEL_PACKAGE"
log "kernel $KERNEL_RELEASE, crashkernel=$CRASHKERNEL, ${GUEST_MEM:-1024} MiB guest"
make_disk "$work/disk.img" 4G LBDUMP
# The default format (kdump-compressed, compress auto), filtered to keep user data so
# the pattern pages are there to find.
build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme0n1 /crash
dump-level 23"
seed=$((RANDOM * 65536 + RANDOM + 1))
# crashed on the boot CPU, so the crash kernel can bring up every CPU load gave it
run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=$CRASHKERNEL lbtest.seed=$seed log_buf_len=1M lbtest.crashcpu=0" \
    -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
    true
log "guest ran ${GUEST_SECONDS:-?} s"
[ -n "${KEEP_SERIAL:-}" ] && cp "$work/serial.log" "$KEEP_SERIAL"

check "lifeboat load succeeded in the guest" grep -q "lifeboat: crash kernel loaded" "$work/serial.log"
check "the crash kernel ran the capture" grep -q "lifeboat: capture starting" "$work/serial.log"
check "the capture reported a complete dump" grep -q "lifeboat: capture complete" "$work/serial.log"
check "load gave the crash kernel both CPUs (the reservation feeds them), the boot CPU named, and said a panic elsewhere leaves one" bash -c '
    grep -q "lifeboat: the capture gets 2 CPUs .*; 1 if the panic is on a CPU other than the boot CPU" "$1" &&
        grep -q "nr_cpus=2 disable_cpu_apicid=[0-9]" "$1"' _ "$work/serial.log"
check "the crash kernel had both, and the dump ran on both" bash -c '
    grep -aq "lifeboat: capturing the crash of .*, 2 CPUs, [0-9]* KiB free" "$1" &&
        grep -aq "peak memory: [0-9]* KiB, on 2 threads" "$1"' _ "$work/serial.log"

dirs=$(dump_dirs "$work/disk.img" /crash)
check "exactly one dump directory, named <date>-<time>-<host>" \
    bash -c '[ "$(printf "%s\n" "$1" | grep -c .)" = 1 ] && [[ "$1" =~ ^[0-9]{8}-[0-9]{6}-lbguest$ ]]' _ "$dirs"
dir=/crash/$(printf '%s\n' "$dirs" | head -n1)
fetch_file "$work/disk.img" "$dir/vmcore" "$work/vmcore" || true
fetch_file "$work/disk.img" "$dir/metadata.json" "$work/metadata.json" || true
fetch_file "$work/disk.img" "$dir/dmesg.txt" "$work/dmesg-saved.txt" || true
check "metadata.json says complete, with the guest's kernel release" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["status"] == "complete", m
assert m["log_records"] > 100 and m["log_error"] is None, m
assert m["kernel_release"] == sys.argv[2], m
' "$work/metadata.json" "$KERNEL_RELEASE"
check "the dump is kdump-compressed with compress auto, its pages by codec in the metadata" bash -c '
    [ "$(head -c 8 "$1")" = "KDUMP   " ] && grep -q "\"codec\": \"auto\"" "$2" &&
    grep -Eq "\"pages_by_codec\": \{.*\"(lzo|zstd)\": [1-9]" "$2"' _ \
    "$work/vmcore" "$work/metadata.json"
check "every pattern page is at its frame in the dump (read by libkdumpfile)" \
    /usr/bin/python3 "$E2E_DIR/judge.py" pattern "$work/vmcore" "$work/serial.log" --expect present
check "the check fails with the wrong pattern (negative control)" \
    bash -c '! /usr/bin/python3 "$1" pattern "$2" "$3" --expect present --seed $(($4 + 1))' _ \
    "$E2E_DIR/judge.py" "$work/vmcore" "$work/serial.log" "$seed"
check "VMCOREINFO in the dump names the guest's kernel" \
    bash -c 'strings -n 8 "$1" | head -c 50000000 | grep -q "^OSRELEASE=$2\$"' _ "$work/vmcore" "$KERNEL_RELEASE"
check "lifeboat info reports the release, both CPUs and the panic" bash -c '
    "$1" info "$2" > "$3" && grep -q "kernel release: $4" "$3" &&
    grep -q "cpus with saved registers: 2" "$3" && grep -q "panicking cpu:" "$3" &&
    grep -q "panic:          Kernel panic - not syncing: sysrq triggered crash" "$3"' _ \
    "$LIFEBOAT_BIN" "$work/vmcore" "$work/info.txt" "$KERNEL_RELEASE"
check "converted to ELF, vmcore-dmesg (kexec-tools) reads it and finds the sysrq crash" bash -c '
    "$1" convert -f elf "$2" "$3" 2>/dev/null && vmcore-dmesg "$3" > "$4" &&
    grep -q "sysrq: Trigger a crash" "$4"' _ "$LIFEBOAT_BIN" "$work/vmcore" "$work/vmcore.elf" \
    "$work/dmesg.txt"
check "lifeboat dmesg is byte-identical to vmcore-dmesg" bash -c '
    "$1" dmesg "$2" > "$3" && cmp "$3" "$4"' _ "$LIFEBOAT_BIN" "$work/vmcore" "$work/lb-dmesg.txt" \
    "$work/dmesg.txt"
check "the capture saved dmesg.txt, identical to vmcore-dmesg of the dump" \
    cmp "$work/dmesg-saved.txt" "$work/dmesg.txt"
check "lifeboat dmesg --json has one valid record per line, ending with the panic" python3 -c '
import json, subprocess, sys
lines = subprocess.run([sys.argv[1], "dmesg", "--json", sys.argv[2]], check=True,
                       capture_output=True, text=True).stdout.splitlines()
recs = [json.loads(l) for l in lines]
assert len(recs) > 100 and all(a["seq"] < b["seq"] for a, b in zip(recs, recs[1:]))
assert any("Kernel panic - not syncing: sysrq triggered crash" in r["text"] for r in recs)
' "$LIFEBOAT_BIN" "$work/vmcore"

[ $failures -eq 0 ] || { log "serial log tail:"; tail -n 40 "$work/serial.log" >&2; }
e2e_end
