#!/usr/bin/env bash
# scale.sh - how the capture's cost grows with the machine: guests of 1, 4,
# 16 and 64 GiB crash, and lifeboat with 1 and 2 CPUs in the crash kernel and
# the reference (busybox + makedumpfile -l -d 31, one CPU, tests/bench/
# reference.sh) save them in the same guest, kernel, disk and reservation.
# A benchmark, not a test: it prints a table and fails only if nothing works.
#
#   tests/bench/scale.sh                                # 1, 4, 16, 64 GiB
#   MEMS="1024 4096" TOOLS="lifeboat-1 reference" tests/bench/scale.sh
#   SMALLEST="1024 65536" tests/bench/scale.sh         # and, for these, the smallest crashkernel=
#   KEEP_LOGS=DIR tests/bench/scale.sh                  # each run's serial console kept in DIR
#
# Per run: panic -> capture complete, timed from the host as the serial
# console prints the lines; the dump step as the crash kernel timed it; the
# dump step's peak RSS; the dump's size.  Memory a guest never touched costs
# the host nothing; a guest larger than 16 GiB is backed by a sparse file
# (memory-backend-file, shared), which QEMU can map where -m alone is refused
# under the host's overcommit rules.  Every guest runs the "server" workload
# (page cache of text and random data, processes, 128 MiB of anonymous
# pattern); the rest of its memory is free, as on most big machines.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/reference.sh"

MEMS=${MEMS:-"1024 4096 16384 65536"}
TOOLS=${TOOLS:-"lifeboat-1 lifeboat-2 reference"}
RESERVE=${RESERVE:-128}
SIZES=${SIZES:-"64 80 96 128"}
work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-scale.XXXXXX")
trap 'pkill -f "$work" 2>/dev/null; rm -rf "$work"' EXIT
fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"

build_reference_initrd "$work/reference.img"
for cpus in 1 2; do
    build_guest_initramfs "$work/lifeboat-$cpus.cpio" "target fs /dev/nvme0n1 /crash
cpus $cpus"
done
GUEST_CRASH_INITRD=$work/reference.img build_guest_initramfs "$work/reference.cpio" ""

# crash TOOL MEM SIZE: one crash; prints "panic_to_done dump_step rss_kib vmcore_mib" or fails
crash() {
    local tool=$1 mem=$2 size=$3 serial=$work/$1-$2-$3.log qemu_mem=()
    make_disk "$work/disk.img" 16G LBDUMP
    if [ "$mem" -gt 16384 ]; then
        rm -f "$work/ram" && truncate -s "${mem}M" "$work/ram"
        qemu_mem=(-object "memory-backend-file,id=ram,size=${mem}M,mem-path=$work/ram,share=on"
                  -machine memory-backend=ram)
    fi
    rm -f "$serial"
    GUEST_MEM=$mem GUEST_TIMEOUT=1800 run_guest "$serial" "$work/$tool.cpio" \
        "crashkernel=${size}M lbtest.workload=server lbtest.pages=32768 lbtest.crashcpu=0" "${qemu_mem[@]}" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump \
        >/dev/null 2>&1 &
    local qpid=$! t_panic= t_done= done_pat="lifeboat: capture complete"
    [ "$tool" = reference ] && done_pat="REF: capture complete"
    while kill -0 $qpid 2>/dev/null; do
        local now
        now=$(date +%s.%N)
        [ -z "$t_panic" ] && grep -aq "GUEST: crashing now" "$serial" 2>/dev/null && t_panic=$now
        [ -n "$t_panic" ] && [ -z "$t_done" ] && grep -aq "$done_pat" "$serial" && t_done=$now
        sleep 0.2
    done
    wait $qpid || true
    # the line may come just before the guest powers off, between two looks
    [ -n "$t_panic" ] && [ -z "$t_done" ] && grep -aq "$done_pat" "$serial" && t_done=$(date +%s.%N)
    rm -f "$work/ram"
    [ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp "$serial" "$KEEP_LOGS/"
    [ -n "$t_done" ] || return 1
    local step rss vmcore
    if [ "$tool" = reference ]; then
        step=$(grep -ao "REF: dump step [0-9.]* [0-9.]*" "$serial" | awk '{printf "%.1f", $5 - $4}')
        rss=$(grep -ao "REF: Maximum resident set size (kbytes): [0-9]*" "$serial" | awk '{print $NF}')
        vmcore=$(debugfs -R "stat /vmcore" "$work/disk.img" 2>/dev/null | grep -o 'Size: [0-9]*' | head -n1 | awk '{print $2}')
    else
        step=$(grep -ao "vmcore: [0-9]* MiB in [0-9.]* s" "$serial" | awk '{print $5}' | tail -n1)
        rss=$(grep -ao "peak memory: [0-9]* KiB" "$serial" | awk '{print $3}' | tail -n1)
        local dir
        dir=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
        vmcore=$(debugfs -R "stat $dir/vmcore" "$work/disk.img" 2>/dev/null | grep -o 'Size: [0-9]*' | head -n1 | awk '{print $2}')
    fi
    printf '%.1f %s %s %.1f\n' "$(echo "$t_done - $t_panic" | bc)" "${step:-?}" "${rss:-0}" \
        "$(echo "${vmcore:-0} / 1048576" | bc -l)"
}

printf '%-8s %-12s %-16s %-12s %-14s %-12s\n' guest tool "panic -> done" "dump step" "peak RSS" vmcore > "$work/table"
for mem in $MEMS; do
    for tool in $TOOLS; do
        if r=$(crash "$tool" "$mem" "$RESERVE"); then
            read -r total step rss vmcore <<< "$r"
            printf '%-8s %-12s %-16s %-12s %-14s %-12s\n' "$((mem / 1024)) GiB" "$tool" "$total s" \
                "$step s" "$((rss / 1024)) MiB" "$vmcore MiB" >> "$work/table"
            log "$mem MiB, $tool: $r"
        else
            printf '%-8s %-12s %s\n' "$((mem / 1024)) GiB" "$tool" "not saved in crashkernel=${RESERVE}M" >> "$work/table"
            log "$mem MiB, $tool: not saved"
        fi
    done
done
printf '\nkernel %s, crashkernel=%sM, 2 guest CPUs, QEMU TCG on %s host cores\n' "$KERNEL_RELEASE" \
    "$RESERVE" "$(nproc)"
cat "$work/table"

if [ -n "${SMALLEST:-}" ]; then
    printf '\nsmallest crashkernel= (lifeboat: cpus 1; reference: one CPU)\n'
    for mem in $SMALLEST; do
        for tool in lifeboat-1 reference; do
            found="> ${SIZES##* }M"
            for size in $SIZES; do
                if crash "$tool" "$mem" "$size" >/dev/null; then
                    found=${size}M
                    break
                fi
            done
            printf '%-8s %-12s %s\n' "$((mem / 1024)) GiB" "$tool" "$found"
        done
    done
fi
