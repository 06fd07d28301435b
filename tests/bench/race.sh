#!/usr/bin/env bash
# race.sh - the capture in the crash kernel against makedumpfile, in both
# regimes: the same crashed guest, kernel, reservation and crashing CPU,
# saved by lifeboat (compress auto, and fixed lzo and zstd) and by busybox +
# makedumpfile -l and -c (reference.sh), to a dump disk unthrottled (the CPU
# is the limit) and throttled by QEMU (the disk is).  The crashing CPU sets
# the crash kernel's CPUs (guest_crash.sh): CRASH_CPUS="1" is the one-CPU
# crash kernel half of a 2-CPU machine's crashes get, "0" the two-CPU one.
# A benchmark, not a test: it prints a table and fails only if nothing works.
#
#   tests/bench/race.sh                                  # 4 GiB, 3 runs, 0/100/20 MB/s, 1 and 2 CPUs
#   MEM=2048 RUNS=2 MBPS="0 20" CRASH_CPUS=1 tests/bench/race.sh
#   TOOLS="auto mdf-l" tests/bench/race.sh
#
# Per cell: the dump step (as the crash kernel timed it) mean and standard
# deviation over the runs, panic -> capture complete (timed from the host),
# and the vmcore's size.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/reference.sh"
source "$(dirname "$0")/guest_crash.sh"

MEM=${MEM:-4096}
RESERVE=${RESERVE:-128}
RUNS=${RUNS:-3}
MBPS=${MBPS:-"0 100 20"}
CRASH_CPUS=${CRASH_CPUS:-"1 0"}
TOOLS=${TOOLS:-"auto lzo zstd mdf-l mdf-c"}
work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-race.XXXXXX")
trap 'pkill -f "$work" 2>/dev/null; rm -rf "$work"' EXIT
fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"

for tool in $TOOLS; do
    case $tool in
    auto | lzo | zstd) # cpus 2: as many as the crash kernel can start
        codec=$([ "$tool" = auto ] || echo "codec $tool")
        build_guest_initramfs "$work/$tool.cpio" "target fs /dev/nvme0n1 /crash
cpus 2
$codec" ;;
    mdf-l | mdf-c)
        build_reference_initrd "$work/$tool.img" "-${tool#mdf-} -d 31"
        GUEST_CRASH_INITRD=$work/$tool.img build_guest_initramfs "$work/$tool.cpio" "" ;;
    *) die "unknown tool $tool (auto, lzo, zstd, mdf-l, mdf-c)" ;;
    esac
done

# One cell: RUNS crashes; appends "mbps cpus tool step_mean step_sd total_mean mib" to results.
cell() {
    local mbps=$1 crashcpu=$2 tool=$3 kind=lifeboat r steps=() totals=() mib=0
    [[ $tool = mdf-* ]] && kind=reference
    for ((i = 1; i <= RUNS; i++)); do
        if r=$(BENCH_NAME=$tool-$mbps-$crashcpu-$i CRASH_CPU=$crashcpu DUMP_MBPS=$mbps \
            bench_crash "$kind" "$work/$tool.cpio" "$MEM" "$RESERVE"); then
            read -r total step _ mib <<< "$r"
            log "$mbps MB/s, crash on CPU $crashcpu, $tool, run $i: $r"
            [ "$step" != "?" ] || { log "  (no dump step said: run left out)"; continue; }
            steps+=("$step") totals+=("$total")
        else
            log "$mbps MB/s, crash on CPU $crashcpu, $tool, run $i: not saved"
        fi
    done
    [ ${#steps[@]} -gt 0 ] || return 0
    python3 -c '
import statistics as s, sys
steps = [float(x) for x in sys.argv[5].split()]
totals = [float(x) for x in sys.argv[6].split()]
sd = s.stdev(steps) if len(steps) > 1 else 0.0
print(sys.argv[1], sys.argv[2], sys.argv[3], f"{s.mean(steps):.2f}", f"{sd:.2f}", f"{s.mean(totals):.1f}", sys.argv[4])
' "$mbps" "$crashcpu" "$tool" "$mib" "${steps[*]}" "${totals[*]}" >> "$work/results"
}

for mbps in $MBPS; do
    for crashcpu in $CRASH_CPUS; do
        for tool in $TOOLS; do
            cell "$mbps" "$crashcpu" "$tool"
        done
    done
done
[ -s "$work/results" ] || die "no capture completed"

printf '\nkernel %s, %s MiB guest, crashkernel=%sM, %s runs a cell, QEMU TCG on %s host cores\n' \
    "$KERNEL_RELEASE" "$MEM" "$RESERVE" "$RUNS" "$(nproc)"
python3 - "$work/results" <<'PY'
import collections, sys
rows = [l.split() for l in open(sys.argv[1])]
cells = collections.defaultdict(dict)
for mbps, cpu, tool, mean, sd, total, mib in rows:
    cells[(mbps, cpu)][tool] = (float(mean), float(sd), float(total), float(mib))
print(f"{'disk':<10} {'crash CPUs':<11} {'tool':<7} {'dump step':<16} {'panic->done':<12} {'vmcore':<10} vs auto")
for (mbps, cpu), tools in cells.items():
    disk = "unthrottled" if mbps == "0" else f"{mbps} MB/s"
    ncpus = "1" if cpu != "0" else "2"
    auto = tools.get("auto")
    for tool, (mean, sd, total, mib) in tools.items():
        ratio = f"{mean / auto[0]:.2f}x" if auto and auto[0] > 0 and tool != "auto" else ""
        print(f"{disk:<10} {ncpus:<11} {tool:<7} {mean:6.2f} s ± {sd:<5.2f} {total:7.1f} s   {mib:7.1f} MiB {ratio}")
PY
