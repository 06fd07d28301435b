#!/usr/bin/env bash
# cpu_cost.sh - what each CPU of the crash kernel costs in memory: the number
# behind ESTIMATE_KERNEL_PER_CPU_KIB (src/admin/estimate.h).  A benchmark, not a
# test: it prints a table.
#
#   tests/bench/cpu_cost.sh                      # 6.1 cloud kernel, 1, 2 and 3 CPUs
#   KERNEL_PACKAGE=linux-image-6.12-cloud-amd64 tests/bench/cpu_cost.sh
#
# The same 1 GiB guest with 4 CPUs crashes once per count, its crash kernel
# given that many (cpus N) in the same reservation; the capture says how much
# memory is free when it starts, after the kernel has brought its CPUs up.
# (A crash on a CPU other than the boot CPU leaves that one out, named by
# disable_cpu_apicid=: the guest has one CPU more than the most asked for.)
# Free memory moves by a few hundred KiB from boot to boot, and it is not
# all the story (memory freed late after boot), so the kernel's own count of
# what grows with CPUs is shown too: its percpu areas and threads' stacks
# (/proc/meminfo Percpu + KernelStack, which the capture prints).
source "$(dirname "$0")/../e2e/lib.sh"

COUNTS=${COUNTS:-"1 2 3"}
work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-cpucost.XXXXXX")
trap 'rm -rf "$work"' EXIT
fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"

RUNS=${RUNS:-2}
declare -A free_kib kernel_kib
for n in $COUNTS; do
  for run in $(seq "$RUNS"); do
    build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme0n1 /crash
cpus $n"
    make_disk "$work/disk.img" 2G LBDUMP
    GUEST_CPUS=$((${COUNTS##* } + 1)) GUEST_TIMEOUT=600 run_guest "$work/serial-$n.log" "$work/guest.cpio" \
        "crashkernel=128M" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
        true
    line=$(tr -d '\r' < "$work/serial-$n.log" | grep -a "lifeboat: capturing the crash of" | head -n1)
    [[ $line =~ ([0-9]+)\ CPUs,\ ([0-9]+)\ KiB\ free\ \(percpu\ ([0-9]+)\ KiB,\ kernel\ stacks\ ([0-9]+) ]] ||
        die "$n CPUs: the capture did not start"
    [[ ${BASH_REMATCH[1]} == "$n" ]] || die "asked for $n CPUs, the crash kernel has ${BASH_REMATCH[1]}"
    free=${BASH_REMATCH[2]}
    kernel_kib[$n]=$((BASH_REMATCH[3] + BASH_REMATCH[4]))
    log "$n CPUs, run $run: $free KiB free when the capture starts, percpu + stacks ${kernel_kib[$n]} KiB"
    # the most free of the runs: the least taken by chance
    [[ -z ${free_kib[$n]:-} || $free -gt ${free_kib[$n]} ]] && free_kib[$n]=$free
  done
done
first=${COUNTS%% *}
printf '\nkernel %s, crashkernel=128M\n%-6s %-12s %-22s %-18s %-22s\n' "$KERNEL_RELEASE" CPUs "KiB free" \
    "free, per CPU past $first" "percpu+stacks KiB" "percpu+stacks, per CPU"
for n in $COUNTS; do
    per=- kper=-
    if [[ $n != "$first" ]]; then
        per=$(((free_kib[$first] - free_kib[$n]) / (n - first)))
        kper=$(((kernel_kib[$n] - kernel_kib[$first]) / (n - first)))
    fi
    printf '%-6s %-12s %-22s %-18s %-22s\n' "$n" "${free_kib[$n]}" "$per" "${kernel_kib[$n]}" "$kper"
done
