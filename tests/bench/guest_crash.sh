# guest_crash.sh - sourced by the benchmarks (scale.sh, race.sh): one timed
# crash of a guest whose crash kernel captures to an NVMe disk, by lifeboat
# or by the reference (reference.sh's busybox + makedumpfile).
#
# bench_crash KIND CPIO MEM SIZE: boots CPIO (build_guest_initramfs) in a guest
# of MEM MiB with crashkernel=SIZE M, lets it crash, and prints
#   "panic_to_done dump_step rss_kib vmcore_mib"
# or fails if the capture did not complete.  KIND is lifeboat or reference
# (what the console says, and where the vmcore is).  Uses the caller's $work;
# the serial console is $work/NAME.log (BENCH_NAME, default KIND-MEM-SIZE).
#   CRASH_CPU      the CPU that panics (default 0).  On x86 the crash kernel
#                  starts on it and the boot CPU stays down (disable_cpu_apicid):
#                  on a 2-CPU guest, CRASH_CPU=1 leaves the crash kernel 1 CPU.
#   DUMP_MBPS      the dump disk's write limit in MB/s (QEMU's throttling;
#                  unset or 0: none).
#   KEEP_LOGS=DIR  each run's console kept in DIR.
# Panic -> done is timed from the host as the console prints the lines; the
# dump step as the crash kernel timed it (lifeboat's to the millisecond, in
# metadata.json; the reference's to 10 ms, /proc/uptime); "?" if not said.
bench_crash() {
    local kind=$1 cpio=$2 mem=$3 size=$4
    local name=${BENCH_NAME:-$kind-$mem-$size} qemu_mem=() throttle=
    local serial=$work/$name.log
    make_disk "$work/disk.img" 16G LBDUMP
    if [ "$mem" -gt 16384 ]; then # above 16 GiB a sparse file backs it (see scale.sh)
        rm -f "$work/ram" && truncate -s "${mem}M" "$work/ram"
        qemu_mem=(-object "memory-backend-file,id=ram,size=${mem}M,mem-path=$work/ram,share=on"
                  -machine memory-backend=ram)
    fi
    [ "${DUMP_MBPS:-0}" -gt 0 ] && throttle=",throttling.bps-write=$((DUMP_MBPS * 1000000))"
    rm -f "$serial"
    GUEST_MEM=$mem GUEST_TIMEOUT=1800 run_guest "$serial" "$cpio" \
        "crashkernel=${size}M lbtest.workload=server lbtest.pages=32768 lbtest.crashcpu=${CRASH_CPU:-0}" \
        "${qemu_mem[@]}" -drive "file=$work/disk.img,if=none,id=dump,format=raw$throttle" \
        -device nvme,drive=dump,serial=lbdump >/dev/null 2>&1 &
    local qpid=$! t_panic= t_done= done_pat="lifeboat: capture complete"
    [ "$kind" = reference ] && done_pat="REF: capture complete"
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
    if [ "$kind" = reference ]; then
        step=$(grep -ao "REF: dump step [0-9.]* [0-9.]*" "$serial" | awk '{printf "%.2f", $5 - $4}')
        rss=$(grep -ao "REF: Maximum resident set size (kbytes): [0-9]*" "$serial" | awk '{print $NF}')
        vmcore=$(debugfs -R "stat /vmcore" "$work/disk.img" 2>/dev/null | grep -o 'Size: [0-9]*' | head -n1 | awk '{print $2}')
    else
        local dir
        dir=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
        # metadata.json's, to the millisecond, once it says complete: the dump step's process
        # from its fork to its end (the fsync, and the checksum read back: more than the
        # reference's makedumpfile from its start to its sync)
        local meta
        meta=$(debugfs -R "cat $dir/metadata.json" "$work/disk.img" 2>/dev/null)
        grep -q '"status": "complete"' <<< "$meta" &&
            step=$(grep -o '"seconds": {"dump": [0-9.]*' <<< "$meta" | grep -o '[0-9.]*$')
        rss=$(grep -ao "peak memory: [0-9]* KiB" "$serial" | awk '{print $3}' | tail -n1)
        vmcore=$(debugfs -R "stat $dir/vmcore" "$work/disk.img" 2>/dev/null | grep -o 'Size: [0-9]*' | head -n1 | awk '{print $2}')
    fi
    printf '%.1f %s %s %.1f\n' "$(echo "$t_done - $t_panic" | bc)" "${step:-?}" "${rss:-0}" \
        "$(echo "${vmcore:-0} / 1048576" | bc -l)"
}
