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
source "$(dirname "$0")/guest_crash.sh"

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

# crash TOOL MEM SIZE: one crash (guest_crash.sh); prints "panic_to_done dump_step rss_kib vmcore_mib"
crash() {
    local kind=lifeboat
    [ "$1" = reference ] && kind=reference
    BENCH_NAME=$1-$2-$3 bench_crash "$kind" "$work/$1.cpio" "$2" "$3"
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
